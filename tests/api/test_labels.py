"""kubelab.api.labels behaves like k8s.io/apimachinery/pkg/labels and pkg/fields.

Expected values come from Kubernetes' tests in
staging/src/k8s.io/apimachinery/pkg/labels/selector_test.go and
pkg/fields/selector_test.go (named per table), and from error messages real
API servers return, quoted where used.
"""
import pytest
from hypothesis import given, strategies as st

from kubelab.api.labels import (
    DOES_NOT_EXIST, DOUBLE_EQUALS, EQUALS, EXISTS, GREATER_THAN, IN, LESS_THAN, NOT_EQUALS,
    NOT_IN, FieldRequirement, Requirement, Selector, SelectorError, is_qualified_name,
    is_valid_label_value, new_requirement, parse_field_selector, parse_selector,
    selector_from_label_selector, selector_from_set,
)

QUALIFIED_NAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
LABEL_VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")

# -- parsing label selectors -------------------------------------------------------------

@pytest.mark.parametrize("text, canonical", [
    # TestSelectorParse: good strings print back without their spaces
    ("x=a,y=b,z=c", "x=a,y=b,z=c"), ("", ""), ("x!=a,y=b", "x!=a,y=b"), ("x=", "x="),
    ("x= ", "x="), ("x=,z= ", "x=,z="), ("x= ,z= ", "x=,z="), ("!x", "!x"), ("x>1", "x>1"),
    ("x>1,z<5", "x>1,z<5"),
    # TestSetSelectorParser
    ("\rx", "x"),
    ("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"),
    ("this-is-another-dns.domain.com/key-with-dash in (so,what)",
     "this-is-another-dns.domain.com/key-with-dash in (so,what)"),
    ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
     "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"),
    ("foo  in\t (abc)", "foo in (abc)"), ("x notin\n (abc)", "x notin (abc)"),
    ("x  notin\t\t\t(abc,def)", "x notin (abc,def)"), ("x in (abc,def)", "x in (abc,def)"),
    ("x in (abc,)", "x in (,abc)"), ("x in ()", "x in ()"),
    ("x notin (abc,def),bar,z in (),w", "bar,w,x notin (abc,def),z in ()"),
    ("x,y in (a)", "x,y in (a)"), ("x=a", "x=a"), ("x>1", "x>1"), ("x<7", "x<7"),
    ("x=a,y!=b", "x=a,y!=b"), ("x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"),
    ("x notin ( )", "x notin ()"), ("x notin (, a)", "x notin (,a)"), ("a ", "a"),
    # operator 'in' inside list of identifiers
    ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"),
    # TestDeterministicParse: requirements are sorted by key
    ("x=a,a=x", "a=x,x=a"), ("a=x,x=a", "a=x,x=a"),
    # Requirement.String(): == is kept, values are sorted and a set holds each once
    ("x==a", "x==a"), ("x in (b,a,b)", "x in (a,b)"), ("x in (a,,b)", "x in (,a,b)"),
    ("tier in (web,api), !canary, env=prod", "!canary,env=prod,tier in (api,web)"),
    # Parse's grammar: a requirement may be a bare KEY, and requirements are comma-separated
    ("y,x", "x,y"),
])
def test_parse_prints_back_in_canonical_form(text, canonical):
    assert str(parse_selector(text)) == canonical


@pytest.mark.parametrize("text", [
    # TestSelectorParse bad strings
    "x=a||y=b", "x==a==b", "!x=a", "x<a",
    # TestSetSelectorParser invalid rows
    ",x,y", "x nott in (y)", "a in (xyz),", "a in (xyz)b notin ()",
    "a in (xyz abc)", "a notin(", "a (", "(",
])
def test_malformed_selectors_are_rejected(text):
    with pytest.raises(SelectorError):
        parse_selector(text)


@pytest.mark.parametrize("text, message", [
    # `kubectl get pods -l "app:monolith"` on a real cluster answers
    # Error from server (BadRequest): ... unable to parse requirement: <nil>: Invalid value: ...
    ("app:monolith",
     'unable to parse requirement: <nil>: Invalid value: "app:monolith": name part '
     + QUALIFIED_NAME_RULE),
    # a test in staging/src/k8s.io/apiserver (LabelSelector "a/b/c ?=? def")
    ("a/b/c ?=? def",
     'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name '
     + QUALIFIED_NAME_RULE
     + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
    # `kubectl logs -l app.kubernetes_io/name=...` on a real cluster
    ("app.kubernetes_io/name=vault",
     'unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part '
     "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
     "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
     r"regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
    # the parser's own errors (Parser.parse, parseOperator, parseValues, ...)
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("a,", "found '', expected: identifier after ','"),
    (",a", "found ',', expected: !, identifier, or 'end of string'"),
    ("a=b c", "found 'c', expected: ',' or 'end of string'"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("x>=5", "unable to parse requirement: found '=', expected: identifier"),
    ("x in a", "unable to parse requirement: found 'a' expected: '('"),
    ("x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
    ("x in (a,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
    ("x in ((", "unable to parse requirement: found '(', expected: ',', ')' or identifier"),
    # NewRequirement's field errors
    ("x>a", 'unable to parse requirement: values[0]: Invalid value: "a": '
            "for 'Gt', 'Lt' operators, the value must be an integer"),
    ("x=a/b", 'unable to parse requirement: values[0][x]: Invalid value: "a/b": ' + LABEL_VALUE_RULE),
    ("x=" + "v" * 64, "unable to parse requirement: values[0][x]: Invalid value: "
                      f'"{"v" * 64}": must be no more than 63 characters'),
])
def test_parse_errors_read_like_kubernetes(text, message):
    with pytest.raises(SelectorError) as caught:
        parse_selector(text)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_a_negative_number_is_not_a_label_value_so_gt_cannot_take_one():
    # NewRequirement validates every value as a label value, and "-5" does not
    # start with an alphanumeric character.
    with pytest.raises(SelectorError, match=r'values\[0\]\[x\]: Invalid value: "-5"'):
        parse_selector("x>-5")


def test_requirements_expose_key_operator_and_values():
    assert parse_selector("b in (y,x), a, !c, d>3").requirements == [
        Requirement("a", EXISTS), Requirement("b", IN, ("x", "y")),
        Requirement("c", DOES_NOT_EXIST), Requirement("d", GREATER_THAN, ("3",)),
    ]
    assert parse_selector("x=1,y==2,z!=3,w<4").requirements == [
        Requirement("w", LESS_THAN, ("4",)), Requirement("x", EQUALS, ("1",)),
        Requirement("y", DOUBLE_EQUALS, ("2",)), Requirement("z", NOT_EQUALS, ("3",)),
    ]
    assert parse_selector("in in (in), notin notin (notin)").requirements == [
        Requirement("in", IN, ("in",)), Requirement("notin", NOT_IN, ("notin",)),
    ]


# -- matching ----------------------------------------------------------------------------

LABELSET = {"foo": "bar", "baz": "blah"}


@pytest.mark.parametrize("text, labels, expected", [
    # TestSelectorMatches
    ("", {"x": "y"}, True), ("x=y", {"x": "y"}, True), ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True), ("notin=in", {"notin": "in"}, True),
    ("x", {"x": "z"}, True), ("!x", {"y": "z"}, True), ("x>1", {"x": "2"}, True),
    ("x<1", {"x": "0"}, True),
    ("x=z", {}, False), ("x=y", {"x": "z"}, False), ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False), ("x", {"y": "z"}, False), ("!x", {"x": "z"}, False),
    ("x>1", {"x": "0"}, False), ("x<1", {"x": "2"}, False),
    ("foo=bar", LABELSET, True), ("baz=blah", LABELSET, True), ("foo=bar,baz=blah", LABELSET, True),
    ("foo=blah", LABELSET, False), ("baz=bar", LABELSET, False),
    ("foo=bar,foobar=bar,baz=blah", LABELSET, False),
    # TestRequirementSelectorMatching
    ("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True),
    ("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False),
    ("x notin (),y", {"y": ""}, True), ("!x,y", {"y": ""}, True),
    ("x notin (),!y", {"y": ""}, False), ("x in ()", {"y": "baz"}, False),
    ("z>1", {"z": "2"}, True), ("z>1", {"z": "v2"}, False),
    # Requirement.Matches: NotIn and != also hold when the key is missing; Gt/Lt do not
    ("x notin (a)", {}, True), ("x!=a", {}, True), ("x>1", {}, False), ("x<1", {}, False),
    ("x in ()", {"x": ""}, True), ("x=", {"x": ""}, True), ("x=", {}, False),
    ("x>1", {"x": "99999999999999999999"}, False),  # not an int64: ParseInt fails
])
def test_matching_follows_requirement_matches(text, labels, expected):
    assert parse_selector(text).matches(labels) is expected


def test_the_empty_selector_matches_everything_and_is_empty():
    # TestEverything
    assert parse_selector("").matches({"x": "y"})
    assert parse_selector("").matches(None)
    assert parse_selector("").empty()
    assert Selector().empty() and Selector() == parse_selector("")
    assert not parse_selector("x").empty()


# -- building selectors from API objects ------------------------------------------------

def test_a_label_selector_dict_converts_like_label_selector_as_selector():
    selector = selector_from_label_selector({
        "matchLabels": {"app": "web", "tier": "frontend"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "staging"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "zone", "operator": "NotIn", "values": ["b"]},
            {"key": "gpu", "operator": "Exists"},
        ],
    })
    assert str(selector) == "app=web,!canary,env in (prod,staging),gpu,tier=frontend,zone notin (b)"
    assert selector.matches({"app": "web", "tier": "frontend", "env": "prod", "gpu": "1"})
    assert not selector.matches({"app": "web", "tier": "frontend", "env": "dev", "gpu": "1"})


def test_a_missing_label_selector_selects_nothing_and_an_empty_one_everything():
    # LabelSelectorAsSelector: nil -> labels.Nothing(), no requirements -> labels.Everything()
    nothing = selector_from_label_selector(None)
    assert not nothing.matches({}) and not nothing.matches({"a": "b"})
    assert str(nothing) == "" and not nothing.empty() and nothing.requirements == []
    assert nothing == Selector.nothing() != Selector()
    everything = selector_from_label_selector({})
    assert everything.matches({}) and everything.empty()
    assert selector_from_label_selector({"matchLabels": {}, "matchExpressions": []}).empty()


@pytest.mark.parametrize("label_selector, message", [
    # NewRequirement's checks, with a nil field path as LabelSelectorAsSelector passes
    ({"matchExpressions": [{"key": "a", "operator": "In"}]},
     "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]},
     "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x", "y"]}]},
     'values: Invalid value: ["x","y"]: values set must be empty for exists and does not exist'),
    ({"matchExpressions": [{"key": "a", "operator": "Foo"}]},
     '"Foo" is not a valid pod selector operator'),
    ({"matchLabels": {"app": "a b"}},
     'values[0][app]: Invalid value: "a b": ' + LABEL_VALUE_RULE),
    ({"matchLabels": {"-app": "x"}},
     'key: Invalid value: "-app": name part ' + QUALIFIED_NAME_RULE),
])
def test_an_invalid_label_selector_reports_kubernetes_errors(label_selector, message):
    with pytest.raises(SelectorError) as caught:
        selector_from_label_selector(label_selector)
    assert str(caught.value) == message


def test_a_set_selector_matches_exactly_the_set():
    # TestSetMatches; a nil or empty Set is Everything
    assert selector_from_set({}).matches(LABELSET)
    assert selector_from_set(None).matches(LABELSET) and selector_from_set(None).empty()
    assert selector_from_set({"foo": "bar"}).matches(LABELSET)
    assert selector_from_set({"foo": "bar", "baz": "blah"}).matches(LABELSET)
    assert not selector_from_set({"foo": "bar", "foobar": "bar"}).matches(LABELSET)
    assert str(selector_from_set({"b": "2", "a": "1"})) == "a=1,b=2"


# -- requirements and validation ---------------------------------------------------------

@pytest.mark.parametrize("key, operator, values, valid", [
    # TestRequirementConstructor
    ("x", IN, [], False), ("x", NOT_IN, [], False), ("x", IN, ["foo"], True),
    ("x", NOT_IN, ["foo"], True), ("x", EXISTS, [], True), ("x", DOES_NOT_EXIST, [], True),
    ("1foo", IN, ["bar"], True), ("1234", IN, ["bar"], True), ("y", GREATER_THAN, ["1"], True),
    ("z", LESS_THAN, ["6"], True), ("foo", GREATER_THAN, ["bar"], False),
    ("barz", LESS_THAN, ["blah"], False), ("a" * 254, EXISTS, [], False),
    # NewRequirement rules (2)-(5)
    ("x", EQUALS, ["a", "b"], False), ("x", NOT_EQUALS, [], False), ("x", EXISTS, ["a"], False),
    ("x", GREATER_THAN, ["1", "2"], False), ("x", "~", [], False),
])
def test_new_requirement_validates_like_kubernetes(key, operator, values, valid):
    if valid:
        assert new_requirement(key, operator, values) == Requirement(key, operator, tuple(values))
    else:
        with pytest.raises(SelectorError):
            new_requirement(key, operator, values)


def test_several_requirement_errors_are_aggregated():
    with pytest.raises(SelectorError) as caught:
        new_requirement("-x", GREATER_THAN, ["a"])
    assert str(caught.value) == (
        '[key: Invalid value: "-x": name part ' + QUALIFIED_NAME_RULE + ", "
        "values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer]")
    with pytest.raises(SelectorError) as caught:
        new_requirement("x", "~")
    assert str(caught.value) == ('operator: Unsupported value: "~": supported values: "in", '
                                 '"notin", "=", "==", "!=", "gt", "lt", "exists", "!"')


def test_selectors_print_requirements_in_key_order_keeping_equal_keys_in_order():
    # TestToString
    selector = Selector([
        new_requirement("x", EQUALS, ["abc"]), new_requirement("y", DOUBLE_EQUALS, ["jkl"]),
        new_requirement("z", NOT_EQUALS, ["a"]), new_requirement("z", EXISTS),
    ])
    assert str(selector) == "x=abc,y==jkl,z!=a,z"
    assert str(Selector([new_requirement("z", NOT_IN, [""]), new_requirement("x", NOT_IN, ["abc"]),
                         new_requirement("y", IN, ["mno", "jkl"])])) == \
        "x notin (abc),y in (jkl,mno),z notin ()"


@pytest.mark.parametrize("key, errors", [
    ("app", []), ("example.com/app", []), ("a" * 63, []), ("1234", []),
    ("", ["name part must be non-empty", "name part " + QUALIFIED_NAME_RULE]),
    ("/app", ["prefix part must be non-empty"]),
    ("a" * 64, ["name part must be no more than 63 characters"]),
    ("Example.com/app", ["prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                         "alphanumeric characters, '-' or '.', and must start and end with an "
                         "alphanumeric character (e.g. 'example.com', regex used for validation is "
                         r"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]),
])
def test_label_keys_are_qualified_names(key, errors):
    # validation.IsQualifiedName
    assert is_qualified_name(key) == errors


@pytest.mark.parametrize("value, errors", [
    ("", []), ("web", []), ("v1.2_3-x", []), ("a" * 63, []),
    ("a" * 64, ["must be no more than 63 characters"]),
    ("-web", [LABEL_VALUE_RULE]),
    ("-" * 64, ["must be no more than 63 characters", LABEL_VALUE_RULE]),
])
def test_label_values_are_at_most_63_safe_characters(value, errors):
    # validation.IsValidLabelValue
    assert is_valid_label_value(value) == errors


# -- properties --------------------------------------------------------------------------

KEYS = ["a", "b", "app", "tier", "example.com/role", "in", "notin", "x.y_z"]
VALUES = ["", "a", "b", "web", "in", "1", "2", "10", "v1.0"]
spaces = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def requirement_specs(draw):
    """(key, operator, values, text): one requirement and a way to write it."""
    key = draw(st.sampled_from(KEYS))
    operator = draw(st.sampled_from([EXISTS, DOES_NOT_EXIST, EQUALS, DOUBLE_EQUALS, NOT_EQUALS,
                                     IN, NOT_IN, GREATER_THAN, LESS_THAN]))
    sp = lambda: draw(spaces)  # noqa: E731
    if operator == EXISTS:
        return key, operator, (), key
    if operator == DOES_NOT_EXIST:
        return key, operator, (), f"!{sp()}{key}"
    if operator in (GREATER_THAN, LESS_THAN):
        bound = str(draw(st.integers(0, 20)))
        symbol = ">" if operator == GREATER_THAN else "<"
        return key, operator, (bound,), f"{key}{sp()}{symbol}{sp()}{bound}"
    if operator in (IN, NOT_IN):
        values = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=4, unique=True))
        listed = f"{sp()},{sp()}".join(values)
        return key, operator, tuple(values), f"{key} {sp()}{operator}{sp()} ({sp()}{listed}{sp()})"
    value = draw(st.sampled_from(VALUES))
    return key, operator, (value,), f"{key}{sp()}{operator}{sp()}{value}"


selector_specs = st.lists(requirement_specs(), max_size=5, unique_by=lambda spec: spec[0])
label_sets = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES + ["-3", "x1"]))


def naive_matches(specs, labels):
    """Requirement semantics as the labels package documents them, written out plainly."""
    for key, operator, values, _ in specs:
        present, value = key in labels, labels.get(key)
        if operator in (EQUALS, DOUBLE_EQUALS, IN):
            ok = present and value in values
        elif operator in (NOT_EQUALS, NOT_IN):
            ok = not present or value not in values
        elif operator == EXISTS:
            ok = present
        elif operator == DOES_NOT_EXIST:
            ok = not present
        else:
            numeric = present and value.lstrip("-").isdigit()
            ok = numeric and (int(value) > int(values[0]) if operator == GREATER_THAN
                              else int(value) < int(values[0]))
        if not ok:
            return False
    return True


@given(selector_specs)
def test_printed_selectors_parse_back_to_the_same_selector(specs):
    selector = parse_selector(f"{','.join(spec[3] for spec in specs)}")
    again = parse_selector(str(selector))
    assert again == selector
    assert str(again) == str(selector)


@given(selector_specs, label_sets)
def test_matching_agrees_with_a_plain_evaluator(specs, labels):
    selector = parse_selector(", ".join(spec[3] for spec in specs))
    assert selector.matches(labels) == naive_matches(specs, labels)
    assert sorted(r.key for r in selector.requirements) == sorted(spec[0] for spec in specs)


@given(selector_specs, label_sets)
def test_label_selector_dicts_match_like_the_equivalent_text(specs, labels):
    # LabelSelectorAsSelector and Parse agree on the operators they share.
    spec_by_op = {EQUALS: "In", IN: "In", NOT_IN: "NotIn", EXISTS: "Exists",
                  DOES_NOT_EXIST: "DoesNotExist"}
    shared = [s for s in specs if s[1] in spec_by_op]
    expressions = [{"key": k, "operator": spec_by_op[op], "values": list(v)} for k, op, v, _ in shared]
    selector = selector_from_label_selector({"matchExpressions": expressions})
    assert selector.matches(labels) == naive_matches(shared, labels)


# -- field selectors ---------------------------------------------------------------------

@pytest.mark.parametrize("text, canonical", [
    # fields TestSelectorParse good strings print back unchanged
    ("x=a,y=b,z=c", "x=a,y=b,z=c"), ("", ""), ("x!=a,y=b", "x!=a,y=b"),
    (r"x=a||y\=b", r"x=a||y\=b"), (r"x=a\=\=b", r"x=a\=\=b"),
    # TestDeterministicParse: terms are sorted as text; == prints as =
    ("x=a,a=x", "a=x,x=a"), ("spec.nodeName==node-1", "spec.nodeName=node-1"),
    ("a=a,", "a=a"), (",a=a", "a=a"),
])
def test_field_selectors_print_back_in_canonical_form(text, canonical):
    assert str(parse_field_selector(text)) == canonical


@pytest.mark.parametrize("text, message", [
    # fields TestSelectorParse bad strings
    ("x=a||y=b", "invalid field selector: unescaped character in value: 61"),
    ("x==a==b", "invalid field selector: unescaped character in value: 61"),
    ("x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'"),
    ("x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'"),
    ("x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'"),
    ("x", "invalid selector: 'x'; can't understand 'x'"),
    # TestEscapeValue invalid escape sequences
    ("k=\\", "invalid field selector: invalid escape sequence: \\"),
    ("k=\\\\\\", "invalid field selector: invalid escape sequence: \\"),
    ("k=\\a", "invalid field selector: invalid escape sequence: \\a"),
])
def test_malformed_field_selectors_are_rejected_with_kubernetes_messages(text, message):
    with pytest.raises(SelectorError) as caught:
        parse_field_selector(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("escaped, value", [
    # TestEscapeValue
    ("", ""), ("a", "a"), (r"\=", "="), (r"\,", ","), ("\\\\", "\\"), (r"\\\=\\\,\\", "\\=\\,\\"),
])
def test_field_values_escape_backslash_comma_and_equals(escaped, value):
    selector = parse_field_selector(f"k={escaped}")
    assert selector.requirements == [FieldRequirement("k", EQUALS, value)]
    assert str(selector) == f"k={escaped}"


POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-1", "namespace": "default", "labels": {"app": "web"}},
    "spec": {"nodeName": "node-1", "hostNetwork": False, "priority": 0},
    "status": {"phase": "Running"},
}


@pytest.mark.parametrize("text, expected", [
    ("metadata.name=web-1", True), ("metadata.name==web-1", True), ("metadata.name!=web-1", False),
    ("metadata.namespace=default,status.phase=Running", True),
    ("spec.nodeName=node-1,status.phase!=Running", False),
    ("status.phase!=Failed", True),
    # a missing field reads as "" (fields.Set.Get)
    ("spec.schedulerName=", True), ("spec.schedulerName!=", False), ("status.podIP=1.2.3.4", False),
    ("spec.nodeName.deeper=", True),
    # booleans and numbers as the API server's field sets spell them
    ("spec.hostNetwork=false", True), ("spec.priority=0", True),
    ("", True),
])
def test_field_selectors_read_dotted_paths_of_the_object(text, expected):
    assert parse_field_selector(text).matches(POD) is expected


@pytest.mark.parametrize("text, field, required", [
    # fields TestRequiresExactMatch
    ("", "test", None), ("a=b", "test", None), ("test=b", "test", "b"), ("test=", "test", ""),
    ("test!=b", "test", None), ("test!=", "test", None), ("a=,test=b", "test", "b"),
    ("spec.nodeName==node-1,status.phase!=Succeeded", "spec.nodeName", "node-1"),
])
def test_requires_gives_the_exact_value_a_field_must_have(text, field, required):
    assert parse_field_selector(text).requires(field) == required


def test_an_empty_field_selector_is_empty():
    assert parse_field_selector("").empty()
    assert not parse_field_selector("a=b").empty()
    assert parse_field_selector("b=1,a=2") == parse_field_selector("a=2,b=1")
