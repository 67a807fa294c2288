"""The learner-facing Controller: the worked example in kubelab/controllers/base.py runs as shown."""

import kubelab as kl
from kubelab.controllers import base


def example_source() -> str:
    doc = base.__doc__
    block = doc[doc.index("::") + 2:]
    lines = [line[4:] for line in block.splitlines()]
    return "\n".join(lines)


def test_the_docstring_example_counts_the_pods_of_a_namespace():
    scope: dict = {}
    exec(compile(example_source(), "base.py docstring", "exec"), scope)
    c = scope["c"]
    assert c.get("configmap", "pod-count")["data"] == {"pods": "1"}


def test_the_example_controller_follows_deletions():
    scope: dict = {}
    exec(compile(example_source(), "base.py docstring", "exec"), scope)
    c = scope["c"]
    c.delete("pod", "a", grace_period_seconds=0)
    c.run()
    assert c.get("configmap", "pod-count")["data"] == {"pods": "0"}


def test_a_failed_sync_is_retried_with_backoff():
    c = kl.Cluster(nodes=0)
    attempts = []

    class Flaky(base.Controller):
        name = "flaky"

        def sync(self, key):
            attempts.append(c.clock.seconds)
            if len(attempts) < 3:
                raise kl.errors.Conflict("try again")

    flaky = Flaky(c.api, c.loop)
    flaky.start()
    flaky.queue.add("k")
    c.run()
    # client-go's ItemExponentialFailureRateLimiter: 5 ms, then 10 ms
    assert [round(t, 3) for t in attempts] == [0.0, 0.005, 0.015]
