"""pod-template-hash as controller.ComputeHash computes it: go-spew's %#v of the
v1.PodTemplateSpec, FNV-32a, collisionCount as 8 little-endian bytes, then
rand.SafeEncodeString (pkg/controller/controller_utils.go, pkg/util/hash/hash.go)."""
import pytest

import kubelab as kl
from kubelab.controllers.templatehash import compute_hash, fnv32a, safe_encode, spew

TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
                                     "terminationMessagePath": "/dev/termination-log",
                                     "terminationMessagePolicy": "File",
                                     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                                     "ports": [{"containerPort": 80, "protocol": "TCP"}]}],
                     "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
                     "securityContext": {}, "schedulerName": "default-scheduler"}}


def test_fnv32a_matches_the_reference_vectors():
    # FNV-1a 32-bit test vectors (the FNV reference: "" and "a")
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C
    assert fnv32a(b"foobar") == 0xBF9CF968


def test_safe_encoding_maps_decimal_digits_onto_the_vowel_free_alphabet():
    # rand.SafeEncodeString: alphanums[b % 27]; "0".."9" are bytes 48..57, so every
    # real pod-template-hash (7c5ddbdf54, 66b6c48dd5, ...) uses only these ten characters
    assert safe_encode("0123456789") == "456789bcdf"


def test_spew_prints_every_field_with_its_go_type():
    text = spew(TEMPLATE)
    assert text.startswith("(v1.PodTemplateSpec){ObjectMeta:(v1.ObjectMeta){Name:(string) GenerateName:(string) ")
    assert "Labels:(map[string]string)map[app:web] Annotations:(map[string]string)<nil>" in text
    assert "CreationTimestamp:(v1.Time){Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}}" \
        in text
    # pointers print their pointee's type with a star; slice elements carry no type
    assert "TerminationGracePeriodSeconds:(*int64)30 ActiveDeadlineSeconds:(*int64)<nil>" in text
    assert "Ports:([]v1.ContainerPort)[{Name:(string) HostPort:(int32)0 ContainerPort:(int32)80 " \
           "Protocol:(v1.Protocol)TCP HostIP:(string)}]" in text
    # resource.Quantity with DisableMethods: its internals; the canonical string is
    # cached for 100m but not for 64Mi (ParseQuantity's fast path)
    assert "map[cpu:{i:(resource.int64Amount){value:(int64)100 scale:(resource.Scale)-3} " \
           "d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)100m Format:(resource.Format)DecimalSI} " \
           "memory:{i:(resource.int64Amount){value:(int64)67108864 scale:(resource.Scale)0} " \
           "d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string) Format:(resource.Format)BinarySI}]" in text
    assert text.endswith("Resources:(*v1.ResourceRequirements)<nil>}}")


def test_the_hash_is_the_safe_encoded_decimal_fnv_sum():
    assert compute_hash(TEMPLATE) == safe_encode(str(fnv32a(spew(TEMPLATE).encode())))


@pytest.mark.parametrize("count", [0, 1, 2])
def test_a_collision_count_gives_a_different_hash(count):
    # nil and 0 differ too: with a count, 8 more bytes are hashed
    assert compute_hash(TEMPLATE, count) != compute_hash(TEMPLATE)
    assert compute_hash(TEMPLATE, count) == safe_encode(str(fnv32a(
        count.to_bytes(4, "little") + bytes(4), fnv32a(spew(TEMPLATE).encode()))))


def test_a_template_change_changes_the_hash_and_the_same_template_keeps_it():
    changed = {**TEMPLATE, "metadata": {"labels": {"app": "web", "tier": "front"}}}
    assert compute_hash(changed) != compute_hash(TEMPLATE)
    assert compute_hash(dict(TEMPLATE)) == compute_hash(TEMPLATE)


# Pod-template-hashes seen on real v1.32-era clusters in many published transcripts:
# `kubectl create deployment nginx --image=nginx` (kind v0.27.0) gives nginx-5869d7778c-xxxxx;
# the Deployments concept page's nginx-deployment (nginx:1.14.2, port 80) gives
# nginx-deployment-647677fc66-xxxxx. The manifests are what kubectl sends; the API
# server defaults them before the controller hashes the template.
REAL_CLUSTER = [
    ("nginx", {"containers": [{"image": "nginx", "name": "nginx", "resources": {}}]}, "5869d7778c"),
    ("nginx-deployment", {"containers": [{"name": "nginx", "image": "nginx:1.14.2",
                                          "ports": [{"containerPort": 80}]}]}, "647677fc66"),
]


@pytest.mark.parametrize("name,pod_spec,expected", REAL_CLUSTER, ids=[r[0] for r in REAL_CLUSTER])
def test_the_hash_matches_a_real_cluster(name, pod_spec, expected):
    c = kl.Cluster(nodes=0)
    c.scheduler.stop()
    c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": "nginx"}},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "nginx"}},
                      "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": pod_spec}}})
    c.run()
    assert [rs["metadata"]["name"] for rs in c.get("rs")] == [f"{name}-{expected}"]
