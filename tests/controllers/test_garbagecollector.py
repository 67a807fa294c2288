"""Garbage collection through ownerReferences, with the three propagation policies
(https://kubernetes.io/docs/concepts/architecture/garbage-collection/)."""
import pytest

import kubelab as kl
from kubelab import errors


@pytest.fixture
def c():
    return kl.Cluster(nodes=0, seed=0)


def owner_and_child(c):
    owner = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"],
           "controller": True, "blockOwnerDeletion": True}
    c.api.create({"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "child", "ownerReferences": [ref]}})
    c.run()
    return owner


def names(c):
    return [o["metadata"]["name"] for o in c.get("cm")]


def test_background_deletion_removes_the_owner_then_the_gc_removes_dependents(c):
    owner_and_child(c)
    c.api.delete("cm", "owner", propagation_policy="Background")
    assert names(c) == ["child"]          # the owner goes at once ...
    c.run()
    assert names(c) == []                 # ... and the collector follows


def test_foreground_deletion_keeps_the_owner_until_its_dependents_are_gone(c):
    owner_and_child(c)
    c.api.delete("cm", "owner", propagation_policy="Foreground")
    held = c.get("cm", "owner")
    assert "foregroundDeletion" in held["metadata"]["finalizers"]
    assert held["metadata"]["deletionTimestamp"]
    c.run()
    assert names(c) == []


def test_orphan_deletion_leaves_dependents_without_the_reference(c):
    owner_and_child(c)
    c.delete("cm", "owner", propagation_policy="Orphan")
    c.run()
    assert names(c) == ["child"]
    assert "ownerReferences" not in c.get("cm", "child")["metadata"]


def test_a_dependent_with_one_live_owner_loses_only_the_dangling_reference(c):
    a = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    b = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}})
    refs = [{"apiVersion": "v1", "kind": "ConfigMap", "name": o["metadata"]["name"],
             "uid": o["metadata"]["uid"]} for o in (a, b)]
    c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "child", "ownerReferences": refs}})
    c.run()
    c.delete("cm", "a")
    c.run()
    assert [r["name"] for r in c.get("cm", "child")["metadata"]["ownerReferences"]] == ["b"]


def test_an_owner_reference_with_a_stale_uid_counts_as_gone(c):
    # the collector compares uids: a new object with the owner's name is not the owner
    owner_and_child(c)
    c.api.delete("configmaps", "owner")
    c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    c.run()
    assert names(c) == ["owner"]
    with pytest.raises(errors.NotFound):
        c.get("cm", "child")


def test_dependents_of_a_custom_kind_registered_later_are_collected_after_discovery(c):
    # the collector re-reads discovery every 30 s and starts monitors for new resources
    from kubelab.api.kinds import ResourceType
    c.api.registry.register(ResourceType("Widget", "widgets", "lab.example.com", "v1", custom=True))
    owner = c.api.create({"apiVersion": "lab.example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    ref = {"apiVersion": "lab.example.com/v1", "kind": "Widget", "name": "w", "uid": owner["metadata"]["uid"]}
    c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "child", "ownerReferences": [ref]}})
    c.run()
    c.api.delete("widgets", "w")
    c.run(31)
    assert names(c) == []
