"""The in-tree plugins kube-scheduler 1.32 enables by default, one per module,
plus Coscheduling (kubernetes-sigs/scheduler-plugins) for gang scheduling.

Of the volume plugins only VolumeBinding is modelled (VolumeZone,
VolumeRestrictions and NodeVolumeLimits are not).
"""
from .balancedallocation import BalancedAllocation
from .coscheduling import Coscheduling
from .defaultbinder import DefaultBinder
from .defaultpreemption import DefaultPreemption
from .imagelocality import ImageLocality
from .interpodaffinity import InterPodAffinity
from .nodeaffinity import NodeAffinity
from .nodename import NodeName
from .nodeports import NodePorts
from .noderesources import NodeResourcesFit
from .nodeunschedulable import NodeUnschedulable
from .podtopologyspread import PodTopologySpread
from .queuesort import PrioritySort
from .schedulinggates import SchedulingGates
from .tainttoleration import TaintToleration
from .volumebinding import VolumeBinding

__all__ = ["IN_TREE", "BalancedAllocation", "Coscheduling", "DefaultBinder", "DefaultPreemption",
           "ImageLocality", "InterPodAffinity", "NodeAffinity", "NodeName", "NodePorts", "NodeResourcesFit",
           "NodeUnschedulable", "PodTopologySpread", "PrioritySort", "SchedulingGates", "TaintToleration",
           "VolumeBinding"]

#: Plugin classes by name: the registry a KubeSchedulerConfiguration refers to.
IN_TREE = {cls.name: cls for cls in (
    SchedulingGates, PrioritySort, NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
    NodeResourcesFit, VolumeBinding, PodTopologySpread, InterPodAffinity, DefaultPreemption, BalancedAllocation,
    ImageLocality, DefaultBinder, Coscheduling)}
