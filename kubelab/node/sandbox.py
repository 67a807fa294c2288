"""The Pod sandbox: the pause container that holds a Pod's shared namespaces.

Before it starts any of a Pod's containers, the kubelet asks the runtime for a
sandbox (CRI RunPodSandbox): a tiny ``/pause`` process whose only job is to
hold namespaces open. Every container of the Pod then joins the sandbox's

* **network** namespace — one IP (from the node's podCIDR), one ``eth0``, one
  set of ports, ``localhost`` shared by all containers;
* **IPC** namespace — System V IPC, POSIX message queues and the ``/dev/shm``
  tmpfs (64 MiB, containerd's default), which the runtime mounts into every
  container of the Pod, so they share it;
* **UTS** namespace — the hostname (the Pod name, or ``spec.hostname``);

while each container gets its own **mount** namespace (its own root
filesystem, with the Pod's volumes mounted in) and its own **PID** namespace,
unless ``shareProcessNamespace: true`` puts all of them in the sandbox's, where
``/pause`` is PID 1. Namespaces are named by inode numbers, as
``readlink /proc/self/ns/net`` shows (``net:[4026532281]``): equal numbers
mean the same namespace.
"""
from __future__ import annotations

from .fs import Volume
from .network import AddressInUse, Listener
from .process import PidNamespace, Process

__all__ = ["Sandbox", "HOST_NAMESPACES", "NAMESPACE_KINDS", "pod_hostname", "SHM_BYTES"]

#: containerd's default /dev/shm size (65536k)
SHM_BYTES = 64 * 1024 * 1024

#: The host's initial namespaces (the kernel's fixed PROC_*_INIT_INO numbers, and
#: the usual first inodes of the init net and mount namespaces).
HOST_NAMESPACES = {"cgroup": 4026531835, "ipc": 4026531839, "mnt": 4026531841, "net": 4026531840,
                   "pid": 4026531836, "time": 4026531834, "user": 4026531837, "uts": 4026531838}
NAMESPACE_KINDS = tuple(sorted(HOST_NAMESPACES))


def pod_hostname(pod: dict) -> tuple[str, str]:
    """(hostname, FQDN) as the kubelet's GeneratePodHostNameAndDomain computes them."""
    meta, spec = pod["metadata"], pod.get("spec") or {}
    hostname = spec.get("hostname") or meta["name"]
    hostname = hostname[:63].rstrip("-.")
    fqdn = hostname
    if spec.get("subdomain"):
        fqdn = f'{hostname}.{spec["subdomain"]}.{meta.get("namespace", "default")}.svc.cluster.local'
    return hostname, fqdn


class Sandbox:
    """One Pod's sandbox: the pause process, the shared namespaces, the IP and the volumes."""

    def __init__(self, sid: str, pod: dict, *, ip: str, new_inode, network, clock, host_listeners: dict,
                 gateway: str):
        meta, spec = pod["metadata"], pod.get("spec") or {}
        self.id = sid
        self.uid, self.name, self.namespace = meta["uid"], meta["name"], meta.get("namespace", "default")
        self.hostname, self.fqdn = pod_hostname(pod)
        self.host_network = bool(spec.get("hostNetwork"))
        self.ip = ip
        self.gateway = gateway
        self.network = network
        self.clock = clock
        self.share_pid = bool(spec.get("shareProcessNamespace") or spec.get("hostPID"))
        self.host_aliases = list(spec.get("hostAliases") or [])
        self.ns = dict(HOST_NAMESPACES)
        for kind in ("ipc", "uts", "net", "pid", "mnt", "cgroup"):
            if (kind == "net" and self.host_network) or (kind == "pid" and spec.get("hostPID")) \
                    or (kind == "ipc" and spec.get("hostIPC")):
                continue
            self.ns[kind] = new_inode()
        if self.host_network:
            self.hostname = self.fqdn = spec.get("nodeName") or self.hostname
        self.listeners: dict[int, Listener] = host_listeners if self.host_network else {}
        self.volumes: dict = {}
        self.shm = Volume(device="shm", fstype="tmpfs", size=SHM_BYTES)
        self.pidns = PidNamespace(self.ns["pid"])
        self.fs = None
        self.ready = True
        self.pause = Process(self, ["/pause"], env={}, write=lambda stream, text: None)

    # what a Process needs from its host (the pause process lives in the sandbox itself)
    def lookup(self, name):
        return None

    def usage_changed(self) -> None:
        pass

    def now(self):
        return self.clock.now()

    @property
    def sandbox(self):
        return self

    # -- the network namespace --------------------------------------------
    def listen(self, port: int, process, handler=None, *, grpc: bool = False) -> Listener:
        if port in self.listeners:
            raise AddressInUse(port)
        listener = Listener(port, process, handler, grpc)
        self.listeners[port] = listener
        return listener

    def close_listeners(self, host) -> None:
        """Close every socket the processes of one container (``host``) held."""
        for port in [p for p, l in self.listeners.items() if getattr(l.process, "host", None) is host]:
            del self.listeners[port]

    @property
    def mac(self) -> str:
        """A stable MAC for eth0, derived from the IP as veth pairs are in kind clusters."""
        octets = [int(x) for x in self.ip.split(".")]
        return "ce:" + ":".join(f"{b:02x}" for b in [0x4e] + octets)

    def hosts_file(self) -> str:
        """The kubelet-managed /etc/hosts (ensureHostsFile)."""
        lines = ["# Kubernetes-managed hosts file.", "127.0.0.1\tlocalhost",
                 "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet",
                 "fe00::0\tip6-mcastprefix", "fe00::1\tip6-allnodes", "fe00::2\tip6-allrouters"]
        if self.fqdn != self.hostname:
            lines.append(f"{self.ip}\t{self.fqdn}\t{self.hostname}")
        else:
            lines.append(f"{self.ip}\t{self.hostname}")
        if self.host_aliases:
            lines.append("")
            lines.append("# Entries added by HostAliases.")
            for alias in self.host_aliases:
                lines.append(f'{alias.get("ip", "")}\t' + "\t".join(alias.get("hostnames") or []))
        return "\n".join(lines) + "\n"

    def resolv_conf(self) -> str:
        """ClusterFirst DNS: the cluster DNS Service's IP and the namespace's search path."""
        return (f"search {self.namespace}.svc.cluster.local svc.cluster.local cluster.local\n"
                "nameserver 10.96.0.10\noptions ndots:5\n")
