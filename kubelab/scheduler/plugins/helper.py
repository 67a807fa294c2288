"""Helpers shared by score plugins (pkg/scheduler/framework/plugins/helper)."""
from __future__ import annotations

__all__ = ["default_normalize_score", "go_div"]


def go_div(a: int, b: int) -> int:
    """Go's integer division, which truncates toward zero (Python's // floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def default_normalize_score(max_priority: int, reverse: bool, scores: list[int]) -> list[int]:
    """DefaultNormalizeScore: scale to [0, max_priority] by the highest score;
    ``reverse`` turns it upside down. All zero: 0 everywhere (max_priority if reversed)."""
    max_count = max(scores, default=0)
    if max_count <= 0:
        return [max_priority] * len(scores) if reverse else list(scores)
    scaled = [go_div(max_priority * s, max_count) for s in scores]
    return [max_priority - s for s in scaled] if reverse else scaled
