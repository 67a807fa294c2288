"""Affinity selectors, shared by the scheduler and the DaemonSet controller as
k8s.io/component-helpers shares them: node affinity (nodeaffinity.RequiredNodeAffinity)
and pod affinity terms (the scheduler framework's AffinityTerm).

Node selector terms are ORed; inside a term, the expressions (on labels) and
fields (only ``metadata.name``) are ANDed; a term with neither matches no node.
Operators: In, NotIn, Exists, DoesNotExist, Gt, Lt (integers).
"""
from __future__ import annotations

from .labels import SelectorError, selector_from_label_selector

__all__ = ["RequiredNodeAffinity", "node_selector_term_matches", "AffinityTerm", "affinity_terms",
           "weighted_affinity_terms"]


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _requirement_matches(req: dict, value_of) -> bool:
    op, key, values = req.get("operator"), req.get("key", ""), req.get("values") or []
    present, value = value_of(key)
    if op == "In":
        return present and value in values
    if op == "NotIn":
        return not present or value not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt") and present and len(values) == 1:
        have, bound = _int(value), _int(values[0])
        if have is None or bound is None:
            return False
        return have > bound if op == "Gt" else have < bound
    return False


def node_selector_term_matches(term: dict, node: dict) -> bool:
    """One NodeSelectorTerm against a Node: every expression and field must match."""
    exprs, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not exprs and not fields:
        return False
    labels = node["metadata"].get("labels") or {}
    name = node["metadata"]["name"]

    def label(key):
        return key in labels, labels.get(key)

    def field(key):
        return (True, name) if key == "metadata.name" else (False, None)

    return all(_requirement_matches(e, label) for e in exprs) and all(_requirement_matches(f, field) for f in fields)


class RequiredNodeAffinity:
    """A Pod's ``spec.nodeSelector`` and required node affinity, ANDed."""

    __slots__ = ("node_selector", "terms")

    def __init__(self, pod: dict):
        spec = pod.get("spec") or {}
        self.node_selector = spec.get("nodeSelector") or None
        required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution")
        self.terms = None if required is None else (required.get("nodeSelectorTerms") or [])

    def empty(self) -> bool:
        return self.node_selector is None and self.terms is None

    def match(self, node: dict) -> bool:
        if self.node_selector:
            labels = node["metadata"].get("labels") or {}
            if any(labels.get(k) != v for k, v in self.node_selector.items()):
                return False
        if self.terms is not None:
            return any(node_selector_term_matches(t, node) for t in self.terms)
        return True


class AffinityTerm:
    """A processed PodAffinityTerm: the namespaces it looks in, its label
    selector and its topology key (framework.AffinityTerm)."""

    __slots__ = ("namespaces", "namespace_selector", "selector", "topology_key", "weight")

    def __init__(self, pod: dict, term: dict, weight: int = 0):
        ns_selector = term.get("namespaceSelector")
        namespaces = term.get("namespaces") or []
        # getNamespacesFromPodAffinityTerm: no namespaces and no selector means the pod's own
        if not namespaces and ns_selector is None:
            namespaces = [pod["metadata"].get("namespace") or "default"]
        self.namespaces = frozenset(namespaces)
        try:
            self.namespace_selector = selector_from_label_selector(ns_selector)
            self.selector = selector_from_label_selector(term.get("labelSelector"))
        except SelectorError:
            from ..api.labels import Selector
            self.namespace_selector = self.selector = Selector.nothing()
        self.topology_key = term.get("topologyKey", "")
        self.weight = weight

    def matches(self, pod: dict, namespace_labels: dict | None) -> bool:
        """AffinityTerm.Matches: the pod is in one of the namespaces (by name or
        by the namespace selector) and its labels match."""
        meta = pod["metadata"]
        if meta.get("namespace") in self.namespaces or (
                namespace_labels is not None and self.namespace_selector.matches(namespace_labels)):
            return self.selector.matches(meta.get("labels") or {})
        return False


def affinity_terms(pod: dict, kind: str) -> list[AffinityTerm]:
    """Required terms of ``podAffinity`` or ``podAntiAffinity``."""
    section = ((pod.get("spec") or {}).get("affinity") or {}).get(kind) or {}
    return [AffinityTerm(pod, t) for t in section.get("requiredDuringSchedulingIgnoredDuringExecution") or []]


def weighted_affinity_terms(pod: dict, kind: str) -> list[AffinityTerm]:
    """Preferred (weighted) terms of ``podAffinity`` or ``podAntiAffinity``."""
    section = ((pod.get("spec") or {}).get("affinity") or {}).get(kind) or {}
    return [AffinityTerm(pod, t.get("podAffinityTerm") or {}, t.get("weight", 0))
            for t in section.get("preferredDuringSchedulingIgnoredDuringExecution") or []]
