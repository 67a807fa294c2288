"""Timeline: the cluster at any past revision, and the simulation played forward."""
import asyncio

import pytest

import kubelab as kl
from kubelab import widgets as kw


def test_the_slider_shows_the_cluster_and_the_events_as_they_were(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    before = c.store.revision
    c.apply(web_yaml)
    c.run()
    tl = kw.Timeline(c)
    assert tl.revision == c.store.revision and tl.slider.max == c.store.revision
    assert tl.text.count("Running  1/1") == 2
    tl.revision = before
    assert tl.text.splitlines()[0].startswith(f"revision {before} of {c.store.revision}")
    assert "web-" not in tl.text and tl.events == []
    created = next(a.revision for a in c.api.audit if a.resource == "replicasets")
    tl.revision = created
    assert tl.text.splitlines()[0] == (f"revision {created} of {c.store.revision}: deployment-controller "
                                       f"create replicasets {c.get('replicasets')[0]['metadata']['name']}")
    assert [e["reason"] for e in tl.events] == []     # the ScalingReplicaSet event is the next write
    tl.revision = created + 1
    assert [e["reason"] for e in tl.events] == ["ScalingReplicaSet"]


def test_step_runs_one_step_of_simulated_time_and_the_slider_follows_the_end(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(web_yaml)
    tl = kw.Timeline(c, step=2.0)
    t0 = c.clock.seconds
    tl.step()
    assert c.clock.seconds == t0 + 2.0
    assert tl.revision == c.store.revision == tl.slider.max
    tl.revision = tl.slider.min
    tl.step_button.click()
    assert c.clock.seconds == t0 + 4.0
    assert tl.slider.max == c.store.revision and tl.revision == tl.slider.min    # stays in the past


def test_play_steps_on_the_event_loop_until_pause(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(web_yaml)
    tl = kw.Timeline(c, step=0.5, interval=0)

    async def play_a_little():
        tl.play_button.click()
        assert tl.driver.playing
        for _ in range(5):
            await asyncio.sleep(0)
        tl.pause_button.click()

    t0 = c.clock.seconds
    asyncio.run(play_a_little())
    assert not tl.driver.playing and tl.driver.ticks >= 2
    assert c.clock.seconds == t0 + 0.5 * tl.driver.ticks
    assert "(paused)" in tl.clock.value


def test_play_outside_an_event_loop_says_to_step_instead():
    tl = kw.Timeline(kl.Cluster(nodes=1))
    with pytest.raises(RuntimeError, match=r"call step\(\) in a script"):
        tl.play()


def test_the_slider_starts_no_earlier_than_the_compaction_point(web_yaml):
    # kube-apiserver compacts every 5 minutes: older revisions can no longer be read
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(web_yaml)
    tl = kw.Timeline(c)
    first = tl.slider.min
    c.run(600)
    assert c.store.compacted > first
    for timeline in (tl, kw.Timeline(c)):
        timeline.refresh()
        assert timeline.slider.min == c.store.compacted
        timeline.revision = 0
        assert timeline.revision == c.store.compacted
        assert timeline.text.startswith(f"revision {c.store.compacted} of {c.store.revision}")
