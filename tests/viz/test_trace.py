"""The trace of one kubectl apply, from the audit log and the store history.

Expected flow (kubernetes.io, "Deployments" and "Kubernetes Components"): the
Deployment controller creates a ReplicaSet, the ReplicaSet controller creates
the Pods, the scheduler binds each Pod (the pods/binding subresource), and the
kubelet of the chosen node starts it and reports its status (pods/status).
Each component learns of the previous step through a watch.
"""
import pytest

import kubelab as kl
from kubelab.viz.trace import Trace


def traced(web_yaml, **kw):
    c = kl.Cluster(nodes=2, seed=0)
    return c, kl.viz.trace_apply(c, web_yaml, **kw)


def test_the_writes_follow_the_control_plane_from_kubectl_to_the_kubelets(web_yaml):
    c, trace = traced(web_yaml)
    pods = {p["metadata"]["name"] for p in c.get("pods")}
    creates = [s for s in trace.steps if s.verb == "create"]
    assert [(s.actor, s.resource) for s in creates] == [
        ("kubectl", "deployments"), ("deployment-controller", "replicasets"),
        ("replicaset-controller", "pods"), ("replicaset-controller", "pods"),
        ("kube-scheduler", "pods/binding"), ("kube-scheduler", "pods/binding")]
    assert creates[1].name == c.get("replicasets")[0]["metadata"]["name"]
    assert {s.name for s in creates[2:4]} == {s.name for s in creates[4:6]} == pods
    kubelets = {s.actor for s in trace.steps if s.resource == "pods/status"}
    assert kubelets == {f"kubelet/{p['spec']['nodeName']}" for p in c.get("pods")}


def test_each_component_is_woken_by_the_watch_event_of_the_step_before(web_yaml):
    c, trace = traced(web_yaml)
    woken = {}
    for s in trace.steps:
        if s.woke is not None and s.actor not in woken:
            w = trace.by_revision[s.woke]
            woken[s.actor.split("/")[0]] = (w.event, w.resource, w.actor)
    assert woken["deployment-controller"] == ("ADDED", "deployments", "kubectl")
    assert woken["replicaset-controller"] == ("ADDED", "replicasets", "deployment-controller")
    assert woken["kube-scheduler"] == ("ADDED", "pods", "replicaset-controller")
    assert woken["kubelet"] == ("MODIFIED", "pods/binding", "kube-scheduler")


def test_only_the_applied_objects_and_what_they_own_are_traced_events_on_request(web_yaml):
    c, trace = traced(web_yaml)
    assert {s.resource.split("/")[0] for s in trace.steps} == {"deployments", "replicasets", "pods"}
    with_events = Trace.between(c, trace.steps[0].revision - 1, events=True)
    reasons = {e["reason"] for e in c.events()}
    assert {"ScalingReplicaSet", "SuccessfulCreate", "Scheduled", "Started"} <= reasons
    assert sum(1 for s in with_events.steps if s.resource == "events") == len(c.events())


def test_the_text_and_the_sequence_diagram_show_every_write_and_watch(web_yaml):
    c, trace = traced(web_yaml)
    watches = sum(1 for s in trace.steps if s.woke is not None)
    lines = trace.lines()
    assert lines[0] == f"rev {trace.steps[0].revision:<4}kubectl → kube-apiserver: create deployments web"
    assert lines[1] == "        kube-apiserver ⇢ deployment-controller: watch ADDED deployments web"
    assert len(lines) == len(trace.steps) + watches
    source = trace.diagram().source
    assert trace.participants[:4] == ["kubectl", "kube-apiserver", "deployment-controller", "replicaset-controller"]
    assert source.count("constraint=false") == len(trace.steps) + watches
    assert source.count('xlabel="watch ') == watches
    assert repr(trace) == f"<Trace: {len(trace.steps)} writes by {len(trace.participants) - 1} clients>"


def test_a_trace_from_a_revision_compacted_away_is_410_gone(web_yaml):
    # kube-apiserver compacts every 5 minutes, to the revision of 5 minutes before: a trace
    # reads the store's history, so once its start is compacted it gets what a watch gets.
    c, trace = traced(web_yaml)
    start = trace.steps[0].revision - 1
    c.run(600)
    with pytest.raises(kl.errors.Gone, match=f"^too old resource version: {start} \\({c.store.compacted}\\)$"):
        Trace.between(c, start)
