"""SchedulerExplainer: every node's Filter verdict and scores for the chosen Pod."""
import pytest

import kubelab as kl
from kubelab import widgets as kw

SMALL = [{"metadata": {"name": n}, "status": {"capacity": {"cpu": "1", "memory": "4Gi", "pods": "110"}}}
         for n in ("small-1", "small-2")]


def pod(name: str, cpu: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": cpu}}}]}}


def test_a_pending_pod_comes_first_and_says_why_it_is_pending():
    # NodeResourcesFit's reason and the FitError message: "0/2 nodes are available: 2 Insufficient cpu."
    # (kube-scheduler, pkg/scheduler/framework/plugins/noderesources/fit.go and schedule_one.go)
    c = kl.Cluster(nodes=SMALL, seed=0)
    c.apply([pod("fits", "500m"), pod("too-big", "2")])
    c.run()
    ex = kw.SchedulerExplainer(c)
    assert ex.pod == "too-big"
    assert list(ex.picker.options)[0] == ("too-big (Pending)", "too-big")
    assert [(r["node"], r["filter"]) for r in ex.rows] == [("small-1", "NodeResourcesFit: Insufficient cpu"),
                                                           ("small-2", "NodeResourcesFit: Insufficient cpu")]
    assert ex.message.startswith("0/2 nodes are available: 2 Insufficient cpu.")
    assert "<b>Why Pending:</b> 0/2 nodes are available" in ex.html
    assert ex.text == str(c.explain("too-big"))
    assert repr(ex) == "<SchedulerExplainer: too-big: unschedulable>"


def test_selecting_a_scheduled_pod_shows_the_scores_and_the_chosen_node():
    c = kl.Cluster(nodes=SMALL, seed=0)
    c.apply([pod("fits", "500m"), pod("too-big", "2")])
    c.run()
    ex = kw.SchedulerExplainer(c)
    ex.select("fits")
    chosen = c.get("pods", "fits")["spec"]["nodeName"]
    assert [r["node"] for r in ex.rows if r["chosen"]] == [chosen]
    assert ex.message is None
    assert all(r["filter"] == "passed" and r["total"] is not None for r in ex.rows)
    assert f'data-node="{chosen}"' in ex.html and "background:#c8e6c9;font-weight:bold" in ex.html


def test_the_picker_follows_new_pods_and_refuses_unknown_ones():
    c = kl.Cluster(nodes=SMALL, seed=0)
    ex = kw.SchedulerExplainer(c)
    assert ex.pod is None and ex.text == "no Pods in namespace default"
    c.apply(pod("late", "100m"))
    ex.refresh()
    assert ex.pod == "late"
    with pytest.raises(ValueError, match="choose one of \\['late'\\]"):
        ex.select("nope")
