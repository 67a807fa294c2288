"""The lab's own application, for the exercises: ``registry.example.com/shop``.

A web shop written for kubelab (there is no such public image): a Go-style server
whose behaviour its environment sets, so that an exercise can give it the habits
of real applications — a slow start, a deadlock, a memory peak:

==================  ==========  ================================================================
variable            default     what it does
==================  ==========  ================================================================
``PORT``            8080        the HTTP port
``WARMUP_SECONDS``  5           it loads its catalogue for this long before it opens ``PORT``
                                (until then, connections are refused)
``DEADLOCK_AFTER``  (never)     seconds after it opened; then its request workers deadlock:
                                every request hangs (no answer, ever) while the process and its
                                listening socket stay up
``MEMORY``          64Mi        the memory it holds once warm (half of it while warming up)
``MEMORY_PEAK``     (MEMORY)    what it holds while it rebuilds its search index: 10 s of every
                                minute, starting one minute after it opened
``CPU``             10m         the CPU it uses
==================  ==========  ================================================================

Endpoints: ``/healthz`` answers 200 ``ok`` while the server works; ``/ready`` answers
200 ``ready``, or 503 ``draining`` while the file ``/tmp/drain`` exists (the operators'
switch to take one replica out of rotation); ``/`` is the front page. SIGTERM: it logs
``shutting down`` and exits 0. The image has a busybox userland (``sh``, ``wget``, ``touch``).
"""
from __future__ import annotations

import math

from ..api.quantity import QuantityError, parse_quantity
from .network import AddressInUse, HttpResponse
from .process import BLOCK, SIGTERM, Sleep

__all__ = ["PROGRAMS", "shop", "PEAK_EVERY", "PEAK_SECONDS"]

MiB = 1024 * 1024
#: the index rebuild: every PEAK_EVERY seconds after the shop opened, for PEAK_SECONDS
PEAK_EVERY, PEAK_SECONDS = 60.0, 10.0


def _bytes(text: str | None, default: int) -> int:
    try:
        return parse_quantity(text).value() if text else default
    except QuantityError:
        return default


def _millis(text: str | None, default: int) -> int:
    try:
        return parse_quantity(text).milli_value() if text else default
    except QuantityError:
        return default


def _seconds(text: str | None, default: float | None) -> float | None:
    try:
        return float(str(text).rstrip("s")) if text else default
    except ValueError:
        return default


def _next_change(elapsed: float) -> tuple[float, bool]:
    """(when the memory use changes next, whether it is at the peak after that)."""
    phase = elapsed % PEAK_EVERY
    if elapsed >= PEAK_EVERY and phase < PEAK_SECONDS:
        return elapsed - phase + PEAK_SECONDS, False
    return (elapsed // PEAK_EVERY + 1) * PEAK_EVERY, True


def shop(proc):
    env = proc.env
    version = env.get("SHOP_VERSION", "1.4.2")
    port = int(env.get("PORT", "8080"))
    warmup = _seconds(env.get("WARMUP_SECONDS"), 5.0)
    deadlock_after = _seconds(env.get("DEADLOCK_AFTER"), None)
    memory = _bytes(env.get("MEMORY"), 64 * MiB)
    peak = max(_bytes(env.get("MEMORY_PEAK"), memory), memory)
    state = {"deadlocked": False}

    def log(text: str) -> None:
        proc.err(f"{proc.now():%Y/%m/%d %H:%M:%S} {text}\n")

    def handle(req):
        if state["deadlocked"]:
            return HttpResponse(503, "", delay=math.inf)
        path = req.path.split("?", 1)[0]
        if path == "/healthz":
            return HttpResponse(200, "ok")
        if path == "/ready":
            if proc.fs.exists("/tmp/drain"):
                return HttpResponse(503, "draining")
            return HttpResponse(200, "ready")
        if path == "/":
            return HttpResponse(200, f"Welcome to the shop (version {version}), served by {proc.sandbox.hostname}\n",
                                "text/html")
        return HttpResponse(404, "404 page not found\n")

    proc.trap(SIGTERM, 0, say=lambda: f"{proc.now():%Y/%m/%d %H:%M:%S} shutting down\n")
    proc.use(cpu_millis=_millis(env.get("CPU"), 10), memory_bytes=memory // 2)
    log(f"shop {version} starting: loading the catalogue")
    if warmup:
        yield Sleep(warmup)
    try:
        proc.listen(port, handle)
    except AddressInUse:
        log(f"listen tcp :{port}: bind: address already in use")
        return 1
    proc.use(memory_bytes=memory)
    log(f"catalogue loaded in {warmup:g}s; listening on :{port}")
    elapsed = 0.0
    while True:
        change, at_peak = _next_change(elapsed) if peak > memory else (math.inf, False)
        deadlock = deadlock_after if deadlock_after is not None and not state["deadlocked"] else math.inf
        until = min(change, deadlock)
        if until == math.inf:
            yield BLOCK
        yield Sleep(until - elapsed)
        elapsed = until
        if until == deadlock:
            state["deadlocked"] = True
        if until == change:
            proc.use(memory_bytes=peak if at_peak else memory)


PROGRAMS = {"shop": {"shop": shop}}
