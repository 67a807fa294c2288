"""PriorityPlayground: Borg's bands as PriorityClasses; preemption by the real scheduler.

Kubernetes' "Pod Priority and Preemption": a pending Pod may preempt Pods of lower
priority on a node to fit, never Pods of equal or higher priority; victims get a
Preempted event. Borg (EuroSys 2015, §2.5): production tasks do not preempt one
another.
"""
import kubelab as kl
from kubelab import widgets as kw
from kubelab.widgets.priority import BANDS


def test_the_bands_are_priority_classes_ordered_as_borgs():
    pg = kw.PriorityPlayground()
    classes = {pc["metadata"]["name"]: pc["value"] for pc in pg.cluster.get("priorityclasses", namespace=None)}
    assert [(b.name, classes[f"borg-{b.name}"]) for b in BANDS] == [
        ("monitoring", 360), ("production", 120), ("batch", 110), ("free", 0)]


def test_production_preempts_free_tasks_on_a_full_machine():
    pg = kw.PriorityPlayground(machines=1, cpus=4)
    pg.add("free", count=4, cpu=1000)
    assert [r["status"] for r in pg.rows] == ["Running"] * 4
    pg.buttons["production"].click()                      # the slider's 1 task of 1000m
    # one victim is enough (1000m); among equals the scheduler evicts the least important
    assert [(r["name"], r["node"]) for r in pg.rows] == [("free-1", "machine-1"), ("free-2", "machine-1"),
                                                          ("free-3", "machine-1"), ("production-5", "machine-1")]
    assert pg.preemptions == ["free-4 preempted by production-5 on machine-1"]
    assert repr(pg) == "<PriorityPlayground: 4 tasks, 0 pending, 1 preempted>"


def test_tasks_of_one_band_never_preempt_each_other():
    pg = kw.PriorityPlayground(machines=1, cpus=2)
    pg.add("production", count=3, cpu=1000)
    assert sorted((r["name"], r["node"]) for r in pg.rows) == [
        ("production-1", "machine-1"), ("production-2", "machine-1"), ("production-3", None)]
    assert pg.preemptions == []
    assert "production-3  Pending  0/1  restarts 0, priority class borg-production" in pg.text


def test_it_can_play_on_a_given_cluster_and_shows_requested_cpu():
    c = kl.Cluster(nodes=1, seed=0)
    pg = kw.PriorityPlayground(c)
    pg.add("batch", count=2, cpu="500m")
    assert pg.text.splitlines()[0] == "node-1: 1000m of 4000m CPU requested"
    assert pg.cluster is c
