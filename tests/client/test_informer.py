"""SharedIndexInformer, Lister and SharedInformerFactory behave as client-go's
(k8s.io/client-go/tools/cache: shared_informer.go, index.go, reflector.go; informers/factory.go)."""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.client import Informer, Lister, SharedInformerFactory


def pod(name, node=None, ns="default", labels=None):
    spec = {"containers": [{"name": "c", "image": "nginx"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "spec": spec,
            "metadata": {"name": name, "namespace": ns, "labels": labels or {}}}


@pytest.fixture
def c():
    cluster = kl.Cluster(nodes=0, seed=0)
    cluster.scheduler.stop()        # no nodes to schedule to: keep its retries out of these tests
    return cluster


def by_node(obj):
    return [obj["spec"].get("nodeName") or ""]


def names(objs):
    return [o["metadata"]["name"] for o in objs]


def test_a_custom_index_finds_pods_by_node_and_follows_changes(c):
    inf = Informer(c.api, "pods", loop=c.loop, owner="t", indexers={"nodeName": by_node})
    inf.start()
    c.api.create(pod("a", "node-1"))
    c.api.create(pod("b", "node-2"))
    c.api.create(pod("c"))
    c.run()
    assert names(inf.by_index("nodeName", "node-1")) == ["a"]
    assert names(inf.by_index("nodeName", "")) == ["c"]
    c.api.create({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "c", "namespace": "default"},
                  "target": {"kind": "Node", "name": "node-1"}})
    c.api.delete("pods", "a", grace_period_seconds=0)
    c.run()
    assert names(inf.by_index("nodeName", "node-1")) == ["c"]
    assert inf.by_index("nodeName", "") == []


def test_the_namespace_index_is_always_there(c):
    c.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    c.api.create(pod("a"))
    c.api.create(pod("b", ns="other"))
    inf = Informer(c.api, "pods", loop=c.loop, owner="t")
    inf.start()
    assert names(inf.by_index("namespace", "other")) == ["b"]
    assert names(inf.list(namespace="default")) == ["a"]


def test_an_indexer_added_after_start_indexes_the_cache(c):
    c.api.create(pod("a", "node-1"))
    inf = Informer(c.api, "pods", loop=c.loop, owner="t")
    inf.start()
    inf.add_indexers({"nodeName": by_node})
    assert names(inf.by_index("nodeName", "node-1")) == ["a"]


def test_resync_calls_on_update_with_the_same_object_every_period(c):
    c.api.create(pod("a"))
    seen = []
    inf = Informer(c.api, "pods", loop=c.loop, owner="t", resync_period=30)
    inf.add_handler(on_update=lambda old, new: seen.append((c.clock.seconds, old is new)))
    inf.start()
    c.run(65)
    assert seen == [(30.0, True), (60.0, True)]


def test_resync_timers_do_not_keep_the_cluster_from_settling(c):
    inf = Informer(c.api, "pods", loop=c.loop, owner="t", resync_period=30)
    inf.start()
    c.run()                   # returns: the resync timer is a daemon
    assert c.clock.seconds < 30


def test_a_watch_that_cannot_resume_after_compaction_relists(c):
    # reflector.go: a 410 Gone on re-watch ("too old resource version") means list again
    c.api.create(pod("a"))
    c.api.create(pod("b"))
    events = []
    inf = Informer(c.api, "pods", loop=c.loop, owner="t")
    inf.add_handler(lambda o: events.append(("add", o["metadata"]["name"])),
                    lambda old, new: events.append(("update", new["metadata"]["name"])),
                    lambda o: events.append(("delete", o["metadata"]["name"])))
    inf.start()
    inf._watch.stop()                        # the watch ended; meanwhile the world moved on
    c.api.delete("pods", "a")
    c.api.create(pod("c"))
    c.api.patch("pods", "b", {"metadata": {"labels": {"x": "y"}}})
    c.store.compact(int(c.api.list("pods")["metadata"]["resourceVersion"]))
    events.clear()
    inf.restart_watch()
    assert inf.relists == 2
    assert events == [("delete", "a"), ("update", "b"), ("add", "c")]
    assert names(inf.list()) == ["b", "c"]


def test_a_410_error_event_on_the_watch_relists(c):
    c.api.create(pod("a"))
    inf = Informer(c.api, "pods", loop=c.loop, owner="t")
    inf.start()
    inf._watch.events.append({"type": "ERROR", "object": {"kind": "Status", "code": 410}})
    inf._process()
    assert inf.relists == 2 and names(inf.list()) == ["a"]


def test_the_lister_gets_by_namespace_and_lists_by_selector(c):
    c.api.create(pod("a", labels={"app": "web"}))
    c.api.create(pod("b", labels={"app": "db"}))
    inf = Informer(c.api, "pods", loop=c.loop, owner="t")
    inf.start()
    lister = Lister(inf).namespace("default")
    assert lister.get("a")["metadata"]["name"] == "a"
    assert names(lister.list(kl.api.parse_selector("app=web"))) == ["a"]
    with pytest.raises(errors.NotFound, match='pods "zz" not found'):
        lister.get("zz")


def test_the_factory_gives_every_user_the_same_informer(c):
    factory = SharedInformerFactory(c.api, c.loop, component="t")
    assert factory.informer("pods") is factory.informer("po")
    one, two = factory.view("pods"), factory.view("pods")
    assert one.informer is two.informer


def test_a_user_that_stops_removes_only_its_handlers_and_the_last_one_stops_the_informer(c):
    factory = SharedInformerFactory(c.api, c.loop, component="t")
    seen = []
    one, two = factory.view("pods"), factory.view("pods")
    one.add_handler(lambda o: seen.append("one"))
    two.add_handler(lambda o: seen.append("two"))
    one.start()
    two.start()
    one.stop()
    c.api.create(pod("a"))
    c.run()
    assert seen == ["two"]
    shared = two.informer
    two.stop()
    assert not shared.running
    two.start()                      # a restarted user lists afresh and sees the pod as added
    assert seen == ["two", "two"] and two.informer is not shared


def test_controllers_of_one_component_share_the_pods_informer(c):
    manager = c.controller_manager
    views = [ctl.informers["pods."] for ctl in manager.controllers.values() if "pods." in ctl.informers]
    assert len(views) >= 2
    assert len({id(v.informer) for v in views}) == 1
