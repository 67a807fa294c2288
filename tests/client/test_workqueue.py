"""client-go workqueue guarantees, on the simulated loop."""
from kubelab.client.workqueue import RateLimiter, WorkQueue
from kubelab.sim import Clock, Loop


def test_an_item_added_twice_is_processed_once():
    loop, seen = Loop(Clock()), []
    q = WorkQueue(loop, "t", seen.append)
    q.add("a")
    q.add("a")
    q.add("b")
    loop.run()
    assert seen == ["a", "b"]


def test_an_item_added_while_it_is_processed_is_processed_again_afterwards():
    loop, seen = Loop(Clock()), []

    def process(item):
        seen.append(item)
        if len(seen) == 1:
            q.add(item)            # re-added during processing: not handed out concurrently
            assert len(q) == 0
    q = WorkQueue(loop, "t", process)
    q.add("a")
    loop.run()
    assert seen == ["a", "a"]


def test_rate_limited_retries_back_off_exponentially_from_5ms():
    # ItemExponentialFailureRateLimiter(5ms, 1000s): 5ms, 10ms, 20ms, ... capped at 1000s
    limiter = RateLimiter(Clock(), qps=1e9, burst=10**9)
    delays = [limiter.when("k") for _ in range(4)]
    assert delays == [0.005, 0.01, 0.02, 0.04]
    for _ in range(30):
        limiter.when("k")
    assert limiter.when("k") == 1000.0
    limiter.forget("k")
    assert limiter.when("k") == 0.005


def test_the_overall_bucket_limits_bursts_to_100_then_10_per_second():
    limiter = RateLimiter(Clock())
    delays = [limiter.when(i) for i in range(102)]
    assert delays[99] == 0.005 and delays[100] > 0.05


def test_add_after_fires_at_the_earliest_requested_time():
    loop, seen = Loop(Clock()), []
    q = WorkQueue(loop, "t", lambda item: seen.append((item, loop.clock.seconds)))
    q.add_after("a", 10)
    q.add_after("a", 3)
    loop.run()
    assert seen == [("a", 3)]


def test_the_worker_runs_after_the_events_already_queued_at_this_instant():
    # a burst of watch events for one key (delivered with loop.soon) folds into one sync
    loop, seen = Loop(Clock()), []
    q = WorkQueue(loop, "t", seen.append)
    for _ in range(3):
        loop.soon(lambda: q.add("rs"), "informer")
    loop.run()
    assert seen == ["rs"]


def test_a_cancelled_delayed_add_never_fires_and_lets_the_loop_settle():
    loop, seen = Loop(Clock()), []
    q = WorkQueue(loop, "t", seen.append)
    q.add_after("d", 600)
    q.cancel_delayed("d")
    loop.run()
    assert seen == [] and loop.clock.seconds == 0


def test_nothing_is_queued_after_shut_down():
    loop, seen = Loop(Clock()), []
    q = WorkQueue(loop, "t", seen.append)
    q.shut_down()
    q.add("a")
    q.add_after("b", 1)
    q.add_rate_limited("c")
    loop.run()
    assert seen == []
