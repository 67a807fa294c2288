"""Node groups: the cloud provider's side of the cluster autoscaler (cloudprovider.NodeGroup).

A node group is a set of identical machines made from one template (an AWS
Auto Scaling group, a GCE managed instance group, an AKS/GKE node pool) with a
minimum and a maximum size. The autoscaler only asks it to change its target
size or to delete given nodes; the cloud creates the machines, which boot and
register their Node after ``boot_delay`` seconds (the FAQ: 3-4 minutes on GCE
from the request to a schedulable node; 60 s by default here).

Every node of a group carries the label ``kubelab.io/node-group: <name>`` (the
simulated cloud's counterpart of ``cloud.google.com/gke-nodepool`` or
``eks.amazonaws.com/nodegroup``), and is named ``<group>-<5 random characters>``.
"""
from __future__ import annotations

from ..api.meta import random_string
from ..node.registration import node_manifest

__all__ = ["NodeGroup", "GROUP_LABEL"]

GROUP_LABEL = "kubelab.io/node-group"


class NodeGroup:
    """``NodeGroup("workers", min_size=1, max_size=10, capacity={"cpu": "4", "memory": "16Gi"})``;
    ``size`` machines exist when the autoscaler starts."""

    def __init__(self, name: str, *, min_size: int = 0, max_size: int, size: int | None = None,
                 capacity: dict | None = None, labels: dict | None = None, taints: list | None = None,
                 boot_delay: float = 60.0):
        size = min_size if size is None else size
        if not 0 <= min_size <= max_size:
            raise ValueError(f"node group {name}: need 0 <= min_size ({min_size}) <= max_size ({max_size})")
        if not min_size <= size <= max_size:
            raise ValueError(f"node group {name}: size {size} is outside [{min_size}, {max_size}]")
        self.name, self.min_size, self.max_size = name, min_size, max_size
        self.capacity = dict(capacity or {"cpu": "4", "memory": "16Gi", "pods": "110"})
        self.labels = {**(labels or {}), GROUP_LABEL: name}
        self.taints = list(taints or [])
        self.boot_delay = boot_delay
        self.initial_size = size
        self.instances: dict[str, float] = {}      # machine name -> when it was requested
        self.registered: set[str] = set()          # machines whose kubelet has joined
        self._cluster = None

    # -- cloudprovider.NodeGroup -------------------------------------------------------
    def target_size(self) -> int:
        return len(self.instances)

    def nodes(self) -> list[str]:
        return sorted(self.instances)

    def upcoming(self) -> list[str]:
        """Machines requested but not registered yet."""
        return sorted(n for n in self.instances if n not in self.registered)

    def attach(self, cluster) -> None:
        """Belong to ``cluster``; its initial machines are there at once."""
        self._cluster = cluster
        for _ in range(self.initial_size):
            name = self._new_name()
            self.instances[name] = cluster.clock.seconds
            self._boot(name)

    def increase_size(self, delta: int) -> list[str]:
        """Ask for ``delta`` more machines; each registers after the boot delay."""
        if delta <= 0 or self.target_size() + delta > self.max_size:
            raise ValueError(f"node group {self.name}: size increase {delta} is not allowed "
                             f"(target {self.target_size()}, max {self.max_size})")
        loop = self._cluster.loop
        names = []
        for _ in range(delta):
            name = self._new_name()
            self.instances[name] = loop.clock.seconds
            loop.later(self.boot_delay, lambda n=name: self._boot(n), f"cloud/{self.name}")
            names.append(name)
        return names

    def delete_node(self, name: str) -> None:
        """Terminate one machine (and shrink the target by one)."""
        if name not in self.instances:
            raise ValueError(f"node {name} does not belong to node group {self.name}")
        self.instances.pop(name)
        if name in self.registered:
            self.registered.discard(name)
            self._cluster.remove_node(name)

    def template(self, name: str | None = None) -> dict:
        """The Node a new machine would register (TemplateNodeInfo)."""
        name = name or f"template-node-for-{self.name}"
        return node_manifest(name, 0, capacity=self.capacity, labels=dict(self.labels, **{
            "kubernetes.io/hostname": name}), taints=self.taints or None)

    # -- the machines --------------------------------------------------------------------
    def _new_name(self) -> str:
        while True:
            name = f"{self.name}-{random_string(5, self._cluster.rng)}"
            if name not in self.instances and name not in self._cluster.kubelets:
                return name

    def _boot(self, name: str) -> None:
        if name not in self.instances:              # deleted while booting
            return
        self._cluster.add_node({"metadata": {"name": name, "labels": dict(self.labels)},
                                "spec": {"taints": list(self.taints)} if self.taints else {},
                                "status": {"capacity": dict(self.capacity)}})
        self.registered.add(name)

    def __repr__(self) -> str:
        return f"<NodeGroup {self.name}: {self.target_size()} nodes (min {self.min_size}, max {self.max_size})>"
