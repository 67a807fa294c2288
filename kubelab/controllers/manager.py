"""kube-controller-manager: runs every controller, and can be stopped and restarted
as one component (failure injection stops it; restarting relists everything)."""
from __future__ import annotations

from .cronjob import CronJobController
from .daemonset import DaemonSetController
from .deployment import DeploymentController
from .disruption import DisruptionController
from .endpoints import EndpointsController
from .endpointslice import EndpointSliceController
from .garbagecollector import GarbageCollector
from .horizontal import HorizontalController
from .job import JobController
from .namespace import NamespaceController
from .nodelifecycle import NodeLifecycleController
from .persistentvolume import PersistentVolumeController
from .provisioner import ProvisionerController
from .pvprotection import PVCProtectionController, PVProtectionController
from .replicaset import ReplicaSetController
from .resourcequota import ResourceQuotaController
from .statefulset import StatefulSetController
from .tainteviction import TaintEvictionController
from .ttlafterfinished import TTLAfterFinishedController

__all__ = ["ControllerManager", "CONTROLLERS"]

#: The controllers kube-controller-manager starts, in start order.
CONTROLLERS = [
    NamespaceController,
    GarbageCollector,
    ReplicaSetController,
    DeploymentController,
    NodeLifecycleController,
    TaintEvictionController,
    DisruptionController,
    CronJobController,
    JobController,
    TTLAfterFinishedController,
    DaemonSetController,
    StatefulSetController,
    EndpointSliceController,
    EndpointsController,
    ResourceQuotaController,
    PersistentVolumeController,
    ProvisionerController,
    PVCProtectionController,
    PVProtectionController,
    HorizontalController,
]


class ControllerManager:
    """All controllers of one cluster; ``controllers[name]`` gives one by its name."""

    name = "kube-controller-manager"

    def __init__(self, api, loop, *, rng=None, controllers=CONTROLLERS):
        self.api, self.loop, self.rng = api, loop, rng
        self._classes = list(controllers)
        self.controllers: dict = {}
        self.running = False

    def start(self) -> None:
        """Start fresh controllers (a restarted manager rebuilds its caches from a list)."""
        self.controllers = {}
        for cls in self._classes:
            controller = cls(self.api, self.loop)
            self.controllers[controller.name] = controller
        for controller in self.controllers.values():
            controller.start()
        self.running = True

    def stop(self) -> None:
        for controller in self.controllers.values():
            controller.stop()
        self.running = False

    def __getitem__(self, name: str):
        return self.controllers[name]
