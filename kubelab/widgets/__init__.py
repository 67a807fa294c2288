"""Live widgets (ipywidgets 8, JupyterLab 4): thin views over a cluster's state.

    from kubelab import widgets as kw
    kw.ClusterView(c)            # nodes and their Pods, redrawn as the cluster runs
    kw.Timeline(c)               # travel through revisions; Play / Pause / Step
    kw.ApplyEditor(c, yaml)      # Apply / Delete, field errors inline
    kw.SchedulerExplainer(c)     # every node's Filter verdict and scores for a Pod
    kw.PodInside(c, "web-x")     # pause and containers, by shared namespace
    kw.RolloutPlayer(yaml, "nginx:1.27")   # ReplicaSets old vs new during a rollout
    kw.ArchitectureTrace(c, yaml)          # what happened for one kubectl apply
    kw.PriorityPlayground()                # Borg's priority bands and preemption

Each widget has a Python API to drive it (press a button, set a slider, pick a
Pod) and to read what it shows (``.text``, ``.rows``, ``.html``, ``.svg``).
Classes load on first use; ``import kubelab`` never loads this package.
"""
from __future__ import annotations

import importlib

__all__ = ["ApplyEditor", "ArchitectureTrace", "ClusterView", "LiveDriver", "PodInside", "PriorityPlayground",
           "RolloutPlayer", "SchedulerExplainer", "Timeline", "refresh_views"]

_HOMES = {"ApplyEditor": "editor", "ArchitectureTrace": "trace", "ClusterView": "cluster", "LiveDriver": "live",
          "PodInside": "podinside", "PriorityPlayground": "priority", "RolloutPlayer": "rollout",
          "SchedulerExplainer": "explainer", "Timeline": "timeline", "refresh_views": "base"}


def __getattr__(name: str):
    if name in _HOMES:
        value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
