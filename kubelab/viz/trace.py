"""What happened for one ``kubectl apply``: a sequence diagram from the engine's own records.

Two real records are joined: the API server's audit log (``api.audit``: who
wrote each revision, with which verb, on which resource) and the store's
history (replayed with a watch from the revision before the apply: what each
revision changed, and the owner references tying a Pod to its ReplicaSet and
that to its Deployment). The steps kept are the writes to the applied objects
and to everything they own, transitively (Events only if asked for).

Simplified: the audit log does not record watch deliveries, so the watch arrow
into a component is inferred: the newest change by another component to the
object it writes, or to that object's owner (for a create or spec write) or to
one of its dependents (for a status write): the change it was reacting to.
A change wakes each component at most once; a write with nothing new to react
to continues the component's earlier work (a queue of Pods to bind, a timer).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace

from .. import errors
from ..store import Compacted
from .render import Diagram, esc

__all__ = ["Step", "Trace", "trace_apply"]

API = "kube-apiserver"
USER = "kubectl"


@dataclass(frozen=True)
class Step:
    """One committed write and the watch event that woke its author (``woke``: a revision)."""

    revision: int
    actor: str
    verb: str
    resource: str
    name: str
    event: str               # the watch event this write produced: ADDED, MODIFIED or DELETED
    woke: int | None = None

    def request(self) -> str:
        return f"{self.verb} {self.resource} {self.name}"


def _value(kv) -> dict | None:
    if kv is None or kv.value is None:
        return None
    return kv.value if isinstance(kv.value, dict) else json.loads(kv.value)


class Trace:
    """The steps of a trace, its participants, a text rendering and a sequence diagram."""

    def __init__(self, steps: list[Step]):
        self.steps = steps
        self.by_revision = {s.revision: s for s in steps}
        actors = [USER, API] + [s.actor for s in steps]
        self.participants = list(dict.fromkeys(a for a in actors if a is not None))

    @classmethod
    def between(cls, c, start: int, end: int | None = None, *, events: bool = False) -> "Trace":
        """The writes after revision ``start`` (up to ``end``) to objects the user wrote
        and to what they own; 410 Gone once ``start`` is compacted away (kube-apiserver's
        compactor keeps at least the last 5 minutes)."""
        end = c.store.revision if end is None else end
        audit = {a.revision: a for a in c.api.audit if start < a.revision <= end}
        try:
            watch = c.store.watch("/registry/", start + 1)
        except Compacted as e:              # what a watch from resourceVersion=start answers
            raise errors.Gone(f"too old resource version: {start} ({e.compacted})") from None
        history = [e for e in watch.take() if e.kv.mod_revision <= end]
        watch.stop()
        family: set[str] = set()
        rows = []                                  # (Step, uid, owner uids, is status write)
        for e in history:
            a = audit.get(e.kv.mod_revision)
            obj = _value(e.kv) or _value(e.prev_kv)
            if a is None or obj is None:
                continue
            meta = obj["metadata"]
            owners = {r.get("uid") for r in meta.get("ownerReferences") or []}
            if a.resource == "events":
                if not events or (obj.get("involvedObject") or {}).get("uid") not in family:
                    continue
            elif a.user_agent == USER or owners & family:
                family.add(meta["uid"])
            if meta.get("uid") not in family and a.resource != "events":
                continue
            kind = "DELETED" if e.type == "DELETE" else ("ADDED" if e.kv.version == 1 else "MODIFIED")
            step = Step(a.revision, a.user_agent or USER, a.verb, a.resource, a.name, kind)
            rows.append((step, meta.get("uid"), owners, a.resource.endswith("/status")))
        return cls(_infer_wakeups(rows))

    # -- renderings ----------------------------------------------------------
    def lines(self) -> list[str]:
        out = []
        for s in self.steps:
            if s.woke is not None:
                w = self.by_revision[s.woke]
                out.append(f"        {API} ⇢ {s.actor}: watch {_delivered(s, w)} {w.resource.split('/')[0]} {w.name}")
            out.append(f"rev {s.revision:<4}{s.actor} → {API}: {s.request()}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return f"<Trace: {len(self.steps)} writes by {len(self.participants) - 1} clients>"

    def diagram(self) -> Diagram:
        """A sequence diagram: one lifeline per participant, one row per message."""
        import graphviz

        messages = []                               # (from, to, label, is watch)
        for s in self.steps:
            if s.woke is not None:
                w = self.by_revision[s.woke]
                messages.append((API, s.actor, f"watch {_delivered(s, w)} {w.resource.split('/')[0]}/{w.name}", True))
            messages.append((s.actor, API, f"{s.request()} → rev {s.revision}", False))
        col = {p: i for i, p in enumerate(self.participants)}
        g = graphviz.Digraph("trace", graph_attr={"rankdir": "TB", "nodesep": "1.6", "ranksep": "0.3",
                                                  "splines": "line", "fontname": "Helvetica", "newrank": "true"},
                             node_attr={"fontname": "Helvetica", "fontsize": "10"},
                             edge_attr={"fontname": "Helvetica", "fontsize": "9"})
        with g.subgraph() as head:
            head.attr(rank="same")
            for p, i in col.items():
                head.node(f"h{i}", p, shape="box", style="rounded,filled", fillcolor="#e3f2fd" if p == API else "white")
            for i in range(len(col) - 1):
                head.edge(f"h{i}", f"h{i + 1}", style="invis")
        for r in range(len(messages)):
            with g.subgraph() as row:
                row.attr(rank="same")
                for i in range(len(col)):
                    row.node(f"r{r}c{i}", "", shape="point", width="0.04", color="#90a4ae")
        for i in range(len(col)):
            chain = [f"h{i}"] + [f"r{r}c{i}" for r in range(len(messages))]
            for a, b in zip(chain, chain[1:]):
                g.edge(a, b, style="dashed", color="#b0bec5", arrowhead="none", weight="100")
        for r, (src, dst, label, is_watch) in enumerate(messages):
            g.edge(f"r{r}c{col[src]}", f"r{r}c{col[dst]}", xlabel=label, constraint="false",
                   style="dashed" if is_watch else "solid", color="#1565c0" if is_watch else "#37474f")
        return Diagram(g.source, self._fallback_html(), title="sequence diagram")

    def _fallback_html(self) -> str:
        return '<pre class="kl-trace">' + esc(str(self)) + "</pre>"

    def _repr_html_(self) -> str:
        return self.diagram().html


def _delivered(step: Step, woke: Step) -> str:
    """The event type ``step``'s author received for ``woke``: a kubelet watches only its
    node's Pods (fieldSelector spec.nodeName=<node>), and a watch sends an object that
    starts matching its selector as ADDED, so a Pod's binding reaches the kubelet as ADDED."""
    if step.actor.startswith("kubelet/") and woke.resource == "pods/binding":
        return "ADDED"
    return woke.event


def _infer_wakeups(rows) -> list[Step]:
    """Give each step the revision of the watch event that woke its author (see the module doc)."""
    steps: list[Step] = []
    seen: list[tuple] = []                         # earlier non-Event rows
    used: set[tuple[int, str]] = set()
    for row in rows:
        step, uid, owners, status_write = row
        woke = None
        if step.actor != USER and step.resource != "events":
            for earlier, e_uid, e_owners, e_status in reversed(seen):
                related = e_uid == uid or (uid in e_owners if status_write else e_uid in owners and not e_status)
                if related and earlier.actor != step.actor:
                    if (earlier.revision, step.actor) not in used:
                        woke = earlier.revision
                        used.add((woke, step.actor))
                    break
        if step.resource != "events":
            seen.append(row)
        steps.append(replace(step, woke=woke))
    return steps


def trace_apply(c, manifest, *, seconds: float | None = None, events: bool = False) -> Trace:
    """Apply ``manifest`` as ``kubectl apply`` does, run the cluster (``seconds``, or until it
    settles) and trace everything that followed."""
    start = c.store.revision
    c.apply(manifest)
    c.run(seconds)
    return Trace.between(c, start, events=events)
