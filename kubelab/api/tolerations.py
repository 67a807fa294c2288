"""Taints and tolerations: Toleration.ToleratesTaint (k8s.io/api/core/v1) and the
helpers the scheduler and the taint manager build on it
(k8s.io/component-helpers/scheduling/corev1).

A node's taint ``{key: dedicated, value: gpu, effect: NoSchedule}`` repels
every pod that has no toleration for it::

    >>> tolerates({"key": "dedicated", "operator": "Equal", "value": "gpu"},
    ...           {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"})
    True

Tolerations and taints are the plain dicts of a Pod's ``spec.tolerations`` and
a Node's ``spec.taints``; a missing field reads as "".
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = [
    "tolerates", "tolerates_taints", "untolerated_taint", "format_taint",
    "DO_NOT_SCHEDULE_EFFECTS",
]

# The effects the scheduler's TaintToleration filter enforces
# (helper.DoNotScheduleTaintsFilterFunc); PreferNoSchedule only lowers a score.
DO_NOT_SCHEDULE_EFFECTS = ("NoSchedule", "NoExecute")

_INT64 = re.compile(r"[+-]?[0-9]+")


def tolerates(toleration: Mapping, taint: Mapping) -> bool:
    """Toleration.ToleratesTaint:

    1. an empty toleration effect matches every effect, otherwise the effects
       must be equal;
    2. an empty toleration key matches every key, otherwise the keys must be
       equal;
    3. operator Exists matches any value; Equal (also an empty operator)
       needs equal values; Lt and Gt compare integer values, taint against
       toleration (Kubernetes 1.35, feature gate TaintTolerationComparisonOperators).
    """
    effect = toleration.get("effect") or ""
    if effect and effect != (taint.get("effect") or ""):
        return False
    key = toleration.get("key") or ""
    if key and key != (taint.get("key") or ""):
        return False
    operator = toleration.get("operator") or ""
    value = toleration.get("value") or ""
    taint_value = taint.get("value") or ""
    if operator in ("", "Equal"):
        return value == taint_value
    if operator == "Exists":
        return True
    if operator in ("Lt", "Gt"):
        bound, actual = _parse_int64(value), _parse_int64(taint_value)
        if bound is None or actual is None:
            return False
        return actual < bound if operator == "Lt" else actual > bound
    return False


def tolerates_taints(tolerations: Iterable[Mapping] | None, taints: Iterable[Mapping] | None,
                     effects: Iterable[str] | None = None) -> bool:
    """Whether every taint (only those with one of ``effects``, when given) is
    tolerated by at least one toleration."""
    return untolerated_taint(tolerations, taints, effects) is None


def untolerated_taint(tolerations: Iterable[Mapping] | None, taints: Iterable[Mapping] | None,
                      effects: Iterable[str] | None = None) -> Mapping | None:
    """FindMatchingUntoleratedTaint: the first taint, in the node's order, whose
    effect is in ``effects`` (all effects when None) and that no toleration
    tolerates; None when there is none. The TaintToleration filter passes
    DO_NOT_SCHEDULE_EFFECTS."""
    tolerations = list(tolerations or ())
    wanted = None if effects is None else set(effects)
    for taint in taints or ():
        if wanted is not None and (taint.get("effect") or "") not in wanted:
            continue
        if not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def format_taint(taint: Mapping) -> str:
    """A taint as the TaintToleration filter reports it: ``{key: value}``.
    A taint without a value keeps the separator: ``{node-role.kubernetes.io/control-plane: }``.
    The filter's full reason is ``node(s) had untolerated taint {dedicated: gpu}``."""
    return f"{{{taint.get('key') or ''}: {taint.get('value') or ''}}}"


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None where Go returns an error."""
    if not _INT64.fullmatch(text):
        return None
    number = int(text)
    return number if -2**63 <= number < 2**63 else None
