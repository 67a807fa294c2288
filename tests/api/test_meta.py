"""ObjectMeta: name rules, field-error wording, generated names, UIDs, times, accessors.

Each table row first states what Kubernetes does (the comment names the Go
function in k8s.io/apimachinery or the documented behaviour), then checks that
kubelab does the same.
"""
import random
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from kubelab.api import meta
from kubelab.errors import Cause

LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
               "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
               "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
KEY_NAME_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
             "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
             "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


# --- name rules -----------------------------------------------------------------

NAME_RULES = [
    # IsDNS1123Label (util/validation/validation.go): RegexError joins examples with "',  or '"
    (meta.is_dns1123_label, "web", []),
    (meta.is_dns1123_label, "123-abc", []),
    (meta.is_dns1123_label, "Web", [LABEL_MSG]),
    (meta.is_dns1123_label, "-web", [LABEL_MSG]),
    # IsDNS1123Label: a valid subdomain that is not a label "must not contain dots"
    (meta.is_dns1123_label, "web.example", ["must not contain dots"]),
    # IsDNS1123Label: MaxLenError(63) and the regex error are both reported
    (meta.is_dns1123_label, "a" * 64, ["must be no more than 63 characters"]),
    (meta.is_dns1123_label, "A" * 64, ["must be no more than 63 characters", LABEL_MSG]),
    # IsDNS1123Subdomain: dots allowed, 253 characters
    (meta.is_dns1123_subdomain, "example.com", []),
    (meta.is_dns1123_subdomain, "Foo", [SUBDOMAIN_MSG]),
    (meta.is_dns1123_subdomain, "a" * 254, ["must be no more than 253 characters"]),
    (meta.is_dns1123_subdomain, "", [SUBDOMAIN_MSG]),
    # IsDNS1035Label: Service names start with a letter
    (meta.is_dns1035_label, "my-svc", []),
    (meta.is_dns1035_label, "1svc", [DNS1035_MSG]),
    # IsQualifiedName (label keys): optional DNS-subdomain prefix, a 63-character name part
    (meta.is_qualified_name, "app", []),
    (meta.is_qualified_name, "app.kubernetes.io/name", []),
    (meta.is_qualified_name, "MyName", []),
    (meta.is_qualified_name, "-app", [KEY_NAME_MSG]),
    (meta.is_qualified_name, "/app", ["prefix part must be non-empty"]),
    (meta.is_qualified_name, "Example.com/app", ["prefix part " + SUBDOMAIN_MSG]),
    (meta.is_qualified_name, "", ["name part must be non-empty", KEY_NAME_MSG]),
    (meta.is_qualified_name, "a" * 64, ["name part must be no more than 63 characters"]),
    (meta.is_qualified_name, "a/b/c", ["a qualified name must consist of alphanumeric characters, '-', '_' or "
                                        "'.', and must start and end with an alphanumeric character (e.g. "
                                        "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                                        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
                                        "subdomain prefix and '/' (e.g. 'example.com/MyName')"]),
    # IsValidLabelValue: empty is fine, 63 characters at most
    (meta.is_valid_label_value, "", []),
    (meta.is_valid_label_value, "v1.2_beta-3", []),
    (meta.is_valid_label_value, "a b", [VALUE_MSG]),
    (meta.is_valid_label_value, "a" * 64, ["must be no more than 63 characters"]),
    # IsConfigMapKey: keys may not be "." or start with ".."
    (meta.is_config_map_key, "app.properties", []),
    (meta.is_config_map_key, "..data", ["must not start with '..'"]),
    (meta.is_config_map_key, "a/b", ["a valid config key must consist of alphanumeric characters, '-', '_' or "
                                     "'.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
                                     "validation is '[-._a-zA-Z0-9]+')"]),
    # IsValidPortName (IANA_SVC_NAME): 15 characters, at least one letter, no "--"
    (meta.is_valid_port_name, "http", []),
    (meta.is_valid_port_name, "http-metrics-port", ["must be no more than 15 characters"]),
    (meta.is_valid_port_name, "8080", ["must contain at least one letter (a-z)"]),
    (meta.is_valid_port_name, "HTTP", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                                       "must contain at least one letter (a-z)"]),
    (meta.is_valid_port_name, "a--b", ["must not contain consecutive hyphens"]),
    # IsValidPortNum: InclusiveRangeError(1, 65535)
    (meta.is_valid_port_num, 0, ["must be between 1 and 65535, inclusive"]),
    (meta.is_valid_port_num, 65535, []),
    # IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, on by default since v1.32)
    (meta.is_relaxed_env_var_name, "1_STARTS_WITH_DIGIT", []),
    (meta.is_relaxed_env_var_name, "A=B", ["a valid environment variable name must consist only of printable "
                                           "ASCII characters other than '='"]),
    # IsEnvVarName: the strict rule that applied before v1.32
    (meta.is_env_var_name, "1ABC", ["a valid environment variable name must consist of alphabetic characters, "
                                    "digits, '_', '-', or '.', and must not start with a digit (e.g. "
                                    "'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for "
                                    "validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"]),
    # IsValidPercent
    (meta.is_valid_percent, "25%", []),
    (meta.is_valid_percent, "25", ["a valid percent string must be a numeric string followed by an ending '%' "
                                   "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]),
    # path.IsValidPathSegmentName (HPA scaleTargetRef)
    (meta.is_valid_path_segment_name, "web/x", ["may not contain '/'"]),
    (meta.is_valid_path_segment_name, "..", ["may not be '..'"]),
]


@pytest.mark.parametrize("rule, value, expected", NAME_RULES)
def test_name_rules_report_kubernetes_messages(rule, value, expected):
    assert rule(value) == expected


NAME_FUNCS = [
    # Namespaces: ValidateNamespaceName = NameIsDNSLabel
    ("Namespace", "my.ns", ["must not contain dots"]),
    # Services: ValidateServiceName = NameIsDNS1035Label
    ("Service", "1web", [DNS1035_MSG]),
    # StatefulSets: ValidateStatefulSetName = NameIsDNSLabel (pods' hostnames are <name>-<ordinal>)
    ("StatefulSet", "db.v1", ["must not contain dots"]),
    # Pods and most other kinds: NameIsDNSSubdomain
    ("Pod", "web.v1", []),
    ("Deployment", "web.v1", []),
    ("ConfigMap", "app.config", []),
]


@pytest.mark.parametrize("kind, name, expected", NAME_FUNCS)
def test_each_kind_uses_kubernetes_name_rule(kind, name, expected):
    assert meta.name_validator(kind)(name) == expected


def test_a_generate_name_may_end_with_a_dash():
    # NameIsDNSSubdomain(prefix=true) masks a trailing dash (maskTrailingDash) before checking
    assert meta.name_is_dns_subdomain("web-", prefix=True) == []
    assert meta.name_is_dns_subdomain("web-") == [SUBDOMAIN_MSG]


# --- field errors: field.Error.ErrorBody() ----------------------------------------

FIELD_ERRORS = [
    # field.Required: the detail follows "Required value: "
    (meta.required("spec.containers"), "spec.containers: Required value"),
    (meta.required("metadata.name", "name or generateName is required"),
     "metadata.name: Required value: name or generateName is required"),
    # field.Invalid: strings %q-quoted, numbers plain
    (meta.invalid("metadata.name", "Foo", "bad"), 'metadata.name: Invalid value: "Foo": bad'),
    (meta.invalid("spec.replicas", -1, "must be greater than or equal to 0"),
     "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    # a nil pointer renders as the string "null" (ErrorBody's reflect.Ptr branch)
    (meta.invalid("spec.activeDeadlineSeconds", None, "x"), 'spec.activeDeadlineSeconds: Invalid value: "null": x'),
    # map[string]string in %#v: sorted keys, quoted, no spaces around ':'
    (meta.invalid("spec.template.metadata.labels", {"tier": "fe", "app": "web"}, "m"),
     'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"fe"}: m'),
    # field.NotSupported quotes each supported value
    (meta.not_supported("spec.restartPolicy", "Sometimes", ["Always", "OnFailure", "Never"]),
     'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'),
    (meta.duplicate("spec.containers[1].name", "web"), 'spec.containers[1].name: Duplicate value: "web"'),
    (meta.not_found("spec.containers[0].volumeMounts[0].name", "data"),
     'spec.containers[0].volumeMounts[0].name: Not found: "data"'),
    (meta.forbidden("spec", "nope"), "spec: Forbidden: nope"),
    # field.TooLong (v1.32+ wording)
    (meta.too_long("metadata.annotations", 262144),
     "metadata.annotations: Too long: may not be more than 262144 bytes"),
]


@pytest.mark.parametrize("cause, text", FIELD_ERRORS)
def test_field_errors_print_like_field_error_list(cause, text):
    assert f"{cause.field}: {cause.message}" == text


def test_field_errors_carry_kubernetes_cause_types():
    # metav1.CauseType values are the field.ErrorType strings
    assert meta.required("x").type == "FieldValueRequired"
    assert meta.invalid("x", 1).type == "FieldValueInvalid"
    assert meta.not_supported("x", "a", ["b"]).type == "FieldValueNotSupported"
    assert meta.duplicate("x", "a").type == "FieldValueDuplicate"
    assert meta.forbidden("x").type == "FieldValueForbidden"
    assert meta.too_long("x", 1).type == "FieldValueTooLong"


def test_go_quote_escapes_as_strconv_quote():
    # strconv.Quote: \" and \\ escaped, control characters as \n / \x01, printable unicode kept
    assert meta.go_quote('a"b\\c\n\x01é') == '"a\\"b\\\\c\\n\\x01é"'


def test_label_selectors_and_int_or_strings_render_as_go_structs():
    # %#v of *metav1.LabelSelector (dereferenced) and of intstr.IntOrString
    assert meta.go_label_selector({"matchLabels": {"app": "web"}}) == (
        'v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}")
    assert meta.go_label_selector({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x"]}]}) == (
        "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement"
        '{v1.LabelSelectorRequirement{Key:"a", Operator:"In", Values:[]string{"x"}}}}')
    assert meta.go_int_or_string(0) == 'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}'
    assert meta.go_int_or_string("0%") == 'intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}'


# --- labels, annotations, ObjectMeta ---------------------------------------------

def test_labels_report_the_map_path_for_keys_and_values():
    # ValidateLabels reports every problem at the map's path, with the key or value as the bad value
    causes = meta.validate_labels({"-app": "ok", "tier": "front end"})
    assert [f"{c.field}: {c.message}" for c in causes] == [
        f'metadata.labels: Invalid value: "-app": {KEY_NAME_MSG}',
        f'metadata.labels: Invalid value: "front end": {VALUE_MSG}',
    ]


def test_annotations_may_total_256_kib():
    # TotalAnnotationSizeLimitB = 256 * (1 << 10); keys and values both count
    at_limit = {"k": "v" * (256 * 1024 - 1)}
    assert meta.validate_annotations(at_limit) == []
    over = {"k": "v" * (256 * 1024)}
    assert meta.validate_annotations(over) == [
        Cause("metadata.annotations", "Too long: may not be more than 262144 bytes", "FieldValueTooLong")]


def test_annotation_keys_are_checked_case_insensitively():
    # ValidateAnnotations lowercases keys before IsQualifiedName, so "Example.COM/Key" is fine
    assert meta.validate_annotations({"Example.COM/Key": "x"}) == []


OBJECT_META = [
    # ValidateObjectMetaAccessor: name required unless generated
    ({"namespace": "default"}, True, ["metadata.name: Required value: name or generateName is required"]),
    # namespaced kinds need a namespace, and it is a DNS label
    ({"name": "web"}, True, ["metadata.namespace: Required value"]),
    ({"name": "web", "namespace": "Prod"}, True, [f'metadata.namespace: Invalid value: "Prod": {LABEL_MSG}']),
    # cluster-scoped kinds may not have one
    ({"name": "n1", "namespace": "default"}, False, ["metadata.namespace: Forbidden: not allowed on this type"]),
    # generateName is validated as a prefix, name as a name
    ({"generateName": "Web-", "name": "web-x", "namespace": "d"}, True,
     [f'metadata.generateName: Invalid value: "Web-": {SUBDOMAIN_MSG}']),
    # ValidateNonnegativeField(generation)
    ({"name": "a", "namespace": "d", "generation": -1}, True,
     ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"]),
    # ValidateOwnerReferences: uid must not be empty; only one controller
    ({"name": "a", "namespace": "d", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                          "name": "rs"}]}, True,
     ['metadata.ownerReferences.uid: Invalid value: "": must not be empty']),
    # validateKubeFinalizerName: unqualified names must be standard ones
    ({"name": "a", "namespace": "d", "finalizers": ["cleanup"]}, True,
     ['metadata.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it '
      "fully qualified"]),
]


@pytest.mark.parametrize("metadata, namespaced, expected", OBJECT_META)
def test_object_meta_is_validated_like_validate_object_meta(metadata, namespaced, expected):
    causes = meta.validate_object_meta(metadata, namespaced, meta.name_is_dns_subdomain)
    assert [f"{c.field}: {c.message}" for c in causes] == expected


def test_object_meta_identity_is_immutable_on_update():
    # ValidateObjectMetaUpdate: ValidateImmutableField(name), ... "field is immutable"
    old = {"name": "web", "namespace": "default", "uid": "u1"}
    new = {"name": "web2", "namespace": "default", "uid": "u1"}
    assert [f"{c.field}: {c.message}" for c in meta.validate_object_meta_update(new, old)] == [
        'metadata.name: Invalid value: "web2": field is immutable']


# --- generated names, UIDs, timestamps --------------------------------------------

def test_generated_names_append_five_characters_from_kubernetes_alphabet():
    # names.SimpleNameGenerator: base + utilrand.String(5); alphabet "bcdfghjklmnpqrstvwxz2456789"
    name = meta.generate_name("web-7c5ddbdf54-", random.Random(0))
    assert name.startswith("web-7c5ddbdf54-") and len(name) == len("web-7c5ddbdf54-") + 5
    assert set(name[-5:]) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_generated_names_truncate_the_base_to_58_characters():
    # MaxGeneratedNameLength = 63 - 5
    name = meta.generate_name("x" * 70, random.Random(1))
    assert len(name) == 63 and name[:58] == "x" * 58


def test_generated_names_and_uids_are_deterministic_for_a_seed():
    assert meta.generate_name("a-", random.Random(7)) == meta.generate_name("a-", random.Random(7))
    assert meta.new_uid(random.Random(7)) == meta.new_uid(random.Random(7))
    assert meta.new_uid(random.Random(7)) != meta.new_uid(random.Random(8))


def test_uids_are_version_4_uuids():
    # metadata.uid is a UUID (k8s.io/apimachinery/pkg/util/uuid uses uuid.New, version 4)
    uid = meta.new_uid(random.Random(3))
    parsed = uuid.UUID(uid)
    assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == uid


TIMES = [
    # metav1.Time marshals RFC3339 in UTC with whole seconds
    (datetime(2024, 1, 1, tzinfo=timezone.utc), "2024-01-01T00:00:00Z"),
    (datetime(2024, 1, 1, 12, 30, 5, 999999), "2024-01-01T12:30:05Z"),  # naive = UTC, fraction dropped
    (datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1))), "2024-01-01T00:00:00Z"),
]


@pytest.mark.parametrize("dt, text", TIMES)
def test_times_format_as_metav1_time(dt, text):
    assert meta.format_time(dt) == text


def test_micro_times_keep_microseconds():
    # metav1.MicroTime: RFC3339Micro, used by Events' eventTime and Leases
    assert meta.format_micro_time(datetime(2024, 1, 1, 0, 0, 0, 123, tzinfo=timezone.utc)) == \
        "2024-01-01T00:00:00.000123Z"


@pytest.mark.parametrize("text, expected", [
    ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=timezone.utc)),
    ("2024-01-01T02:00:00+02:00", datetime(2024, 1, 1, tzinfo=timezone.utc)),
    ("2024-01-01T00:00:00.5Z", datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=timezone.utc)),
])
def test_times_parse_from_rfc3339(text, expected):
    assert meta.parse_time(text) == expected


def test_unparsable_times_raise_value_error():
    with pytest.raises(ValueError):
        meta.parse_time("yesterday")


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 1, 1)))
def test_format_then_parse_round_trips_to_the_second(dt):
    assert meta.parse_time(meta.format_time(dt)) == dt.replace(microsecond=0, tzinfo=timezone.utc)


@given(st.from_regex(re.compile(r"[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?-?", re.ASCII), fullmatch=True),
       st.integers(min_value=0))
def test_a_valid_generate_name_always_yields_a_valid_name(prefix, seed):
    assert meta.name_is_dns_subdomain(prefix, prefix=True) == []
    assert meta.is_dns1123_subdomain(meta.generate_name(prefix, random.Random(seed))) == []


# --- accessors ------------------------------------------------------------------

POD = {"metadata": {"name": "web-1", "namespace": "prod", "uid": "u", "labels": {"app": "web"},
                    "ownerReferences": [{"kind": "Node", "name": "n1", "uid": "1"},
                                        {"kind": "ReplicaSet", "name": "web", "uid": "2", "controller": True}]}}


def test_accessors_read_object_metadata():
    assert (meta.name_of(POD), meta.namespace_of(POD), meta.uid_of(POD)) == ("web-1", "prod", "u")
    assert meta.labels_of(POD) == {"app": "web"} and meta.annotations_of(POD) == {}
    assert len(meta.owner_references(POD)) == 2


def test_controller_ref_is_the_owner_marked_controller():
    # metav1.GetControllerOf
    assert meta.controller_ref(POD)["kind"] == "ReplicaSet"
    assert meta.controller_ref({"metadata": {}}) is None


def test_keys_are_namespace_slash_name():
    # cache.MetaNamespaceKeyFunc
    assert meta.key_of(POD) == "prod/web-1"
    assert meta.key_of({"metadata": {"name": "node-1"}}) == "node-1"
