"""What a kubelet reports when it registers its Node: capacity, allocatable,
labels, addresses, node info and the pod CIDR it hands out Pod IPs from."""
from __future__ import annotations

from ..api.quantity import parse_quantity

__all__ = ["node_manifest", "node_conditions", "DEFAULT_CAPACITY", "DEFAULT_EVICTION_HARD", "allocatable",
           "threshold_quantity"]

#: A small real node: 4 CPUs, 16 GiB, the kubelet's default --max-pods of 110.
DEFAULT_CAPACITY = {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"}

#: The kubelet's default --eviction-hard thresholds that allocatable subtracts
#: (memory.available<100Mi, nodefs.available<10%), by the resource each one guards.
DEFAULT_EVICTION_HARD = {"memory.available": "100Mi", "nodefs.available": "10%"}
_EVICTION_SIGNALS = {"memory.available": "memory", "nodefs.available": "ephemeral-storage"}


def threshold_quantity(threshold, capacity):
    """A hard eviction threshold as a quantity: ``100Mi`` as given, ``10%`` a share of ``capacity``."""
    text, cap = str(threshold), parse_quantity(capacity)
    if text.endswith("%"):
        return parse_quantity(cap.value() * int(text[:-1]) // 100)
    return parse_quantity(text)


def allocatable(capacity: dict, reserved: dict | None = None, eviction_hard: dict | None = None) -> dict:
    """Node allocatable = capacity - kube-reserved - system-reserved - hard eviction threshold
    (``reserved`` is the two reservations added up; a percentage threshold is of capacity).

    Worked example: 16Gi of memory, system-reserved 1Gi, kube-reserved 512Mi and the
    default memory.available<100Mi leave 16384 - 1024 - 512 - 100 = 14748Mi."""
    thresholds = DEFAULT_EVICTION_HARD if eviction_hard is None else eviction_hard
    out = {}
    for name, value in capacity.items():
        q = parse_quantity(value) - parse_quantity((reserved or {}).get(name, "0"))
        for signal, threshold in thresholds.items():
            if _EVICTION_SIGNALS.get(signal) == name:
                q = q - threshold_quantity(threshold, value)
        out[name] = str(q)
    return out


def _node_address(index: int) -> str:
    """The node's InternalIP on kind's docker network 172.18.0.0/16 (.1 is the gateway and
    the API server's address): 172.18.0.2, 172.18.0.3, ... 172.18.1.0, ..."""
    host = index + 2
    return f"172.18.{host // 256}.{host % 256}"


def node_manifest(name: str, index: int, *, capacity: dict | None = None, labels: dict | None = None,
                  taints: list | None = None, reserved: dict | None = None,
                  eviction_hard: dict | None = None) -> dict:
    """The Node object a kubelet registers (index numbers its addresses and pod CIDR)."""
    cap = dict(DEFAULT_CAPACITY)
    cap.update(capacity or {})
    cap = {k: str(parse_quantity(v)) for k, v in cap.items()}
    node_labels = {
        "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
    }
    node_labels.update(labels or {})
    # node-ipam-controller's /24s: from 10.244.0.0 up, as kind's 10.244.0.0/16 gives them to
    # its first 256 nodes; past 10.255 the lab wraps around to 10.128.0.0 (its cluster
    # CIDR is 10.128.0.0/9: /24s for 32,768 nodes, clear of the Service range 10.96.0.0/12)
    cidr = f"10.{128 + (116 + index // 256) % 128}.{index % 256}.0/24"
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
            "allocatable": allocatable(cap, reserved, eviction_hard),
            "addresses": [{"type": "InternalIP", "address": _node_address(index)},
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
