"""metrics-server's storage: CPU rates from two cumulative points (pkg/storage/pod.go, types.go)."""
from kubelab.metrics.source import Point
from kubelab.metrics.storage import Storage

S = 1_000_000_000          # one core-second, in the counter's nanosecond-cores


def store(storage, now, **pods):
    """One scrape of node-1: pod name -> {container: Point}."""
    storage.store({"node-1": {("default", name): points for name, points in pods.items()}}, now)


def test_cpu_usage_is_the_counters_growth_over_the_window():
    # resourceUsage: (last.CumulativeCPUUsed - prev.CumulativeCPUUsed) / window
    s = Storage(15.0, history=10)
    store(s, 0.0, web={"app": Point(-60.0, 0.0, 30 * S, 6 << 20)})
    store(s, 15.0, web={"app": Point(-60.0, 15.0, 30 * S + int(3.75 * S), 6 << 20)})
    usage = s.pod("default", "web")
    assert usage.containers == {"app": (250_000_000, 6 << 20)}
    assert (usage.timestamp, usage.window) == (15.0, 15.0)


def test_a_pod_has_no_metrics_after_a_single_scrape():
    s = Storage(15.0, history=10)
    store(s, 0.0, web={"app": Point(-60.0, 0.0, 30 * S, 1)})
    assert s.pod("default", "web") is None


def test_a_fresh_container_counts_from_its_start():
    # freshContainerMinMetricsResolution: started 10 s or more, but less than one resolution, ago
    s = Storage(15.0, history=10)
    store(s, 12.0, web={"app": Point(0.0, 12.0, 6 * S, 1)})
    usage = s.pod("default", "web")
    assert usage.containers["app"][0] == 500_000_000 and usage.window == 12.0


def test_a_container_younger_than_ten_seconds_waits_for_the_next_scrape():
    s = Storage(15.0, history=10)
    store(s, 9.0, web={"app": Point(0.0, 9.0, 9 * S, 1)})
    assert s.pod("default", "web") is None
    store(s, 24.0, web={"app": Point(0.0, 24.0, 24 * S, 1)})
    assert s.pod("default", "web").containers["app"][0] == 1_000_000_000


def test_a_restarted_container_starts_over():
    # a point whose start time is after the stored point's timestamp is a new container
    s = Storage(15.0, history=10)
    store(s, 0.0, web={"app": Point(-60.0, 0.0, 30 * S, 1)})
    store(s, 15.0, web={"app": Point(-60.0, 15.0, 31 * S, 1)})
    store(s, 30.0, web={"app": Point(29.0, 30.0, 0, 1)})
    assert s.pod("default", "web") is None


def test_a_pod_needs_both_points_for_every_container():
    s = Storage(15.0, history=10)
    store(s, 0.0, web={"app": Point(-60.0, 0.0, 0, 1)})
    store(s, 15.0, web={"app": Point(-60.0, 15.0, S, 1), "sidecar": Point(14.0, 15.0, 0, 1)})
    assert s.pod("default", "web") is None


def test_a_nodes_usage_is_the_sum_of_its_pods_after_two_scrapes():
    s = Storage(15.0, history=10)
    store(s, 0.0, a={"app": Point(-60.0, 0.0, 0, 2 << 20)}, b={"app": Point(-60.0, 0.0, 0, 3 << 20)})
    assert s.node("node-1") is None
    store(s, 15.0, a={"app": Point(-60.0, 15.0, 15 * S, 2 << 20)}, b={"app": Point(-60.0, 15.0, 3 * S, 3 << 20)})
    node = s.node("node-1")
    assert (node.cpu, node.memory, node.window) == (1_200_000_000, 5 << 20, 15.0)


def test_an_unanswered_scrape_drops_the_node_and_its_pods():
    s = Storage(15.0, history=10)
    store(s, 0.0, web={"app": Point(-60.0, 0.0, 0, 1)})
    store(s, 15.0, web={"app": Point(-60.0, 15.0, S, 1)})
    s.store({"node-1": None}, 30.0)
    assert s.pod("default", "web") is None and s.node("node-1") is None


def test_history_keeps_the_last_scrapes_and_forgets_gone_pods():
    s = Storage(15.0, history=3)
    for i in range(6):
        store(s, 15.0 * i, web={"app": Point(-60.0, 15.0 * i, i * S, 7)})
    assert [t for t, _, _ in s.pod_history[("default", "web")]] == [45.0, 60.0, 75.0]
    assert list(s.pod_history[("default", "web")])[-1] == (75.0, 66, 7)      # 1 core-s / 15 s = 66m
    for i in range(6, 11):
        s.store({"node-1": {}}, 15.0 * i)
    assert ("default", "web") not in s.pod_history
