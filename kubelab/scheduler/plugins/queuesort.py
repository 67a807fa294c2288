"""PrioritySort: the activeQ's order, higher ``spec.priority`` first, then the
Pod that entered the queue earlier (then, kubelab's tie-break, arrival order)."""
from ..framework import Plugin


class PrioritySort(Plugin):
    name = "PrioritySort"

    @staticmethod
    def sort_key(qpi):
        return (-qpi.pod_info.priority, qpi.timestamp)

    def less(self, a, b) -> bool:
        return self.sort_key(a) < self.sort_key(b)
