"""Leader election over a Lease (client-go tools/leaderelection with resourcelock.LeaseLock).

Several replicas of a component (``--leader-elect``) compete for one
``coordination.k8s.io/v1`` Lease; the holder runs, the others wait. The
record in the Lease's spec is ``holderIdentity``, ``leaseDurationSeconds``,
``acquireTime``, ``renewTime`` and ``leaseTransitions``.

* A candidate tries to acquire at once, then every ``retry_period`` stretched
  by up to ``JITTER_FACTOR`` (2 s to 4.4 s with the defaults).
* It may take the Lease when it is free, or when the record has not changed
  for ``lease_duration`` (15 s) *as measured on the candidate's own clock since
  it last saw the record change*: client-go never trusts the timestamps in the
  record, only their changing.
* The leader renews every ``retry_period`` (2 s). A renewal round that keeps
  failing for ``renew_deadline`` (10 s) ends the leadership: the leader stops
  (kube-controller-manager and kube-scheduler then exit) before any other
  candidate may take over, since 2 s + 10 s < 15 s.
* Taking the Lease from another holder adds one to ``leaseTransitions``;
  ``acquireTime`` is kept while the same holder renews.
* The lock records ``LeaderElection`` events on the Lease:
  ``"<identity> became leader"`` and ``"<identity> stopped leading"``.

As client-go says, this is no fencing: the timings, not a lock, keep two
leaders from acting at once. simplified: a failing renewal round tries at
0, 2, 4, 6 and 8 s and gives up at 10 s (Go's poller may race one more try).
"""
from __future__ import annotations

from typing import Callable

from .. import errors
from ..api.meta import format_micro_time
from .events import EventRecorder

__all__ = ["LeaderElector", "LeaseLock", "LEASE_DURATION", "RENEW_DEADLINE", "RETRY_PERIOD", "JITTER_FACTOR"]

#: the core components' defaults (--leader-elect-lease-duration, -renew-deadline, -retry-period)
LEASE_DURATION = 15.0
RENEW_DEADLINE = 10.0
RETRY_PERIOD = 2.0
#: wait.JitterUntil's factor for the acquire loop
JITTER_FACTOR = 1.2


class LeaseLock:
    """resourcelock.LeaseLock: the election record kept in a Lease's spec."""

    def __init__(self, api, namespace: str, name: str, identity: str, *, recorder: EventRecorder | None = None):
        self.api, self.namespace, self.name, self.identity = api, namespace, name, identity
        self.recorder = recorder
        self.lease: dict | None = None          # the Lease as last read or written (its resourceVersion)

    def get(self) -> dict:
        """The record in the Lease (NotFound if there is none yet)."""
        self.lease = self.api.get("leases", self.name, namespace=self.namespace)
        return _record(self.lease.get("spec") or {})

    def create(self, record: dict) -> None:
        self.lease = self.api.create({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                      "metadata": {"name": self.name, "namespace": self.namespace},
                                      "spec": dict(record)})

    def update(self, record: dict) -> None:
        """Write ``record`` over the Lease last seen; 409 Conflict if someone wrote since."""
        if self.lease is None:
            raise errors.BadRequest("lease not initialized, call get or create first")
        self.lease = self.api.update(dict(self.lease, spec=dict(record)))

    def record_event(self, what: str) -> None:
        if self.recorder is not None and self.lease is not None:
            self.recorder.event(self.lease, "Normal", "LeaderElection", f"{self.identity} {what}")

    def describe(self) -> str:
        return f"{self.namespace}/{self.name}"


def _record(spec: dict) -> dict:
    """LeaseSpecToLeaderElectionRecord: absent fields read as empty."""
    return {"holderIdentity": spec.get("holderIdentity") or "",
            "leaseDurationSeconds": spec.get("leaseDurationSeconds") or 0,
            "acquireTime": spec.get("acquireTime"), "renewTime": spec.get("renewTime"),
            "leaseTransitions": spec.get("leaseTransitions") or 0}


class LeaderElector:
    """One candidate: ``run()`` to campaign, ``cancel()`` to step down, ``kill()`` when the
    process dies (nothing more happens: no callback, no release).

    ``on_started_leading()`` runs when the Lease is won; ``on_stopped_leading()`` when the
    leadership ends or the campaign is cancelled (client-go calls it from Run's defer);
    ``on_new_leader(identity)`` whenever a different holder is observed.
    """

    def __init__(self, lock: LeaseLock, loop, *, rng, on_started_leading: Callable[[], None],
                 on_stopped_leading: Callable[[], None], on_new_leader: Callable[[str], None] | None = None,
                 lease_duration: float = LEASE_DURATION, renew_deadline: float = RENEW_DEADLINE,
                 retry_period: float = RETRY_PERIOD, release_on_cancel: bool = False, name: str = ""):
        if lease_duration <= renew_deadline:
            raise ValueError("leaseDuration must be greater than renewDeadline")
        if renew_deadline <= JITTER_FACTOR * retry_period:
            raise ValueError("renewDeadline must be greater than retryPeriod*JitterFactor")
        if retry_period <= 0:
            raise ValueError("retryPeriod must be greater than zero")
        self.lock, self.loop, self.rng = lock, loop, rng
        self.on_started_leading, self.on_stopped_leading = on_started_leading, on_stopped_leading
        self.on_new_leader = on_new_leader
        self.lease_duration, self.renew_deadline, self.retry_period = lease_duration, renew_deadline, retry_period
        self.release_on_cancel = release_on_cancel
        self.name = name or lock.identity
        self.observed: dict = {}                 # the record last seen or written
        self.observed_time = 0.0                 # when it was (this candidate's clock)
        self._observed_raw: dict | None = None
        self._reported_leader = ""
        self._timer = None
        self._round_start = 0.0
        self.leading = False
        self.running = False

    # -- the campaign ---------------------------------------------------------------
    def run(self) -> None:
        """Start campaigning: the first attempt is made now."""
        self.running = True
        self._acquire_step()

    def cancel(self) -> None:
        """The run context is cancelled: stop, release if asked to, call on_stopped_leading."""
        if not self.running:
            return
        self._halt()
        if self.leading:
            self.leading = False
            self.lock.record_event("stopped leading")
            if self.release_on_cancel:
                self._release()
        self.on_stopped_leading()

    def kill(self) -> None:
        """The process dies: its timers stop and the Lease stays as it was."""
        self._halt()
        self.leading = False

    def _halt(self) -> None:
        self.running = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _later(self, delay: float, fn) -> None:
        self._timer = self.loop.later(delay, fn, self.name, daemon=True)

    def _acquire_step(self) -> None:
        """acquire: one try; on failure wait a jittered retry period (wait.JitterUntil)."""
        self._timer = None
        won = self._try_acquire_or_renew()
        self._maybe_report_transition()
        if not won:
            self._later(self.retry_period * (1 + self.rng.random() * JITTER_FACTOR), self._acquire_step)
            return
        self.lock.record_event("became leader")
        self.leading = True
        self.on_started_leading()
        if self.leading:                         # renew: the first round starts at once (wait.Until)
            self._round_start = self.loop.clock.seconds
            self._renew_step()

    def _renew_step(self) -> None:
        """renew: a round tries every retry period until it succeeds or renew_deadline passes."""
        self._timer = None
        now = self.loop.clock.seconds
        if self._try_acquire_or_renew():
            self._maybe_report_transition()
            self._round_start = now + self.retry_period
            self._later(self.retry_period, self._renew_step)
            return
        self._maybe_report_transition()
        if now + self.retry_period < self._round_start + self.renew_deadline:
            self._later(self.retry_period, self._renew_step)
            return
        self._timer = self.loop.later(self._round_start + self.renew_deadline - now, self._lost, self.name,
                                      daemon=True)

    def _lost(self) -> None:
        """The renewal round ran out of time: the leadership is over."""
        self._timer = None
        self.running = self.leading = False
        self.lock.record_event("stopped leading")
        if self.release_on_cancel:
            self._release()
        self.on_stopped_leading()

    # -- one attempt ----------------------------------------------------------------------
    def is_leader(self) -> bool:
        """IsLeader: the last observed holder is this candidate."""
        return self.observed.get("holderIdentity") == self.lock.identity

    def get_leader(self) -> str:
        return self.observed.get("holderIdentity", "")

    def _lease_valid(self, now: float) -> bool:
        return self.observed_time + (self.observed.get("leaseDurationSeconds") or 0) > now

    def _set_observed(self, record: dict) -> None:
        self.observed = dict(record)
        self.observed_time = self.loop.clock.seconds

    def _try_acquire_or_renew(self) -> bool:
        """tryAcquireOrRenew: the fast path for a leader, else read, judge, write."""
        now = self.loop.clock.seconds
        stamp = format_micro_time(self.loop.clock.now())
        record = {"holderIdentity": self.lock.identity, "leaseDurationSeconds": int(self.lease_duration),
                  "acquireTime": stamp, "renewTime": stamp, "leaseTransitions": 0}
        if self.is_leader() and self._lease_valid(now):         # 1. optimistic renewal
            record.update(acquireTime=self.observed["acquireTime"],
                          leaseTransitions=self.observed["leaseTransitions"])
            try:
                self.lock.update(record)
                self._set_observed(record)
                return True
            except errors.ApiError:
                pass                                            # fall back to the slow path
        try:                                                    # 2. read (or create) the record
            old = self.lock.get()
        except errors.NotFound:
            try:
                self.lock.create(record)
            except errors.ApiError:
                return False
            self._set_observed(record)
            return True
        except errors.ApiError:
            return False
        if old != self._observed_raw:                           # 3. a change restarts the clock
            self._set_observed(old)
            self._observed_raw = old
        if old["holderIdentity"] and self._lease_valid(now) and not self.is_leader():
            return False
        if self.is_leader():                                    # 4. renew, or take over
            record.update(acquireTime=old["acquireTime"], leaseTransitions=old["leaseTransitions"])
        else:
            record["leaseTransitions"] = old["leaseTransitions"] + 1
        try:
            self.lock.update(record)
        except errors.ApiError:
            return False
        self._set_observed(record)
        return True

    def _release(self) -> None:
        """release: an empty holder and a one-second lease, so others need not wait."""
        if not self.is_leader():
            return
        stamp = format_micro_time(self.loop.clock.now())
        record = {"holderIdentity": "", "leaseDurationSeconds": 1, "acquireTime": stamp, "renewTime": stamp,
                  "leaseTransitions": self.observed.get("leaseTransitions", 0)}
        try:
            self.lock.update(record)
        except errors.ApiError:
            return
        self._set_observed(record)

    def _maybe_report_transition(self) -> None:
        holder = self.observed.get("holderIdentity", "")
        if holder == self._reported_leader:
            return
        self._reported_leader = holder
        if self.on_new_leader is not None:
            self.on_new_leader(holder)
