"""metrics-server through the API server: the Metrics API (metrics.k8s.io/v1beta1)."""
import pytest

import kubelab as kl


def stress_pod(name, cpus="1", limit="500m", labels=None):
    """polinux/stress spinning ``cpus`` workers (1000m each) under a CPU limit."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {"app": name}},
            "spec": {"containers": [{"name": "stress", "image": "polinux/stress",
                                     "command": ["stress", "--cpu", cpus],
                                     "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": limit}}}]}}


@pytest.fixture
def cluster():
    c = kl.Cluster(nodes=2)
    c.apply([stress_pod("hot"), stress_pod("cold", cpus="0", labels={"app": "cold"})])
    c.run(60)
    return c


def test_pod_metrics_have_metrics_servers_shape(cluster):
    # metrics.k8s.io/v1beta1 PodMetrics: timestamp, window (the 15 s resolution), usage per container;
    # CPU throttled at the 500m limit, memory as a BinarySI quantity
    m = cluster.api.get("pods.metrics.k8s.io", "hot")
    assert m["kind"] == "PodMetrics" and m["apiVersion"] == "metrics.k8s.io/v1beta1"
    assert m["metadata"]["labels"] == {"app": "hot"}
    assert m["window"] == "15s" and m["timestamp"] == "2025-01-01T00:01:00Z"
    assert m["containers"] == [{"name": "stress", "usage": {"cpu": "500m", "memory": "1Mi"}}]


def test_list_filters_by_label_selector(cluster):
    items = cluster.api.list("podmetrics", namespace="default", label_selector="app=cold")["items"]
    assert [i["metadata"]["name"] for i in items] == ["cold"]
    assert items[0]["containers"][0]["usage"]["cpu"] == "0"


def test_node_metrics_sum_the_nodes_pods(cluster):
    nodes = {n["metadata"]["name"]: n["usage"] for n in cluster.api.list("nodes.metrics.k8s.io")["items"]}
    assert sorted(nodes) == ["node-1", "node-2"]
    assert sorted(u["cpu"] for u in nodes.values()) == ["0", "500m"]


def test_missing_objects_and_missing_metrics_are_different_not_founds(cluster):
    # podmetrics Get: the pod lister's NotFound first, then the metrics storage's (named namespace/name)
    with pytest.raises(kl.errors.NotFound, match='pods "nope" not found'):
        cluster.api.get("podmetrics", "nope")
    cluster.apply(stress_pod("new"))
    cluster.run(1)
    with pytest.raises(kl.errors.NotFound, match='podmetrics.metrics.k8s.io "default/new" not found'):
        cluster.api.get("podmetrics", "new")


def test_a_new_pod_gets_metrics_within_two_resolutions(cluster):
    cluster.apply(stress_pod("new"))
    cluster.run(30)
    assert cluster.api.get("podmetrics", "new")["containers"][0]["usage"]["cpu"] == "500m"


def test_pods_that_are_not_running_have_no_metrics(cluster):
    pending = stress_pod("huge")
    pending["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "64"}}
    cluster.apply(pending)
    cluster.run(60)
    names = [i["metadata"]["name"] for i in cluster.api.list("podmetrics", namespace="default")["items"]]
    assert names == ["cold", "hot"]


def test_a_stopped_metrics_server_answers_503_and_an_uninstalled_one_404(cluster):
    # the aggregator's answers for an unavailable / a missing APIService
    cluster.stop("metrics-server")
    with pytest.raises(kl.errors.ServiceUnavailable,
                       match=r"the server is currently unable to handle the request \(get pods.metrics.k8s.io\)"):
        cluster.api.list("podmetrics", namespace="default")
    cluster.metrics_server.uninstall()
    with pytest.raises(kl.errors.NotFound, match="could not find the requested resource"):
        cluster.api.list("nodemetrics")


def test_a_failed_nodes_pods_drop_out_of_the_metrics(cluster):
    node = cluster.get("pod", "hot")["spec"]["nodeName"]
    cluster.fail_node(node)
    cluster.run(15)
    assert node not in [n["metadata"]["name"] for n in cluster.api.list("nodemetrics")["items"]]
    with pytest.raises(kl.errors.NotFound):
        cluster.api.get("podmetrics", "hot")


def test_history_is_a_time_series_per_pod_and_node(cluster):
    series = cluster.metrics_server.history("hot")
    assert [cpu for _, cpu, _ in series] == [500] * len(series) and len(series) >= 3
    assert series[-1][0] == cluster.now
    assert cluster.metrics_server.history(node=cluster.get("pod", "hot")["spec"]["nodeName"])[-1][1] == 500


def test_the_metrics_api_is_read_only_and_not_watched():
    rtype = kl.api.kinds.REGISTRY.resolve("pods.metrics.k8s.io")
    assert rtype.verbs == ("get", "list") and rtype.kind == "PodMetrics"
