"""The EndpointSlice and Endpoints controllers (pkg/controller/endpointslice with the
k8s.io/endpointslice reconciler; pkg/controller/endpoint). Only kube-controller-manager
runs: the tests write Pod status themselves, as Kubernetes' controller tests do."""
import re

import pytest
from fake_kubelet import controllers_only

from kubelab.api.meta import format_time

SLICES = "endpointslices.discovery.k8s.io"


@pytest.fixture
def c():
    return controllers_only(seed=0)


def service(c, name="web", selector=None, **spec):
    spec.setdefault("ports", [{"name": "http", "port": 80, "targetPort": "http"}])
    if selector is not False:
        spec["selector"] = selector or {"app": name}
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"tier": "front"}},
             "spec": spec})


def pod(c, name, ip, *, labels=None, ready=True, port=8080, node="node-1", phase="Running", **spec):
    """A Pod bound to ``node`` with ``ip`` and a Ready condition, as a kubelet would report it."""
    spec = {"nodeName": node, "containers": [{"name": "app", "image": "nginx",
                                              "ports": [{"name": "http", "containerPort": port}]}], **spec}
    c.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {"app": "web"}},
                  "spec": spec})
    set_pod(c, name, ip=ip, ready=ready, phase=phase)


def set_pod(c, name, *, ip=None, ready=True, phase="Running"):
    p = c.api.get("pods", name)
    p["status"].update(phase=phase, conditions=[{"type": "Ready", "status": str(ready), "lastProbeTime": None,
                                                 "lastTransitionTime": format_time(c.now)}])
    if ip:
        p["status"].update(podIP=ip, podIPs=[{"ip": ip}])
    c.api.update(p, subresource="status")
    c.run(0)


def slices(c, svc="web"):
    return c.get(SLICES, selector=f"kubernetes.io/service-name={svc}")


def endpoints(c, svc="web"):
    """{pod name: conditions} over all the Service's slices."""
    return {e["targetRef"]["name"]: e["conditions"] for s in slices(c, svc) for e in s.get("endpoints") or []}


def test_a_slice_lists_the_selected_pods_with_the_controllers_labels_and_owner(c):
    service(c)
    pod(c, "web-1", "10.244.1.5")
    pod(c, "other", "10.244.1.6", labels={"app": "other"})
    [eps] = slices(c)
    svc = c.get("service", "web")
    assert re.fullmatch(r"web-[a-z0-9]{5}", eps["metadata"]["name"])          # generateName "<service>-"
    assert eps["metadata"]["labels"] == {"kubernetes.io/service-name": "web", "tier": "front",
                                         "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    assert eps["metadata"]["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "web",
                                                   "uid": svc["metadata"]["uid"], "controller": True,
                                                   "blockOwnerDeletion": True}]
    assert eps["addressType"] == "IPv4"
    assert eps["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]   # targetPort "http" resolved
    assert eps["endpoints"] == [{
        "addresses": ["10.244.1.5"], "conditions": {"ready": True, "serving": True, "terminating": False},
        "nodeName": "node-1", "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-1",
                                            "uid": c.get("pod", "web-1")["metadata"]["uid"]}}]


def test_endpoint_conditions_follow_readiness_and_termination(c):
    # podToEndpoint: serving = Pod Ready; terminating = deletionTimestamp set;
    # ready = serving and not terminating
    service(c)
    pod(c, "web-1", "10.244.1.5")
    assert endpoints(c) == {"web-1": {"ready": True, "serving": True, "terminating": False}}
    set_pod(c, "web-1", ready=False)
    assert endpoints(c) == {"web-1": {"ready": False, "serving": False, "terminating": False}}
    set_pod(c, "web-1", ready=True)
    c.delete("pod", "web-1")                       # graceful: 30 s during which it still serves
    assert endpoints(c) == {"web-1": {"ready": False, "serving": True, "terminating": True}}
    c.api.delete("pods", "web-1", grace_period_seconds=0)
    c.run(0)
    assert endpoints(c) == {}


def test_publish_not_ready_addresses_marks_every_endpoint_ready(c):
    service(c, publishNotReadyAddresses=True)
    pod(c, "web-1", "10.244.1.5", ready=False)
    assert endpoints(c) == {"web-1": {"ready": True, "serving": False, "terminating": False}}


@pytest.mark.parametrize("why", ["no IP yet", "Succeeded", "Failed"])
def test_pods_without_an_ip_or_finished_are_left_out(c, why):
    # ShouldPodBeInEndpoints: terminal Pods and Pods without an IP are skipped
    service(c)
    pod(c, "web-1", None if why == "no IP yet" else "10.244.1.5", phase="Running" if why == "no IP yet" else why)
    assert endpoints(c) == {}


def test_a_service_with_no_endpoints_keeps_one_placeholder_slice_which_is_reused(c):
    service(c)
    [placeholder] = slices(c)
    assert placeholder.get("endpoints") in ([], None) and placeholder.get("ports") in ([], None)
    pod(c, "web-1", "10.244.1.5")
    [eps] = slices(c)
    # finalize turns "create a slice, delete the placeholder" into an update of the placeholder
    assert eps["metadata"]["name"] == placeholder["metadata"]["name"]
    assert [e["addresses"] for e in eps["endpoints"]] == [["10.244.1.5"]]


def test_a_slice_holds_at_most_100_endpoints(c):
    # --max-endpoints-per-slice defaults to 100
    service(c)
    for i in range(250):
        pod(c, f"web-{i:03d}", f"10.244.{1 + i // 200}.{2 + i % 200}")
    assert sorted(len(s["endpoints"]) for s in slices(c)) == [50, 100, 100]
    assert len(endpoints(c)) == 250


def test_pods_whose_named_port_differs_get_a_slice_per_port_mapping(c):
    service(c)
    pod(c, "web-a", "10.244.1.5", port=8080)
    pod(c, "web-b", "10.244.1.6", port=9090)
    by_port = {s["ports"][0]["port"]: [e["targetRef"]["name"] for e in s["endpoints"]] for s in slices(c)}
    assert by_port == {8080: ["web-a"], 9090: ["web-b"]}


def test_the_hostname_is_published_when_the_pods_subdomain_names_the_service(c):
    # ShouldSetHostname: spec.hostname set and spec.subdomain == the Service's name (StatefulSets)
    service(c, name="nginx", selector={"app": "web"}, clusterIP="None")
    pod(c, "web-0", "10.244.1.5", hostname="web-0", subdomain="nginx")
    pod(c, "web-1", "10.244.1.6", hostname="web-1", subdomain="elsewhere")
    found = {e["targetRef"]["name"]: e.get("hostname") for s in slices(c, "nginx") for e in s["endpoints"]}
    assert found == {"web-0": "web-0", "web-1": None}
    assert slices(c, "nginx")[0]["metadata"]["labels"]["service.kubernetes.io/headless"] == ""


def test_a_service_without_a_selector_gets_no_slices_from_the_controller(c):
    service(c, selector=False)
    pod(c, "web-1", "10.244.1.5")
    assert slices(c) == []
    # only the API server's own default/kubernetes endpoints exist
    assert [e["metadata"]["name"] for e in c.get("endpoints")] == ["kubernetes"]


def test_a_deleted_slice_is_recreated_and_slices_go_with_their_service(c):
    service(c)
    pod(c, "web-1", "10.244.1.5")
    [eps] = slices(c)
    c.delete(SLICES, eps["metadata"]["name"])
    c.run(1)
    assert list(endpoints(c)) == ["web-1"]
    c.delete("service", "web")
    c.run(1)                                      # the garbage collector follows the owner reference
    assert slices(c) == []
    assert [e["metadata"]["name"] for e in c.get("endpoints")] == ["kubernetes"]   # the API server's own


def test_the_endpoints_object_splits_ready_and_not_ready_addresses(c):
    # RepackSubsets: one subset for addresses serving the same ports, sorted by IP
    service(c, clusterIP="None")
    pod(c, "web-b", "10.244.1.7")
    pod(c, "web-a", "10.244.1.6")
    pod(c, "web-c", "10.244.1.8", ready=False)
    ep = c.get("endpoints", "web")
    [subset] = ep["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.244.1.6", "10.244.1.7"]
    assert [a["targetRef"]["name"] for a in subset["notReadyAddresses"]] == ["web-c"]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert ep["metadata"]["labels"] == {"tier": "front", "service.kubernetes.io/headless": ""}
    c.delete("pod", "web-a")                      # terminating Pods leave the Endpoints object at once
    assert [a["ip"] for a in c.get("endpoints", "web")["subsets"][0]["addresses"]] == ["10.244.1.7"]
