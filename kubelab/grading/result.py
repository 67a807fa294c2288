"""What a grading run returns: one CheckResult per check, and the Result of an exercise.

A Result prints as a short verdict (``str(result)``), shows as a table in a
notebook (``_repr_html_``) and travels as JSON between the batch grader's
processes (``to_dict``/``from_dict``). Its repr is deterministic, so notebook
outputs can be compared run to run.
"""
from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field

__all__ = ["CheckResult", "Result"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: the reason says what the cluster showed, the hint what to try."""

    id: str
    title: str
    passed: bool
    hidden: bool = False
    reason: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Result:
    """An exercise's checks, public and hidden; green only when every one passes."""

    exercise: str
    title: str
    checks: tuple[CheckResult, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def score(self) -> int:
        return sum(1 for c in self.checks if c.passed)

    @property
    def max(self) -> int:
        return len(self.checks)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def hidden(self) -> int:
        return sum(1 for c in self.checks if c.hidden)

    def __repr__(self) -> str:
        state = "all checks pass" if self.passed else "not yet"
        return f"<Result {self.exercise}: {self.score}/{self.max}, {state}>"

    def __str__(self) -> str:
        return self.verdict()

    def verdict(self) -> str:
        """The text ``check()`` prints: a headline, then one line per check, with the
        reason and one hint under each failed one."""
        public = len(self.checks) - self.hidden
        kinds = f"{public} public, {self.hidden} hidden"
        if self.passed:
            head = f"✔ {self.exercise} ({self.title}): all {len(self.checks)} checks pass ({kinds})."
        else:
            head = (f"✘ {self.exercise} ({self.title}): not yet, {self.score} of {self.max} "
                    f"checks pass ({kinds}).")
        lines, first = [head], {}
        for c in self.checks:
            label = f"hidden: {c.title}" if c.hidden else c.title
            lines.append(f"  {'✔' if c.passed else '✘'} {c.id}: {label}")
            if c.passed:
                continue
            if c.reason in first:                     # one root cause, said once
                lines.append(_indent(f"(the same reason as {first[c.reason]})"))
                continue
            first[c.reason] = c.id
            if c.reason:
                lines.append(_indent("reason: " + c.reason))
            if c.hint:
                lines.append(_indent("hint: " + c.hint))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#b35900"
        state = "all checks pass" if self.passed else f"not yet: {self.score}/{self.max}"
        rows = []
        for c in self.checks:
            detail = "" if c.passed else "<br>".join(
                f"<b>{k}:</b> {html.escape(v)}" for k, v in (("reason", c.reason), ("hint", c.hint)) if v)
            title = ("<i>hidden:</i> " if c.hidden else "") + html.escape(c.title)
            rows.append(f"<tr><td>{'✔' if c.passed else '✘'}</td><td><code>{html.escape(c.id)}</code></td>"
                        f"<td>{title}</td><td>{detail}</td></tr>")
        notes = "".join(f"<p>note: {html.escape(n)}</p>" for n in self.notes)
        return (f"<p style='color:{color}'><b>{html.escape(self.exercise)}</b> ({html.escape(self.title)}): "
                f"{state}</p><table><thead><tr><th></th><th>check</th><th>what</th><th>feedback</th></tr>"
                f"</thead><tbody>{''.join(rows)}</tbody></table>{notes}")

    def to_dict(self) -> dict:
        return {"exercise": self.exercise, "title": self.title, "notes": list(self.notes),
                "checks": [asdict(c) for c in self.checks]}

    @classmethod
    def from_dict(cls, data: dict) -> "Result":
        return cls(data["exercise"], data["title"], tuple(CheckResult(**c) for c in data["checks"]),
                   tuple(data.get("notes") or ()))


def _indent(text: str, prefix: str = "      ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())
