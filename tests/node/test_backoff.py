"""client-go's flowcontrol.Backoff as the kubelet configures it: 10 s doubling to 300 s,
no jitter, forgotten after twice the maximum (pkg/kubelet: backOffPeriod, MaxContainerBackOff)."""
from kubelab.node.backoff import Backoff
from kubelab.sim import Clock


def test_delays_double_from_ten_seconds_up_to_five_minutes():
    clock = Clock()
    b = Backoff(clock)
    seen = []
    for _ in range(8):
        b.next("app", clock.seconds)
        seen.append(b.get("app"))
    assert seen == [10, 20, 40, 80, 160, 300, 300, 300]


def test_in_backoff_until_the_delay_since_the_exit_has_passed():
    clock = Clock()
    b = Backoff(clock)
    b.next("app", 0.0)
    clock.advance_to(9.5)
    assert b.in_backoff_since("app", 0.0)
    assert b.remaining_since("app", 0.0) == 0.5
    clock.advance_to(10.0)
    assert not b.in_backoff_since("app", 0.0)


def test_an_entry_untouched_for_ten_minutes_starts_over():
    # hasExpired: eventTime - lastUpdate > 2 * maxDuration
    clock = Clock()
    b = Backoff(clock)
    for _ in range(5):
        b.next("app", clock.seconds)
    assert b.get("app") == 160
    clock.advance_to(601)
    assert not b.in_backoff_since("app", 601)
    b.next("app", 601)
    assert b.get("app") == 10
