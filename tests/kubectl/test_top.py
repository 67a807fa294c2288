"""kubectl top node / pod: columns, units and errors as kubectl v1.32 prints them
(k8s.io/kubectl/pkg/cmd/top, pkg/metricsutil/metrics_printer.go)."""
import pytest

import kubelab as kl


def stress(name, cpus, namespace="default", memory=None, node="node-1"):
    """A Pod pinned to ``node`` spinning ``cpus`` workers (1000m each, limited to 750m); with
    ``memory`` one vm worker holds that much too."""
    args = ["stress", "--cpu", cpus] + (["--vm", "1", "--vm-bytes", memory, "--vm-hang", "0"] if memory else [])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace,
                                                           "labels": {"app": name}},
            "spec": {"nodeName": node, "containers": [{"name": "stress", "image": "polinux/stress", "command": args,
                                                       "resources": {"limits": {"cpu": "750m"}}}]}}


@pytest.fixture
def cluster():
    c = kl.Cluster(nodes=2)
    c.apply([stress("a", "1"), stress("b", "0", memory="64M")])
    c.run(60)
    return c


# Every cell is followed by a tab (printValue), so tabwriter pads the last column too.
@pytest.mark.parametrize("command, expected", [
    ("top pods", "NAME   CPU(cores)   MEMORY(bytes)   \n"
                 "a      750m         1Mi             \n"
                 "b      750m         65Mi            \n"),
    # percentages of allocatable, truncated: 1500m of 4 CPUs is 37%
    ("top nodes", "NAME     CPU(cores)   CPU%   MEMORY(bytes)   MEMORY%   \n"
                  "node-1   1500m        37%    66Mi            0%        \n"
                  "node-2   0m           0%     0Mi             0%        \n"),
    ("top node node-2 --no-headers", "node-2   0m    0%    0Mi   0%    \n"),
    ("top pods --sort-by=memory", "NAME   CPU(cores)   MEMORY(bytes)   \n"
                                  "b      750m         65Mi            \n"
                                  "a      750m         1Mi             \n"),
    ("top pod a --containers", "POD   NAME     CPU(cores)   MEMORY(bytes)   \n"
                               "a     stress   750m         1Mi             \n"),
    ("top pods -A --sum", "NAMESPACE   NAME   CPU(cores)   MEMORY(bytes)   \n"
                          "default     a      750m         1Mi             \n"
                          "default     b      750m         65Mi            \n"
                          "                   ________     ________        \n"
                          "                   1500m        66Mi            \n"),
    ("top po -l app=b", "NAME   CPU(cores)   MEMORY(bytes)   \n"
                        "b      750m         65Mi            \n"),
])
def test_top_prints_kubectls_table(cluster, command, expected):
    assert cluster.kubectl(command) == expected


@pytest.mark.parametrize("command, error", [
    ("top pods --sort-by=name", "error: --sort-by accepts only cpu or memory\n"),
    ("top pod a -l app=a", "error: only one of NAME or selector can be provided\n"),
    ("top node node-1 -l x=y", "error: only one of NAME or --selector can be provided\n"),
    ("top pod nope", 'Error from server (NotFound): pods "nope" not found\n'),
    ("top node nope", 'Error from server (NotFound): nodes "nope" not found\n'),
    ("top nodez", 'error: unknown command "nodez" for "kubectl top"\nSee \'kubectl top -h\' for help and examples\n'),
])
def test_top_refuses_bad_requests_as_kubectl_does(cluster, command, error):
    out = cluster.kubectl(command)
    assert (str(out), out.returncode) == (error, 1)


def test_an_empty_namespace_has_no_resources(cluster):
    out = cluster.kubectl("top pods -n kube-public")
    assert (out.stdout, out.stderr, out.returncode) == ("", "No resources found in kube-public namespace.\n", 0)


def test_before_the_second_scrape_metrics_are_not_available_yet():
    # a rate needs two points: nothing to show in the first 15 s
    c = kl.Cluster(nodes=1)
    c.apply(stress("a", "1"))
    c.run(1)
    assert c.kubectl("top nodes") == "error: metrics not available yet\n"
    assert c.kubectl("top pods") == "error: metrics not available yet\n"


def test_a_pod_older_than_two_minutes_without_metrics_is_named():
    # verifyEmptyMetrics/checkPodAge: past metricsCreationDelay (2 min) the missing Pod is reported
    c = kl.Cluster(nodes=1)
    pending = stress("big", "1", node=None)
    del pending["spec"]["nodeName"]
    pending["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "64"}}
    c.apply(pending)
    c.run(150)
    assert c.kubectl("top pods") == "error: Metrics not available for pod default/big, age: 2m30s\n"


def test_nodes_without_metrics_are_listed_as_unknown(cluster):
    cluster.partition_node("node-2")
    cluster.run(15)
    assert cluster.kubectl("top nodes").splitlines()[-1].split() == ["node-2"] + ["<unknown>"] * 4


def test_without_metrics_server_the_metrics_api_is_not_available(cluster):
    cluster.metrics_server.uninstall()
    assert cluster.kubectl("top pods") == "error: Metrics API not available\n"
    cluster.metrics_server.start()
    cluster.stop("metrics-server")
    assert cluster.kubectl("top nodes") == ("Error from server (ServiceUnavailable): the server is currently unable "
                                            "to handle the request (get nodes.metrics.k8s.io)\n")


def test_top_alone_prints_its_help_on_stderr(cluster):
    out = cluster.kubectl("top")
    assert out.returncode == 1 and out.stderr.startswith("Display resource (CPU/memory) usage.\n")
    assert "  node          Display resource (CPU/memory) usage of nodes\n" in out.stderr


def test_get_podmetrics_prints_metrics_servers_own_table(cluster):
    # metrics-server's TableConvertor: NAME, the usage summed over containers, WINDOW
    assert cluster.kubectl("get podmetrics") == ("NAME   CPU    MEMORY   WINDOW\n"
                                                 "a      750m   1Mi      15s\n"
                                                 "b      750m   65Mi     15s\n")
    assert cluster.kubectl("get nodes.metrics.k8s.io node-1 --no-headers") == "node-1   1500m   66Mi   15s\n"
