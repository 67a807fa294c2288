"""EventRecorder: Events as kubectl shows them, repeats folded into one with a count."""
import kubelab as kl
from kubelab.client.events import EventRecorder


def test_an_event_records_the_object_reason_message_and_source():
    c = kl.Cluster(nodes=0)
    cm = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}})
    EventRecorder(c.api, "demo-controller").event(cm, "Normal", "Synced", "synced cfg")
    [e] = c.events()
    assert e["involvedObject"]["kind"] == "ConfigMap" and e["involvedObject"]["name"] == "cfg"
    assert (e["type"], e["reason"], e["message"], e["count"]) == ("Normal", "Synced", "synced cfg", 1)
    assert e["source"] == {"component": "demo-controller"}
    assert e["firstTimestamp"] == e["lastTimestamp"] == "2025-01-01T00:00:00Z"
    # client-go names an event <object>.<UnixNano in hex>
    assert e["metadata"]["name"] == f"cfg.{int(c.now.timestamp() * 1e9):x}"


def test_a_repeated_event_is_counted_not_duplicated():
    # client-go's EventCorrelator: same object/reason/message/type/source -> count + 1, lastTimestamp moves
    c = kl.Cluster(nodes=0)
    cm = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}})
    rec = EventRecorder(c.api, "demo")
    rec.event(cm, "Warning", "BackOff", "again")
    c.run(seconds=30)
    rec.event(cm, "Warning", "BackOff", "again")
    [e] = c.events()
    assert e["count"] == 2
    assert (e["firstTimestamp"], e["lastTimestamp"]) == ("2025-01-01T00:00:00Z", "2025-01-01T00:00:30Z")


def test_events_at_the_same_instant_get_distinct_names():
    c = kl.Cluster(nodes=0)
    cm = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}})
    rec = EventRecorder(c.api, "demo")
    rec.event(cm, "Normal", "A", "one")
    rec.event(cm, "Normal", "B", "two")
    assert [e["reason"] for e in c.events()] == ["A", "B"]
