"""Why a Pod fits nowhere: NodeToStatus and FitError's message
(pkg/scheduler/framework/types.go).

The message counts each reason over all nodes and sorts the "<count> <reason>"
strings *as text* (Go's sort.Strings), so "10 Insufficient cpu" sorts before
"2 Insufficient memory"::

    0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}.
    preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.

A PreFilter rejection is reported once, instead of per node; PostFilter's
message (preemption's) follows after a space.
"""
from __future__ import annotations

from .framework import Code, Status

__all__ = ["NodeToStatus", "fit_error_message", "NO_NODE_AVAILABLE"]

NO_NODE_AVAILABLE = "0/{} nodes are available"


class NodeToStatus:
    """Statuses of the nodes that failed; every other node reads as ``absent``
    (UnschedulableAndUnresolvable by default: e.g. filtered out by a PreFilterResult)."""

    def __init__(self):
        self.statuses: dict[str, Status] = {}
        self.absent = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE)

    def set(self, node: str, status: Status) -> None:
        self.statuses[node] = status

    def get(self, node: str) -> Status:
        return self.statuses.get(node, self.absent)

    def __len__(self) -> int:
        return len(self.statuses)


def fit_error_message(num_all_nodes: int, statuses: NodeToStatus, pre_filter_msg: str = "",
                      post_filter_msg: str = "") -> str:
    """FitError.Error()."""
    msg = NO_NODE_AVAILABLE.format(num_all_nodes) + ":"
    if pre_filter_msg:
        msg += f" {pre_filter_msg}."
    else:
        counts: dict[str, int] = {}
        for status in statuses.statuses.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        if len(statuses) < num_all_nodes:
            for reason in statuses.absent.reasons:
                counts[reason] = counts.get(reason, 0) + num_all_nodes - len(statuses)
        histogram = sorted(f"{n} {reason}" for reason, n in counts.items())
        if histogram:
            msg += f" {', '.join(histogram)}."
    if post_filter_msg:
        msg += f" {post_filter_msg}"
    return msg
