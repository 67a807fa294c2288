"""The exercises, by id. Each module builds one ``EXERCISE`` (see :mod:`..framework`);
its checks, public and hidden, live there and not in the notebooks."""
from __future__ import annotations

import importlib

__all__ = ["IDS", "load"]

#: exercise id -> module, in book order
IDS = {
    "ex01.priorities": "ex01_priorities",
    "ex03.follow": "ex03_follow",
    "ex04.sidecar": "ex04_sidecar",
    "ex05.reconcile": "ex05_reconcile",
    "ex05b.rollout": "ex05b_rollout",
    "ex06a.pending": "ex06a_pending",
    "ex06b.gpu": "ex06b_gpu",
    "ex06c.explain": "ex06c_explain",
    "ex07.cronjob": "ex07_cronjob",
    "ex08.stateful": "ex08_stateful",
    "ex09.probes": "ex09_probes",
    "ex10.resources": "ex10_resources",
    "ex11.hpa": "ex11_hpa",
    "ex12.netpol": "ex12_netpol",
    "ex13.survive": "ex13_survive",
    "ex14.capstone": "ex14_capstone",
}


def load(exercise_id: str):
    """The Exercise with this id (``KeyError`` naming the known ids otherwise)."""
    if exercise_id not in IDS:
        known = ", ".join(IDS)
        raise KeyError(f"no exercise {exercise_id!r}; the exercises are: {known}")
    return importlib.import_module(f"{__name__}.{IDS[exercise_id]}").EXERCISE
