"""The API server's audit log: who wrote each revision (kube-apiserver's audit Events carry
the verb, the resource with its subresource, the object's name and the request's userAgent)."""
import kubelab as kl
from kubelab.apiserver.server import AuditEvent

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
       "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}


def test_each_committed_write_is_logged_with_its_revision_verb_resource_and_name():
    c = kl.Cluster(nodes=0)
    api = c.api
    created = api.create(POD, user_agent="me")
    api.patch("pods", "p", {"metadata": {"labels": {"a": "b"}}}, user_agent="me")
    api.patch("pods", "p", {"status": {"message": "hi"}}, subresource="status", user_agent="me")
    api.delete("pods", "p", grace_period_seconds=0, user_agent="me")
    first = int(created["metadata"]["resourceVersion"])
    assert api.audit[-4:] == [AuditEvent(first, "create", "pods", "p", "me"),
                              AuditEvent(first + 1, "patch", "pods", "p", "me"),
                              AuditEvent(first + 2, "patch", "pods/status", "p", "me"),
                              AuditEvent(first + 3, "delete", "pods", "p", "me")]
    assert c.store.revision == first + 3


def test_no_op_writes_dry_runs_and_failed_writes_are_not_logged():
    c = kl.Cluster(nodes=0)
    stored = c.api.create(POD)
    before = list(c.api.audit)
    c.api.update(stored)                                    # unchanged: no new revision
    c.api.create(dict(POD, metadata={"name": "q"}), dry_run=True)
    try:
        c.api.create(POD)
    except kl.errors.AlreadyExists:
        pass
    assert c.api.audit == before


def test_the_user_agent_defaults_to_the_component_the_loop_is_running():
    # The binding is the scheduler's pods/binding subresource create, the status write the kubelet's.
    c = kl.Cluster(nodes=1)
    start = c.store.revision
    c.apply(POD)
    c.run()
    trail = [(a.verb, a.resource, a.user_agent) for a in c.api.audit if a.revision > start
             and a.resource != "events" and a.resource != "nodes/status"]
    assert trail[:3] == [("create", "pods", "kubectl"),
                         ("create", "pods/binding", "kube-scheduler"),
                         ("update", "pods/status", "kubelet/node-1")]


def test_the_loop_names_the_owner_of_the_callback_it_is_running():
    c = kl.Cluster(nodes=0)
    seen = []
    c.loop.soon(lambda: seen.append(c.loop.running), "some-controller")
    c.loop.later(5, lambda: seen.append(c.loop.running), "some-kubelet")
    c.run()
    assert seen == ["some-controller", "some-kubelet"]
    assert c.loop.running is None
