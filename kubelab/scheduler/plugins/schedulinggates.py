"""SchedulingGates: a Pod with ``spec.schedulingGates`` is not tried until they are all removed."""
from ..framework import ClusterEvent, Plugin, Status


class SchedulingGates(Plugin):
    name = "SchedulingGates"

    def pre_enqueue(self, pod):
        gates = (pod.get("spec") or {}).get("schedulingGates") or []
        if not gates:
            return None
        names = ", ".join(g.get("name", "") for g in gates)
        return Status.unresolvable(f"waiting for scheduling gates: [{names}]")

    def events_to_register(self):
        return [ClusterEvent("UnscheduledPod", "UpdatePodSchedulingGatesEliminated")]
