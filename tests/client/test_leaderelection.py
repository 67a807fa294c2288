"""LeaderElector over a Lease, with client-go's semantics and timings.

client-go tools/leaderelection (LeaseLock): the record lives in the Lease's spec;
core components use leaseDuration 15 s, renewDeadline 10 s, retryPeriod 2 s;
candidates retry every retryPeriod * (1 + rand * 1.2) (wait.JitterUntil, JitterFactor 1.2).
"""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.client.events import EventRecorder
from kubelab.client.leaderelection import JITTER_FACTOR, LeaderElector, LeaseLock

LEASE, DEADLINE, RETRY = 15.0, 10.0, 2.0


class Candidate:
    """One campaigning process, recording what happened to it."""

    def __init__(self, c, name, api=None, **options):
        self.log = []
        api = api or c.api
        lock = LeaseLock(api, "kube-system", "demo", f"{name}_id", recorder=EventRecorder(api, "demo"))
        self.elector = LeaderElector(lock, c.loop, rng=c.rng, name=name,
                                     on_started_leading=lambda: self.log.append((c.clock.seconds, "started")),
                                     on_stopped_leading=lambda: self.log.append((c.clock.seconds, "stopped")),
                                     on_new_leader=lambda who: self.log.append((c.clock.seconds, "new " + who)),
                                     **options)
        self.elector.run()


class Unreachable:
    """An API client whose requests all fail, as across a network partition."""

    def __init__(self, api):
        self.api, self.cut = api, False

    def __getattr__(self, attr):
        target = getattr(self.api, attr)
        if self.cut and attr in ("get", "create", "update"):
            def refused(*args, **kwargs):
                raise errors.ServiceUnavailable("The connection to the server was refused")
            return refused
        return target


def lease(c):
    return c.get("lease", "demo", namespace="kube-system")["spec"]


def test_the_first_candidate_creates_the_lease_and_records_becoming_leader():
    c = kl.Cluster(nodes=0)
    a = Candidate(c, "a")
    assert a.elector.leading and a.log[:2] == [(0.0, "new a_id"), (0.0, "started")]
    assert lease(c) == {"holderIdentity": "a_id", "leaseDurationSeconds": 15, "leaseTransitions": 0,
                        "acquireTime": "2025-01-01T00:00:00.000000Z", "renewTime": "2025-01-01T00:00:00.000000Z"}
    # resourcelock.LeaseLock.RecordEvent: a Normal LeaderElection event on the Lease
    [event] = [e for e in c.events("kube-system") if e["reason"] == "LeaderElection"]
    assert event["message"] == "a_id became leader"
    assert (event["involvedObject"]["kind"], event["involvedObject"]["name"]) == ("Lease", "demo")


def test_the_leader_renews_every_retry_period_and_keeps_its_acquire_time():
    c = kl.Cluster(nodes=0)
    Candidate(c, "a")
    c.run(11)
    spec = lease(c)
    assert spec["renewTime"] == "2025-01-01T00:00:10.000000Z"       # renewed at 2, 4, ..., 10 s
    assert spec["acquireTime"] == "2025-01-01T00:00:00.000000Z"


def test_a_follower_never_takes_a_lease_that_keeps_being_renewed():
    c = kl.Cluster(nodes=0)
    a, b = Candidate(c, "a"), Candidate(c, "b")
    c.run(120)
    assert a.elector.leading and not b.elector.leading
    assert b.elector.get_leader() == "a_id" and lease(c)["leaseTransitions"] == 0


def test_a_dead_leaders_lease_is_taken_after_lease_duration_without_a_renewal():
    c = kl.Cluster(nodes=0)
    a, b = Candidate(c, "a"), Candidate(c, "b")
    c.run(31)
    last_renew = 30.0
    a.elector.kill()
    c.run(40)
    [(took, _)] = [entry for entry in b.log if entry[1] == "started"]
    # b measures 15 s on its own clock from the last change it saw; it looks every 2-4.4 s,
    # so it sees the last renewal up to 4.4 s late and notices the expiry up to 4.4 s late
    assert LEASE <= took - last_renew <= LEASE + 2 * RETRY * (1 + JITTER_FACTOR)
    spec = lease(c)
    assert spec["holderIdentity"] == "b_id" and spec["leaseTransitions"] == 1
    assert (took, "new b_id") in b.log


def test_a_leader_that_cannot_renew_stops_after_the_renew_deadline_before_anyone_may_take_over():
    c = kl.Cluster(nodes=0)
    link = Unreachable(c.api)
    a, b = Candidate(c, "a", api=link), Candidate(c, "b")
    c.run(21)                         # last successful renewal at 20 s
    link.cut = True
    c.run(40)
    [(stopped, _)] = [entry for entry in a.log if entry[1] == "stopped"]
    [(took, _)] = [entry for entry in b.log if entry[1] == "started"]
    # the next renewal round starts at 22 s and gives up 10 s later: 32 s, while b may
    # take over no earlier than 20 + 15 = 35 s
    assert stopped == 32.0
    assert took >= 20 + LEASE > stopped
    assert not a.elector.leading and b.elector.leading


def test_a_leader_that_releases_on_cancel_lets_the_next_candidate_in_at_once():
    c = kl.Cluster(nodes=0)
    a = Candidate(c, "a", release_on_cancel=True)
    b = Candidate(c, "b")
    c.run(10)
    a.elector.cancel()
    spec = lease(c)
    # release(): an empty holder and a one-second lease
    assert (spec["holderIdentity"], spec["leaseDurationSeconds"]) == ("", 1)
    assert a.log[-1] == (10.0, "stopped")
    c.run(5)
    assert b.elector.leading and lease(c)["leaseTransitions"] == 1


@pytest.mark.parametrize("durations, message", [
    # NewLeaderElector's checks
    ({"lease_duration": 10, "renew_deadline": 10}, "leaseDuration must be greater than renewDeadline"),
    ({"renew_deadline": 2, "retry_period": 2}, "renewDeadline must be greater than retryPeriod*JitterFactor"),
])
def test_inconsistent_timings_are_refused(durations, message):
    c = kl.Cluster(nodes=0)
    lock = LeaseLock(c.api, "kube-system", "demo", "a")
    with pytest.raises(ValueError, match=message.replace("*", r"\*")):
        LeaderElector(lock, c.loop, rng=c.rng, on_started_leading=print, on_stopped_leading=print, **durations)
