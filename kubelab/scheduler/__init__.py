"""kube-scheduler (v1.32): the scheduling queue, the plugin framework, the
default plugins, preemption and gang scheduling.

Writing a plugin: a class with a ``name`` and a method per extension point
(see :mod:`kubelab.scheduler.framework` for all of them). A Filter returns
None when the Pod fits the node, or a :class:`Status` saying why not; a Score
returns an int from 0 to 100 (or any int, with a ``normalize_score``)::

    import kubelab as kl
    from kubelab.scheduler import Status

    class NoSpotForDatabases:
        name = "NoSpotForDatabases"

        def filter(self, state, pod, node_info):
            is_db = pod["metadata"].get("labels", {}).get("tier") == "db"
            if is_db and node_info.labels.get("lifecycle") == "spot":
                return Status.unschedulable("node(s) are spot instances")
            return None

        def score(self, state, pod, node_info):      # optional: prefer emptier nodes
            return 100 - min(100, len(node_info.pods) * 10)

    c = kl.Cluster(nodes=3)
    c.scheduler.register_plugin(NoSpotForDatabases)   # enabled in every profile, score weight 1

``node_info`` gives ``name``, ``labels``, ``taints``, ``node`` (the Node),
``pods`` (PodInfo by uid), ``allocatable`` / ``requested`` (a
:class:`Resource`: ``milli_cpu``, ``memory``, ...). ``state`` is the cycle's
:class:`CycleState` (``state.write(key, value)`` in ``pre_filter``,
``state.read(key)`` in ``filter``). ``c.explain(pod)`` shows every node's
verdict and scores, your plugin's included.

Configuration follows KubeSchedulerConfiguration:
``kl.Cluster(scheduler_config={"profiles": [...]})``, or pass ``plugins=`` a
mapping of name to class to ``Scheduler`` and enable them there.
"""
from .framework import ClusterEvent, Code, CycleState, NodeScore, Plugin, PostFilterResult, PreFilterResult, Status
from .nodeinfo import NodeInfo, PodInfo
from .resources import Resource
from .scheduler import Scheduler

__all__ = ["Scheduler", "Plugin", "Status", "Code", "CycleState", "NodeScore", "PreFilterResult",
           "PostFilterResult", "ClusterEvent", "NodeInfo", "PodInfo", "Resource"]
