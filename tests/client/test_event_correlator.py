"""client-go's EventCorrelator (tools/record/events_cache.go): aggregation of similar
events, and the per-object spam filter (burst 25, then one per 5 minutes)."""
import kubelab as kl
from kubelab.client.events import EventRecorder


def setup():
    c = kl.Cluster(nodes=0)
    c.scheduler.stop()
    cm = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}})
    return c, cm, EventRecorder(c.api, "demo")


def test_the_tenth_distinct_message_with_one_reason_is_combined():
    # EventAggregator: maxEvents 10 distinct messages per (object, type, reason) in 10 minutes
    c, cm, rec = setup()
    for i in range(12):
        rec.event(cm, "Normal", "SuccessfulCreate", f"Created pod: p{i}")
    events = c.events()
    assert [e["message"] for e in events[:9]] == [f"Created pod: p{i}" for i in range(9)]
    (combined,) = events[9:]
    assert combined["message"] == "(combined from similar events): Created pod: p11"
    assert combined["count"] == 3


def test_a_burst_of_writes_about_one_object_is_cut_at_25():
    # EventSourceObjectSpamFilter: a token bucket of 25, refilled one per 300 s
    c, cm, rec = setup()
    for _ in range(40):
        rec.event(cm, "Warning", "BackOff", "again")
    (e,) = c.events()
    assert e["count"] == 25
    c.run(300)
    rec.event(cm, "Warning", "BackOff", "again")
    rec.event(cm, "Warning", "BackOff", "again")
    assert c.events()[0]["count"] == 26


def test_the_correlator_remembers_only_the_4096_most_recent_keys():
    # events_cache.go keeps its aggregate, dedup and spam-filter state in LRU caches of
    # maxLruCacheEntries = 4096: a repeat of an event forgotten since is written anew
    c, cm, rec = setup()
    rec.event(cm, "Normal", "Seen", "first")
    for i in range(4096):                       # about other objects: cm's spam filter is untouched
        rec.event({**cm, "metadata": {**cm["metadata"], "name": f"other-{i}", "uid": f"u{i}"}},
                  "Normal", "Other", "message")
    assert all(len(cache) <= 4096 for cache in (rec._aggregates, rec._written, rec._buckets))
    rec.event(cm, "Normal", "Seen", "first")
    assert [e["count"] for e in c.events() if e["reason"] == "Seen"] == [1, 1]
