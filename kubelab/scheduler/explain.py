"""``explain()``: what the scheduler saw in a Pod's last scheduling attempt.

For every node: the Filter verdict (``passed``, the plugin that rejected it and
its reason, or ``not evaluated`` when enough feasible nodes were found before
reaching it), then per Score plugin ``raw→normalized×weight`` and the total,
and which node was chosen. ``.rows`` holds the same as dicts (for widgets);
``str()`` is a fixed-width table and ``_repr_html_`` an HTML one.
"""
from __future__ import annotations

import html

__all__ = ["Attempt", "Explanation"]


class Attempt:
    """The record of one scheduling cycle, kept by the scheduler per Pod."""

    __slots__ = ("pod", "time", "profile", "nodes", "statuses", "feasible", "skipped_filters",
                 "skipped_scores", "scores", "totals", "chosen", "message", "pre_filter")

    def __init__(self, pod: str, time: str, profile: str):
        self.pod, self.time, self.profile = pod, time, profile
        self.nodes, self.statuses, self.feasible = [], None, []
        self.skipped_filters, self.skipped_scores = [], []
        self.scores, self.totals = {}, []
        self.chosen = self.message = self.pre_filter = None


class Explanation:
    """The readable view of an Attempt."""

    def __init__(self, attempt: Attempt, filter_plugins: list[str]):
        self.attempt = attempt
        self.pod = attempt.pod
        self.chosen = attempt.chosen
        self.message = attempt.message
        self.filter_plugins = [(name, name in attempt.skipped_filters) for name in filter_plugins]
        self.score_plugins = list(attempt.scores)
        self.rows = self._rows()

    def _rows(self) -> list[dict]:
        a = self.attempt
        index = {name: i for i, name in enumerate(a.feasible)}
        rows = []
        for name in (ni.name for ni in a.nodes):
            if a.pre_filter is not None:
                verdict = f"{a.pre_filter.plugin}: {a.pre_filter.message}"
            elif name in index:
                verdict = "passed"
            elif a.statuses is not None and name in a.statuses.statuses:
                status = a.statuses.statuses[name]
                verdict = f"{status.plugin}: {status.message}"
            else:
                verdict = "not evaluated"
            row = {"node": name, "filter": verdict, "scores": {}, "total": None, "chosen": name == a.chosen}
            if name in index and a.scores:
                i = index[name]
                for plugin, (raw, normalized, weight) in a.scores.items():
                    row["scores"][plugin] = {"raw": raw[i], "normalized": normalized[i], "weight": weight,
                                             "weighted": normalized[i] * weight}
                row["total"] = a.totals[i]
            rows.append(row)
        return rows

    def _header(self) -> str:
        outcome = f"scheduled to {self.chosen}" if self.chosen else "unschedulable"
        return f"Pod {self.pod}, attempt at {self.attempt.time}, profile {self.attempt.profile}: {outcome}"

    def _table(self) -> list[list[str]]:
        head = ["NODE", "FILTER"] + self.score_plugins + (["TOTAL"] if self.score_plugins else [])
        table = [head]
        for row in self.rows:
            cells = [row["node"] + (" *" if row["chosen"] else ""), row["filter"]]
            for plugin in self.score_plugins:
                s = row["scores"].get(plugin)
                cells.append(f'{s["raw"]}→{s["normalized"]}×{s["weight"]}' if s else "")
            if self.score_plugins:
                cells.append("" if row["total"] is None else str(row["total"]))
            table.append(cells)
        return table

    def __str__(self) -> str:
        lines = [self._header()]
        filters = ", ".join(f"{n} (skipped)" if skipped else n for n, skipped in self.filter_plugins)
        lines.append(f"Filter plugins: {filters}")
        if self.attempt.skipped_scores:
            lines.append(f"Score plugins skipped: {', '.join(self.attempt.skipped_scores)}")
        table = self._table()
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        for r in table:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        table = self._table()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in table[0])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in table[1:])
        message = f"<p>{html.escape(self.message)}</p>" if self.message else ""
        return (f"<p><b>{html.escape(self._header())}</b></p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>{message}")
