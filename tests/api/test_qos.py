"""QoS classes, as Kubernetes' ComputePodQOS assigns them.

Expected values: the kubernetes.io task "Configure Quality of Service for Pods"
(qos-demo, qos-demo-2, qos-demo-3, qos-demo-4) and pkg/apis/core/v1/helper/qos's
rules: only cpu and memory count, zero quantities are ignored, init containers count,
Guaranteed needs cpu and memory limits on every container and requests equal to limits.
"""
import pytest

import kubelab as kl
from kubelab.api.qos import pod_qos_class


def pod(*containers, init=()):
    return {"spec": {"containers": list(containers), "initContainers": list(init)}}


def ctr(requests=None, limits=None):
    resources = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    return {"name": "c", "image": "nginx", "resources": resources}


GUARANTEED = ctr({"cpu": "700m", "memory": "200Mi"}, {"cpu": "700m", "memory": "200Mi"})

CASES = [
    # qos-demo: cpu and memory requests equal to limits
    ("requests equal limits on every container", pod(GUARANTEED), "Guaranteed"),
    # qos-demo-2: a memory request below its limit
    ("a memory request below its limit", pod(ctr({"memory": "100Mi"}, {"memory": "200Mi"})), "Burstable"),
    # qos-demo-3: no requests or limits at all
    ("no requests or limits", pod(ctr()), "BestEffort"),
    # qos-demo-4: one container with a request, one with nothing
    ("one container with a request and one without", pod(ctr({"memory": "200Mi"}), ctr()), "Burstable"),
    ("a guaranteed container next to a best-effort one", pod(GUARANTEED, ctr()), "Burstable"),
    ("only a cpu limit (and its defaulted request)", pod(ctr({"cpu": "1"}, {"cpu": "1"})), "Burstable"),
    ("requests without limits", pod(ctr({"cpu": "100m", "memory": "64Mi"})), "Burstable"),
    ("an init container without limits", pod(GUARANTEED, init=[ctr()]), "Burstable"),
    ("guaranteed init and app containers", pod(GUARANTEED, init=[GUARANTEED]), "Guaranteed"),
    ("zero quantities count as unset", pod(ctr({"cpu": "0", "memory": "0"})), "BestEffort"),
    ("extended resources do not count", pod(ctr({"nvidia.com/gpu": "1"}, {"nvidia.com/gpu": "1"})), "BestEffort"),
    ("cpu and memory limits above their requests", pod(ctr({"cpu": "500m", "memory": "100Mi"},
                                                           {"cpu": "1", "memory": "100Mi"})), "Burstable"),
]


@pytest.mark.parametrize("what, manifest, expected", CASES, ids=[c[0] for c in CASES])
def test_qos_class_follows_kubernetes_rules(what, manifest, expected):
    assert pod_qos_class(manifest) == expected


def test_the_api_server_sets_the_qos_class_when_a_pod_is_created():
    # limits alone make a Pod Guaranteed: defaulting copies them into the requests first
    c = kl.Cluster(nodes=0)
    created = c.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                            "spec": {"containers": [{"name": "app", "image": "nginx",
                                                     "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}})
    assert created["status"]["qosClass"] == "Guaranteed"
