"""RolloutPlayer: old and new ReplicaSets during a rolling update, within the controller's bounds.

Kubernetes' Deployment docs: with RollingUpdate, at most replicas + maxSurge Pods
exist and at least replicas - maxUnavailable are available during the update;
maxSurge and maxUnavailable cannot both be 0.
"""
import pytest

from kubelab import widgets as kw


@pytest.mark.parametrize("surge, unavailable", [(1, 0), (0, 1), (2, 2), (4, 0)])
def test_every_frame_stays_within_the_surge_and_unavailability_bounds(make_deployment, surge, unavailable):
    player = kw.RolloutPlayer(make_deployment(replicas=4, image="nginx:1.26"), "nginx:1.27",
                              max_surge=surge, max_unavailable=unavailable)
    assert player.complete
    most, fewest = player.bounds
    assert (most, fewest) == (4 + surge, 4 - unavailable)
    for f in player.frames[1:]:
        assert f.old + f.new <= most
        assert f.old_available + f.new_available >= fewest
    first, last = player.frames[0], player.frames[-1]
    assert (first.old, first.new) == (4, 0) and (last.old, last.new, last.new_available) == (0, 4, 4)


def test_moving_the_sliders_reruns_the_rollout_on_a_fresh_identical_cluster(make_deployment):
    player = kw.RolloutPlayer(make_deployment(replicas=4, image="nginx:1.26"), "nginx:1.27")
    slow = player.text
    player.set(max_surge=4)
    assert player.frames[1].new == 4                 # all new Pods at once
    player.set(max_surge=1)
    assert player.text == slow                       # same seed, same story
    player.surge.value = 2
    assert "maxSurge=2 maxUnavailable=0" in player.text


def test_the_table_lists_the_steps_where_something_changed(make_deployment):
    player = kw.RolloutPlayer(make_deployment(replicas=2, image="nginx:1.26"), "nginx:1.27")
    lines = player.text.splitlines()
    assert lines[:3] == ["maxSurge=1 maxUnavailable=0: at most 3 Pods, at least 2 available",
                         "t(s)    old (available)  new (available)",
                         "before    2 (2)          0 (0)"]
    assert lines[-1] == f"complete after {player.frames[-1].t:g}s"
    assert len(lines) < len(player.frames) + 3
    assert '<svg class="kl-rollout-chart"' in player.html


def test_zero_surge_and_zero_unavailable_is_rejected_as_the_api_server_does(make_deployment):
    player = kw.RolloutPlayer(make_deployment(replicas=2), "nginx:1.26", max_surge=0, max_unavailable=0)
    assert player.frames == []
    assert "may not be 0 when `maxSurge` is 0" in player.text
    assert player.html.startswith('<pre class="kl-error"')


def test_a_bad_image_leaves_the_rollout_stuck_within_its_bounds(make_deployment):
    player = kw.RolloutPlayer(make_deployment(replicas=3, image="nginx:1.26"), "nginx:0.0-nonexistent",
                              limit=60)
    assert not player.complete
    last = player.frames[-1]
    assert (last.old_available, last.new, last.new_available) == (3, 1, 0)
    assert player.text.endswith("not complete after 60s")
