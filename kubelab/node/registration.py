"""What a kubelet reports when it registers its Node: capacity, allocatable,
labels, addresses, node info and the pod CIDR it hands out Pod IPs from."""
from __future__ import annotations

from ..api.quantity import parse_quantity

__all__ = ["node_manifest", "node_conditions", "DEFAULT_CAPACITY", "allocatable"]

#: A small real node: 4 CPUs, 16 GiB, the kubelet's default --max-pods of 110.
DEFAULT_CAPACITY = {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"}

#: The kubelet's default hard eviction thresholds, which allocatable subtracts:
#: memory.available<100Mi, nodefs.available<10%.
_MEMORY_EVICTION = parse_quantity("100Mi")


def allocatable(capacity: dict, reserved: dict | None = None) -> dict:
    """Node allocatable = capacity - kube-reserved - system-reserved - hard eviction threshold."""
    out = {}
    for name, value in capacity.items():
        q = parse_quantity(value)
        q = q - parse_quantity((reserved or {}).get(name, "0"))
        if name == "memory":
            q = q - _MEMORY_EVICTION
        elif name == "ephemeral-storage":
            q = parse_quantity(q.value() * 9 // 10)
        out[name] = str(q)
    return out


def node_manifest(name: str, index: int, *, capacity: dict | None = None, labels: dict | None = None,
                  taints: list | None = None, reserved: dict | None = None) -> dict:
    """The Node object a kubelet registers (index numbers its addresses and pod CIDR)."""
    cap = dict(DEFAULT_CAPACITY)
    cap.update(capacity or {})
    cap = {k: str(parse_quantity(v)) for k, v in cap.items()}
    node_labels = {
        "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
    }
    node_labels.update(labels or {})
    # node-ipam-controller's /24s from the cluster CIDR 10.244.0.0/14 (1,024 nodes)
    cidr = f"10.{244 + index // 256}.{index % 256}.0/24"
    spec = {"podCIDR": cidr, "podCIDRs": [cidr]}
    if taints:
        spec["taints"] = taints
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": node_labels,
                     "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
        "spec": spec,
        "status": {
            "capacity": cap,
            "allocatable": allocatable(cap, reserved),
            "addresses": [{"type": "InternalIP", "address": f"172.18.0.{index + 2}"},
                          {"type": "Hostname", "address": name}],
            "nodeInfo": {
                "architecture": "amd64", "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "kernelVersion": "6.1.0-kubelab",
                "containerRuntimeVersion": "containerd://1.7.24", "kubeletVersion": "v1.32.0",
                "kubeProxyVersion": "v1.32.0", "machineID": f"{index:032x}", "systemUUID": f"{index:032x}",
                "bootID": f"{index:032x}",
            },
            "conditions": [],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        },
    }


def node_conditions(timestamp: str, *, ready: bool = True) -> list[dict]:
    """The conditions a healthy kubelet reports (Ready, and no pressure)."""
    def cond(type_, status, reason, message):
        return {"type": type_, "status": status, "lastHeartbeatTime": timestamp,
                "lastTransitionTime": timestamp, "reason": reason, "message": message}
    return [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        cond("Ready", "True" if ready else "False", "KubeletReady" if ready else "KubeletNotReady",
             "kubelet is posting ready status" if ready else "container runtime is down"),
    ]
