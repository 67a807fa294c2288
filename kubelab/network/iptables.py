"""Netfilter rules as kube-proxy writes them: ``iptables-save`` text and packet traversal.

A :class:`Table` holds chains of :class:`Rule`; a rule is a list of matches and
a target, and one object serves both purposes:

* ``str(rule)`` is the line ``iptables-save`` prints, in its canonical order
  (``! -s``, ``-d``, ``-p``, then the ``-m`` modules in rule order, then ``-j``),
  comments quoted unless they are plain words, addresses with their mask, and a
  statistic probability as the kernel stores it: ``--probability 0.3333333333``
  goes in, ``0.33333333349`` (715827883 / 2^31) comes back out;
* :meth:`Table.traverse` walks a packet through a chain as netfilter does: the
  first matching rule's target decides; a jump to a user chain returns on RETURN
  or at the chain's end; ``-m statistic`` draws from the cluster's seeded random
  generator, ``-m recent`` reads and writes the node's per-name source lists
  (session affinity); MARK and ``-m recent --set`` do their work and go on.

simplified: every traversal is a connection's first packet (conntrack state NEW);
only the matches and targets kube-proxy uses exist.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

__all__ = ["Rule", "Match", "Table", "Packet", "Walk", "comment", "proto", "statistic", "recent_check",
           "recent_set", "addrtype", "mark", "conntrack", "stored_probability", "save"]

_PLAIN = set("_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_BUILTIN = {"filter": ("INPUT", "FORWARD", "OUTPUT"), "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")}
TERMINAL = ("ACCEPT", "DROP", "REJECT", "DNAT", "MASQUERADE")


def quote(text: str) -> str:
    """xtables_save_string: plain words as they are, anything else in double quotes."""
    if text and set(text) <= _PLAIN:
        return text
    return '"' + "".join("\\" + ch if ch in "\"\\'" else ch for ch in text) + '"'


def stored_probability(p: float) -> float:
    """xt_statistic keeps ``lround(p * 2^31)`` and prints it back divided by 2^31."""
    return int(p * 0x80000000 + 0.5) / 0x80000000


@dataclass
class Packet:
    """The first packet of a TCP connection, as NAT rewrites it."""

    src: str
    dst: str
    dport: int
    proto: str = "tcp"
    mark: int = 0
    dnat: tuple[str, int] | None = None


@dataclass
class Walk:
    """What a traversal needs from the node it happens on, and what it leaves behind."""

    rng: object
    now: float
    local: frozenset          # the node's own addresses (``-m addrtype --dst-type LOCAL``)
    recent: dict              # ``-m recent`` lists: name -> {source IP: last seen}
    trail: list = field(default_factory=list)     # (table, rule) whose target fired, in order


class Match:
    """One ``-m`` module (or ``-p``-less protocol check): its save text and its test."""

    __slots__ = ("text", "test")

    def __init__(self, text: str, test=None):
        self.text, self.test = text, test


def comment(text: str) -> Match:
    return Match(f"-m comment --comment {quote(text)}")


def proto(name: str, dport: int | None = None) -> Match:
    """``-m tcp [--dport N]`` (the ``-p`` itself is the rule's ``proto``)."""
    if dport is None:
        return Match(f"-m {name}")
    return Match(f"-m {name} --dport {dport}", lambda pkt, walk: pkt.dport == dport)


def statistic(p: float) -> Match:
    kept = stored_probability(p)
    return Match(f"-m statistic --mode random --probability {kept:.11f}", lambda pkt, walk: walk.rng.random() < kept)


def recent_check(name: str, seconds: int) -> Match:
    """``--rcheck --seconds N --reap``: the source was seen in list ``name`` within N seconds."""
    def test(pkt, walk):
        seen = walk.recent.setdefault(name, {})
        for ip in [ip for ip, at in seen.items() if walk.now - at > seconds]:
            del seen[ip]                                     # --reap
        return pkt.src in seen
    return Match(f"-m recent --rcheck --seconds {seconds} --reap --name {name} --mask 255.255.255.255 --rsource",
                 test)


def recent_set(name: str) -> Match:
    def test(pkt, walk):
        walk.recent.setdefault(name, {})[pkt.src] = walk.now
        return True
    return Match(f"-m recent --set --name {name} --mask 255.255.255.255 --rsource", test)


def addrtype(direction: str) -> Match:
    """``-m addrtype --dst-type LOCAL`` (or ``--src-type``): one of the node's addresses."""
    return Match(f"-m addrtype --{direction}-type LOCAL",
                 lambda pkt, walk: (pkt.dst if direction == "dst" else pkt.src) in walk.local)


def mark(value: int, *, negate: bool = False) -> Match:
    return Match(f"-m mark {'! ' if negate else ''}--mark {value:#x}/{value:#x}",
                 lambda pkt, walk: bool(pkt.mark & value) != negate)


def conntrack(states: str, *, negate: bool = False) -> Match:
    """Every traversal is a new connection: NEW matches (and DNAT once it was rewritten);
    INVALID, ESTABLISHED and RELATED never do."""
    wanted = set(states.split(","))

    def test(pkt, walk):
        return ("NEW" in wanted or ("DNAT" in wanted and pkt.dnat is not None)) != negate
    return Match(f"-m conntrack {'! ' if negate else ''}--ctstate {states}", test)


def _cidr(text: str) -> str:
    return text if "/" in text else f"{text}/32"


@lru_cache(maxsize=4096)
def _ip(text: str) -> ipaddress.IPv4Address:
    return ipaddress.ip_address(text)


class Rule:
    """``-A chain [! -s src] [-d dst] [-p proto] [-m ...]... -j target [target options]``."""

    __slots__ = ("chain", "src", "negate_src", "dst", "proto", "matches", "target", "options", "_nets")

    def __init__(self, chain: str, target: str, *matches: Match, src: str | None = None, negate_src: bool = False,
                 dst: str | None = None, proto: str | None = None, options: str = ""):
        self.chain, self.target, self.matches, self.options = chain, target, matches, options
        self.src, self.negate_src, self.dst, self.proto = src, negate_src, dst, proto
        self._nets = tuple(ipaddress.ip_network(_cidr(a)) if a else None for a in (src, dst))

    def __str__(self) -> str:
        parts = [f"-A {self.chain}"]
        if self.src:
            parts.append(f"{'! ' if self.negate_src else ''}-s {_cidr(self.src)}")
        if self.dst:
            parts.append(f"-d {_cidr(self.dst)}")
        if self.proto:
            parts.append(f"-p {self.proto}")
        parts += [m.text for m in self.matches]
        parts.append(f"-j {self.target}" + (f" {self.options}" if self.options else ""))
        return " ".join(parts)

    __repr__ = __str__

    def matches_packet(self, pkt: Packet, walk: Walk) -> bool:
        src_net, dst_net = self._nets
        if src_net is not None and (_ip(pkt.src) in src_net) == self.negate_src:
            return False
        if dst_net is not None and _ip(pkt.dst) not in dst_net:
            return False
        if self.proto and pkt.proto != self.proto:
            return False
        return all(m.test is None or m.test(pkt, walk) for m in self.matches)


class Table:
    """One table (``filter`` or ``nat``): built-in chains with their policy, and user chains."""

    def __init__(self, name: str):
        self.name = name
        self.chains: dict[str, list[Rule]] = {c: [] for c in _BUILTIN[name]}

    def chain(self, name: str) -> list[Rule]:
        """The rules of ``name`` (declaring it, ``:NAME - [0:0]``, if new)."""
        return self.chains.setdefault(name, [])

    def add(self, rule: Rule) -> None:
        self.chain(rule.chain).append(rule)

    def traverse(self, chain: str, pkt: Packet, walk: Walk) -> str | None:
        """Run ``pkt`` through ``chain``: the terminal verdict, or None (RETURN / fell off)."""
        for rule in self.chains.get(chain, ()):
            if not rule.matches_packet(pkt, walk):
                continue
            target = rule.target
            if target == "RETURN":
                return None
            walk.trail.append((self.name, rule))
            if target == "MARK":                                  # --set-xmark value/mask
                value, mask = (int(x, 16) for x in rule.options.split()[1].split("/"))
                pkt.mark = (pkt.mark & ~mask) ^ value
                continue
            if target == "DNAT":
                host, port = rule.options.split()[1].rsplit(":", 1)
                pkt.dnat = (host, int(port))
                return target
            if target in TERMINAL:
                return target
            verdict = self.traverse(target, pkt, walk)
            if verdict is not None:
                return verdict
        return None

    def lines(self) -> list[str]:
        """The table as ``iptables-save`` prints it: chains (built-ins first, then user chains
        alphabetically, as iptables-legacy lists them), then every chain's rules."""
        builtin = _BUILTIN[self.name]
        users = sorted(c for c in self.chains if c not in builtin)
        out = [f"*{self.name}"] + [f":{c} ACCEPT [0:0]" for c in builtin] + [f":{c} - [0:0]" for c in users]
        for c in list(builtin) + users:
            out += [str(r) for r in self.chains[c]]
        return out + ["COMMIT"]


def save(tables: list[Table], when: datetime, version: str = "v1.8.9 (legacy)") -> str:
    """``iptables-save`` output for ``tables``, stamped with the (simulated) time."""
    stamp = when.strftime("%a %b ") + f"{when.day:2d}" + when.strftime(" %H:%M:%S %Y")
    out = []
    for table in tables:
        out += [f"# Generated by iptables-save {version} on {stamp}"] + table.lines() + [f"# Completed on {stamp}"]
    return "\n".join(out) + "\n"
