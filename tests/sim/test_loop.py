"""The deterministic loop: FIFO at an instant, timers in time order, settling."""
import pytest

from kubelab.sim import EPOCH, Clock, Loop, NotSettled


def test_the_clock_starts_at_a_fixed_instant():
    assert Clock().now() == EPOCH


def test_callbacks_run_first_in_first_out_then_timers_in_time_order():
    loop, seen = Loop(Clock()), []
    loop.later(5, lambda: seen.append(("t5", loop.clock.seconds)), "x")
    loop.later(1, lambda: seen.append(("t1", loop.clock.seconds)), "x")
    loop.soon(lambda: seen.append(("a", loop.clock.seconds)), "x")
    loop.soon(lambda: seen.append(("b", loop.clock.seconds)), "x")
    loop.run()
    assert seen == [("a", 0), ("b", 0), ("t1", 1), ("t5", 5)]


def test_timers_at_the_same_instant_fire_in_the_order_they_were_set():
    loop, seen = Loop(Clock()), []
    for name in "abc":
        loop.at(3, lambda n=name: seen.append(n), "x")
    loop.run()
    assert seen == ["a", "b", "c"]


def test_run_with_seconds_stops_at_the_deadline_and_moves_the_clock_there():
    loop, seen = Loop(Clock()), []
    loop.later(10, lambda: seen.append(10), "x")
    loop.later(30, lambda: seen.append(30), "x")
    loop.run(20)
    assert seen == [10] and loop.clock.seconds == 20


def test_daemon_timers_do_not_keep_run_from_settling():
    loop, beats = Loop(Clock()), []

    def heartbeat():
        beats.append(loop.clock.seconds)
        loop.later(10, heartbeat, "kubelet", daemon=True)
    loop.later(10, heartbeat, "kubelet", daemon=True)
    loop.later(25, lambda: None, "job")
    loop.run()
    assert beats == [10, 20] and loop.clock.seconds == 25


def test_cancelled_timers_never_fire():
    loop, seen = Loop(Clock()), []
    t = loop.later(1, lambda: seen.append(1), "x")
    t.cancel()
    loop.run()
    assert seen == [] and loop.idle


def test_a_component_that_never_settles_is_named():
    loop = Loop(Clock())

    def again():
        loop.later(60, again, "cronjob-controller")
    loop.later(60, again, "cronjob-controller")
    with pytest.raises(NotSettled, match="cronjob-controller keeps scheduling work") as e:
        loop.run()
    assert e.value.owner == "cronjob-controller"


def test_a_livelock_at_one_instant_is_named():
    loop = Loop(Clock())
    loop.MAX_STEPS_PER_INSTANT = 100

    def ping():
        loop.soon(ping, "fighting-controller")
    loop.soon(ping, "fighting-controller")
    with pytest.raises(NotSettled, match="fighting-controller ran 101 times"):
        loop.run()
