"""The Service IP and node-port ranges (pkg/registry/core/service/ipallocator, portallocator).

kube-apiserver hands every Service a ClusterIP from ``--service-cluster-ip-range``
(kubeadm's and kind's 10.96.0.0/12) and every NodePort a port from
``--service-node-port-range`` (30000-32767). Both allocators are bitmaps split
into two bands (KEP-3070, KEP-3668): a value picked automatically comes from a
random free spot of the *upper* band, so values people choose themselves from the
lower band rarely collide with automatic ones. The lower band's size is
``min(max(16, size/16), 256)`` addresses and ``min(max(16, size/32), 128)`` ports:
for 10.96.0.0/12 that is 256 (automatic ClusterIPs start at 10.96.1.1), for
30000-32767 it is 86 (automatic node ports start at 30086).

A range here does not remember what is taken: the caller passes the values in
use (the API server reads them from the Services it stores), which is what the
real allocator's repair loop reconciles its bitmap against.
"""
from __future__ import annotations

import ipaddress

__all__ = ["AllocationError", "ServiceIPRange", "NodePortRange", "SERVICE_CIDR", "CLUSTER_DNS_IP"]

#: kubeadm's (and kind's) default --service-cluster-ip-range.
SERVICE_CIDR = "10.96.0.0/12"
#: The kube-dns Service's address kubeadm reserves: the tenth address of the range.
CLUSTER_DNS_IP = "10.96.0.10"


class AllocationError(ValueError):
    """A requested value cannot be had; the message is the allocator's own."""


def _band(size: int, low: int, high: int, step: int) -> int:
    """calculateRangeOffset: min(max(low, size/step), high), 0 for tiny ranges."""
    if size <= low:
        return 0
    return max(low, min(size // step, high))


def _pick(size: int, offset: int, used: set[int], rng) -> int | None:
    """randomScanStrategyWithOffset.AllocateBit: scan from a random spot of the upper
    band [offset, size), then of the lower band [0, offset); None when full."""
    for lo, n in ((offset, size - offset), (0, offset)):
        if n <= 0:
            continue
        start = rng.randrange(n)
        for i in range(n):
            at = lo + (start + i) % n
            if at not in used:
                return at
    return None


class ServiceIPRange:
    """The Service CIDR without its network and broadcast addresses (offset 0 is ``.1``)."""

    def __init__(self, cidr: str = SERVICE_CIDR):
        self.cidr = ipaddress.ip_network(cidr)
        self._base = int(self.cidr.network_address) + 1
        self.size = self.cidr.num_addresses - 2
        self.offset = _band(self.cidr.num_addresses, 16, 256, 16)

    def _index(self, ip: str) -> int | None:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None
        at = int(addr) - self._base
        return at if addr in self.cidr and 0 <= at < self.size else None

    def check(self, ip: str, used: set[str]) -> None:
        """Allocate(ip): raise AllocationError unless ``ip`` is in range and free."""
        if self._index(ip) is None:
            raise AllocationError(f"the provided IP ({ip}) is not in the valid range. "
                                  f"The range of valid IPs is {self.cidr}")
        if ip in used:
            raise AllocationError("provided IP is already allocated")

    def next(self, used: set[str], rng) -> str:
        """AllocateNext: a random free address, preferring the upper band."""
        taken = {i for i in map(self._index, used) if i is not None}
        at = _pick(self.size, self.offset, taken, rng)
        if at is None:
            raise AllocationError("range is full")
        return str(ipaddress.ip_address(self._base + at))


class NodePortRange:
    """A port range such as 30000-32767 (both ends included)."""

    def __init__(self, first: int = 30000, last: int = 32767):
        self.first, self.last = first, last
        self.size = last - first + 1
        self.offset = _band(self.size, 16, 128, 32)

    def __contains__(self, port: int) -> bool:
        return self.first <= port <= self.last

    def check(self, port: int, used: set[int]) -> None:
        if port not in self:
            raise AllocationError(f"provided port is not in the valid range. "
                                  f"The range of valid ports is {self.first}-{self.last}")
        if port in used:
            raise AllocationError("provided port is already allocated")

    def next(self, used: set[int], rng) -> int:
        at = _pick(self.size, self.offset, {p - self.first for p in used if p in self}, rng)
        if at is None:
            raise AllocationError("range is full")
        return self.first + at
