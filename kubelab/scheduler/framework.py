"""The scheduling framework's vocabulary (pkg/scheduler/framework/interface.go).

A plugin is a class with a ``name`` and one method per extension point it
takes part in; the framework finds the extension points by the methods a
class defines, as Go finds them by the interfaces a plugin implements:

=================  =====================================================  ==========================
extension point    method (who calls it)                                  returns
=================  =====================================================  ==========================
QueueSort          ``less(a, b)`` (the scheduling queue)                   bool: a goes first
PreEnqueue         ``pre_enqueue(pod)`` (the queue, before activeQ)        None or a Status
PreFilter          ``pre_filter(state, pod)`` (once per cycle)             None, a Status or a
                                                                          PreFilterResult
Filter             ``filter(state, pod, node_info)`` (once per node)       None (fits) or a Status
PostFilter         ``post_filter(state, pod, statuses)`` (no node fits)    (PostFilterResult, Status)
PreScore           ``pre_score(state, pod, node_infos)``                   None or a Status
Score              ``score(state, pod, node_info)`` (once per node)        int
NormalizeScore     ``normalize_score(state, pod, scores)``                 None or a Status
Reserve            ``reserve(state, pod, node_name)`` / ``unreserve(...)`` None or a Status
Permit             ``permit(state, pod, node_name)``                       None, a Status, or
                                                                          (Status.wait(), seconds)
PreBind/Bind       ``pre_bind(...)``, ``bind(state, pod, node_name)``      None or a Status
PostBind           ``post_bind(state, pod, node_name)``                    nothing
=================  =====================================================  ==========================

``None`` means success, as a nil ``*Status`` does in Go. Instead of ``score``
and ``normalize_score`` a plugin may define the batch forms
``score_nodes(state, pod, node_infos) -> list[int]`` and
``normalize_scores(state, pod, node_infos, scores) -> list[int]``, which take
and return one score per node in order; the built-in plugins do, to score a
list of nodes in one loop.
"""
from __future__ import annotations

__all__ = [
    "Code", "Status", "CycleState", "NodeScore", "PreFilterResult", "PostFilterResult",
    "ClusterEvent", "MAX_NODE_SCORE", "MIN_NODE_SCORE", "Plugin", "extension_points",
    "EXTENSION_POINTS",
]

MAX_NODE_SCORE = 100
MIN_NODE_SCORE = 0


class Code:
    """framework.Code, in Go's order."""
    SUCCESS = 0
    ERROR = 1
    UNSCHEDULABLE = 2
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    WAIT = 4
    SKIP = 5
    NAMES = ("Success", "Error", "Unschedulable", "UnschedulableAndUnresolvable", "Wait", "Skip")


class Status:
    """framework.Status: a code, the reasons (the message is them joined by
    ", ") and the plugin that returned it."""

    __slots__ = ("code", "reasons", "plugin")

    def __init__(self, code: int = Code.SUCCESS, *reasons: str, plugin: str = ""):
        self.code, self.reasons, self.plugin = code, list(reasons), plugin

    @classmethod
    def success(cls) -> "Status":
        return cls(Code.SUCCESS)

    @classmethod
    def error(cls, *reasons: str) -> "Status":
        return cls(Code.ERROR, *reasons)

    @classmethod
    def unschedulable(cls, *reasons: str) -> "Status":
        return cls(Code.UNSCHEDULABLE, *reasons)

    @classmethod
    def unresolvable(cls, *reasons: str) -> "Status":
        """UnschedulableAndUnresolvable: preemption on this node would not help."""
        return cls(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, *reasons)

    @classmethod
    def wait(cls, *reasons: str) -> "Status":
        return cls(Code.WAIT, *reasons)

    @classmethod
    def skip(cls) -> "Status":
        return cls(Code.SKIP)

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)

    @property
    def code_name(self) -> str:
        return Code.NAMES[self.code]

    def is_success(self) -> bool:
        return self.code == Code.SUCCESS

    def is_rejected(self) -> bool:
        """Unschedulable or UnschedulableAndUnresolvable."""
        return self.code in (Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)

    def with_plugin(self, plugin: str) -> "Status":
        self.plugin = plugin
        return self

    def __eq__(self, other) -> bool:
        return isinstance(other, Status) and (self.code, self.reasons) == (other.code, other.reasons)

    def __repr__(self) -> str:
        plugin = f", plugin={self.plugin!r}" if self.plugin else ""
        return f"Status({self.code_name}, {self.message!r}{plugin})"


def as_status(result) -> Status:
    """None (a nil Status) reads as Success."""
    return Status() if result is None else result


class CycleState(dict):
    """framework.CycleState: what plugins compute for one Pod in one scheduling
    cycle (PreFilter writes, Filter reads). ``read``/``write`` are the Go names;
    it is a dict, so ``state[key]`` works too. ``clone()`` copies every value
    that has a ``clone()`` (preemption tries nodes on copies)."""

    def __init__(self):
        super().__init__()
        self.skip_filter_plugins: set[str] = set()
        self.skip_score_plugins: set[str] = set()

    def read(self, key: str):
        try:
            return self[key]
        except KeyError:
            raise KeyError(f"{key!r} not found in CycleState") from None

    def write(self, key: str, value) -> None:
        self[key] = value

    def clone(self) -> "CycleState":
        out = CycleState()
        for key, value in self.items():
            out[key] = value.clone() if hasattr(value, "clone") else value
        out.skip_filter_plugins = set(self.skip_filter_plugins)
        out.skip_score_plugins = set(self.skip_score_plugins)
        return out


class NodeScore:
    """One node's score from one plugin (NormalizeScore rewrites ``score``)."""

    __slots__ = ("name", "score")

    def __init__(self, name: str, score: int):
        self.name, self.score = name, score

    def __repr__(self) -> str:
        return f"NodeScore({self.name!r}, {self.score})"


class PreFilterResult:
    """framework.PreFilterResult: the only nodes worth filtering (None = all)."""

    __slots__ = ("node_names",)

    def __init__(self, node_names=None):
        self.node_names = None if node_names is None else set(node_names)

    def all_nodes(self) -> bool:
        return self.node_names is None

    def merge(self, other: "PreFilterResult | None") -> "PreFilterResult":
        if other is None or other.all_nodes():
            return self
        if self.all_nodes():
            return PreFilterResult(other.node_names)
        return PreFilterResult(self.node_names & other.node_names)


class PostFilterResult:
    """framework.PostFilterResult: the node the Pod is nominated to (``""`` clears it)."""

    __slots__ = ("nominated_node_name",)

    def __init__(self, nominated_node_name: str | None = None):
        self.nominated_node_name = nominated_node_name


class ClusterEvent:
    """framework.ClusterEvent: a change that may make unschedulable Pods schedulable.

    ``resource`` is "Node", "AssignedPod", "UnscheduledPod", "Pod" (any pod) or a
    kind's plural; ``action`` one of "Add", "Delete", "Update" or a specific
    update ("UpdateNodeLabel", "UpdateNodeTaint", "UpdateNodeAllocatable",
    "UpdatePodLabel", ...); "*" matches any. ``hint(pod, old, new) -> bool``
    is the QueueingHint: False means "this event does not help this Pod".
    """

    __slots__ = ("resource", "action", "hint")

    UPDATES = {"Node": ("UpdateNodeAllocatable", "UpdateNodeLabel", "UpdateNodeTaint", "UpdateNodeCondition"),
               "Pod": ("UpdatePodLabel", "UpdatePodToleration", "UpdatePodSchedulingGatesEliminated")}

    def __init__(self, resource: str, action: str = "*", hint=None):
        self.resource, self.action, self.hint = resource, action, hint

    def matches(self, resource: str, actions: tuple[str, ...]) -> bool:
        if self.resource != resource and not (self.resource == "Pod" and resource.endswith("Pod")):
            return False
        if self.action == "*":
            return True
        return any(a == self.action or (self.action == "Update" and a.startswith("Update")) for a in actions)

    def __repr__(self) -> str:
        return f"ClusterEvent({self.resource}/{self.action})"


#: method name -> extension point, in the order the framework runs them.
EXTENSION_POINTS = {
    "less": "QueueSort", "pre_enqueue": "PreEnqueue", "pre_filter": "PreFilter", "filter": "Filter",
    "post_filter": "PostFilter", "pre_score": "PreScore", "score": "Score", "reserve": "Reserve",
    "permit": "Permit", "pre_bind": "PreBind", "bind": "Bind", "post_bind": "PostBind",
}


#: batch forms the framework prefers when a plugin defines them
BATCH_FORMS = {"score": "score_nodes"}


def extension_points(plugin_cls) -> list[str]:
    """The extension points a plugin class takes part in (by the methods it defines)."""
    return [point for method, point in EXTENSION_POINTS.items()
            if callable(getattr(plugin_cls, method, None)) or callable(getattr(plugin_cls, BATCH_FORMS.get(method, ""), None))]


class Plugin:
    """Optional base class for plugins: a ``name`` and the framework ``handle``
    (the snapshot, the API server, the waiting pods) set by the scheduler."""

    name = "Plugin"
    handle = None

    def events_to_register(self) -> list[ClusterEvent]:
        """EnqueueExtensions: events that may make a Pod this plugin rejected
        schedulable (none declared: any event retries the Pod)."""
        return []

    def __repr__(self) -> str:
        return f"<plugin {self.name}>"

