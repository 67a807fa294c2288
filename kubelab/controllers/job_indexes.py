"""Indexed Jobs (pkg/controller/job/indexed_job_utils.go).

With ``completionMode: Indexed`` every Pod gets a completion index 0..completions-1:
the ``batch.kubernetes.io/job-completion-index`` annotation and label, the
``JOB_COMPLETION_INDEX`` environment variable (read from that label), the
hostname ``<job>-<index>`` and the name ``<job>-<index>-<5 chars>``. The Job is
complete when every index has a succeeded Pod; ``status.completedIndexes``
lists them compressed into intervals: indexes 0, 1, 2 and 4 read ``"0-2,4"``,
and a run of exactly two reads ``"5,6"``.
"""
from __future__ import annotations

import copy
import re

__all__ = [
    "INDEX_KEY", "Intervals", "add_index_to_template", "completion_index", "duplicated_index_pods",
    "first_pending_indexes", "index_generate_name", "with_index_env",
]

INDEX_KEY = "batch.kubernetes.io/job-completion-index"
ENV_NAME = "JOB_COMPLETION_INDEX"
_MAX_GENERATED_NAME = 58          # names.MaxGeneratedNameLength


def completion_index(pod: dict) -> int | None:
    """getCompletionIndex: the annotation as a non-negative int, else None."""
    value = (pod["metadata"].get("annotations") or {}).get(INDEX_KEY)
    if value is None or not re.fullmatch(r"[+-]?\d+", value) or int(value) < 0:
        return None
    return int(value)


class Intervals(tuple):
    """orderedIntervals: sorted, non-adjacent ``(first, last)`` pairs."""

    @classmethod
    def parse(cls, text: str | None, completions: int) -> "Intervals":
        """parseIndexesFromString: ``"0-2,4"`` back to intervals, clipped to completions."""
        out: list[list[int]] = []
        for part in (text or "").split(","):
            bounds = part.split("-")
            if not part or not all(re.fullmatch(r"\d+", b) for b in bounds):
                continue
            first = int(bounds[0])
            if first >= completions:
                break
            last = min(int(bounds[1]), completions - 1) if len(bounds) > 1 else first
            if out and out[-1][1] == first - 1:
                out[-1][1] = last
            else:
                out.append([first, last])
        return cls(tuple(iv) for iv in out)

    def merge(self, other) -> "Intervals":
        merged: list[list[int]] = []
        for first, last in sorted(list(self) + list(other)):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        return Intervals(tuple(iv) for iv in merged)

    def with_indexes(self, indexes) -> "Intervals":
        return self.merge((i, i) for i in indexes)

    def total(self) -> int:
        return sum(last - first + 1 for first, last in self)

    def has(self, index: int) -> bool:
        return any(first <= index <= last for first, last in self)

    def __str__(self) -> str:
        parts = []
        for first, last in self:
            if last == first:
                parts.append(str(first))
            else:
                parts.append(f"{first}{',' if last == first + 1 else '-'}{last}")
        return ",".join(parts)


def first_pending_indexes(active_pods: list[dict], succeeded: Intervals, count: int, completions: int,
                          terminating: list[dict] = ()) -> list[int]:
    """firstPendingIndexes: the lowest ``count`` indexes with no succeeded, active
    (or, under podReplacementPolicy Failed, terminating) Pod."""
    busy = succeeded.with_indexes({i for p in [*active_pods, *terminating]
                                   if (i := completion_index(p)) is not None})
    return [i for i in range(completions) if not busy.has(i)][:count]


def duplicated_index_pods(pods: list[dict], completions: int, rank) -> tuple[list[dict], list[dict]]:
    """appendDuplicatedIndexPodsForRemoval: Pods without a valid index, and all but the
    best-ranked Pod (``rank`` sorts the ones to delete first) of each repeated index,
    are to be removed; returns (remove, keep)."""
    remove, keep, by_index = [], [], {}
    for pod in pods:
        index = completion_index(pod)
        if index is None or index >= completions:
            remove.append(pod)
        else:
            by_index.setdefault(index, []).append(pod)
    for index in sorted(by_index):
        group = sorted(by_index[index], key=rank)
        remove += group[:-1]
        keep.append(group[-1])
    return remove, keep


def with_index_env(template: dict) -> dict:
    """addCompletionIndexEnvVariables: every container reads JOB_COMPLETION_INDEX from the label."""
    template = copy.deepcopy(template)
    spec = template.setdefault("spec", {})
    for ctr in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        env = ctr.setdefault("env", [])
        if not any(e.get("name") == ENV_NAME for e in env):
            env.append({"name": ENV_NAME, "valueFrom": {"fieldRef": {
                "apiVersion": "v1", "fieldPath": f"metadata.labels['{INDEX_KEY}']"}}})
    return template


def add_index_to_template(template: dict, job_name: str, index: int) -> dict:
    """The per-index annotation, label and hostname of an Indexed Job's Pod."""
    template = copy.deepcopy(template)
    meta = template.setdefault("metadata", {})
    meta.setdefault("annotations", {})[INDEX_KEY] = str(index)
    meta.setdefault("labels", {})[INDEX_KEY] = str(index)
    template.setdefault("spec", {})["hostname"] = f"{job_name}-{index}"
    return template


def index_generate_name(job_name: str, index: int) -> str:
    """podGenerateNameWithIndex: ``<job>-<index>-``, the job name cut to fit 58 characters."""
    suffix = f"-{index}-"
    prefix = job_name + suffix
    if len(prefix) > _MAX_GENERATED_NAME:
        prefix = prefix[:_MAX_GENERATED_NAME - len(suffix)] + suffix
    return prefix
