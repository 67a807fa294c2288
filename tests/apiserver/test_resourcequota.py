"""The ResourceQuota admission plugin (plugin/pkg/admission/resourcequota,
pkg/quota/v1/evaluator/core; https://kubernetes.io/docs/concepts/policy/resource-quotas/)."""
import pytest

import kubelab as kl
from kubelab import errors


def pod(name, requests=None, limits=None, *, containers=("app",), **spec):
    resources = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": dict({"containers": [{"name": n, "image": "nginx", "resources": dict(resources)}
                                         for n in containers]}, **spec)}


def quota(name, hard, **spec):
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name},
            "spec": dict({"hard": hard}, **spec)}


def used(c, name):
    return c.get("resourcequota", name)["status"]["used"]


@pytest.fixture
def c():
    return kl.Cluster(nodes=0)


def test_a_request_over_the_quota_is_forbidden_with_the_exact_numbers(c):
    c.apply(quota("compute", {"requests.cpu": "2"}))
    c.apply(pod("a", requests={"cpu": "1"}))
    c.apply(pod("b", requests={"cpu": "500m"}))
    with pytest.raises(errors.Forbidden) as e:
        c.apply(pod("c", requests={"cpu": "600m"}))
    # controller.go checkRequest: "exceeded quota: %s, requested: %s, used: %s, limited: %s"
    assert e.value.code == 403
    assert e.value.message == ('pods "c" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, '
                               'used: requests.cpu=1500m, limited: requests.cpu=2')
    c.apply(pod("d", requests={"cpu": "500m"}))           # 1500m + 500m = 2 fits exactly
    assert used(c, "compute") == {"requests.cpu": "2"}


def test_only_the_exceeded_resources_are_printed(c):
    c.apply(quota("compute", {"requests.cpu": "1", "requests.memory": "1Gi", "pods": "10"}))
    with pytest.raises(errors.Forbidden) as e:
        c.apply(pod("big", requests={"cpu": "2", "memory": "2Gi"}))
    # prettyPrint sorts names; pods=1 fitted, so it is not listed
    assert e.value.message == ('pods "big" is forbidden: exceeded quota: compute, requested: '
                               'requests.cpu=2,requests.memory=2Gi, used: requests.cpu=0,requests.memory=0, '
                               'limited: requests.cpu=1,requests.memory=1Gi')


def test_a_quota_on_cpu_or_memory_requires_every_container_to_set_it(c):
    c.apply(quota("compute", {"limits.cpu": "4", "requests.memory": "4Gi"}))
    with pytest.raises(errors.Forbidden) as e:
        c.apply(pod("web", requests={"memory": "64Mi"}, containers=("app", "sidecar")))
    # podEvaluator.Constraints: "must specify %s for: %s", resources sorted, joined by "; "
    assert e.value.message == 'pods "web" is forbidden: failed quota: compute: must specify limits.cpu for: app,sidecar'
    with pytest.raises(errors.Forbidden, match=r"must specify limits.cpu for: app; requests.memory for: app$"):
        c.apply(pod("bare"))


def test_a_quota_counts_only_once_the_controller_has_filled_in_its_status(c):
    # generic.Matches reads status.hard: a brand-new quota does not yet constrain anything
    c.api.create(quota("pods", {"pods": "0"}))
    c.api.create(pod("early"))
    c.run()
    assert c.get("resourcequota", "pods")["status"] == {"hard": {"pods": "0"}, "used": {"pods": "1"}}
    with pytest.raises(errors.Forbidden, match="exceeded quota: pods, requested: pods=1, used: pods=1, limited: pods=0"):
        c.api.create(pod("late"))


def test_a_tracked_resource_without_usage_is_refused_as_status_unknown(c):
    c.controller_manager.stop()
    q = c.api.create(quota("compute", {"pods": "5", "requests.cpu": "1"}))
    c.api.update(dict(q, status={"hard": {"pods": "5", "requests.cpu": "1"}, "used": {"pods": "0"}}),
                 subresource="status")
    with pytest.raises(errors.Forbidden) as e:
        c.api.create(pod("web", requests={"cpu": "100m"}))
    assert e.value.message == 'pods "web" is forbidden: status unknown for quota: compute, resources: pods,requests.cpu'


def test_admission_itself_charges_the_quota_so_back_to_back_creates_cannot_overcommit(c):
    c.apply(quota("compute", {"requests.cpu": "1"}))
    c.run()
    c.controller_manager.stop()           # nobody recounts: only admission's charges move "used"
    c.api.create(pod("a", requests={"cpu": "600m"}))
    assert used(c, "compute") == {"requests.cpu": "600m"}
    with pytest.raises(errors.Forbidden, match="used: requests.cpu=600m"):
        c.api.create(pod("b", requests={"cpu": "600m"}))
    assert [p["metadata"]["name"] for p in c.get("pods")] == ["a"]


def test_a_dry_run_is_checked_but_not_charged(c):
    c.apply(quota("compute", {"pods": "1"}))
    c.api.create(pod("a"), dry_run=True)
    assert used(c, "compute") == {"pods": "0"}
    c.api.create(pod("a"))
    with pytest.raises(errors.Forbidden):
        c.api.create(pod("b"), dry_run=True)


@pytest.mark.parametrize("kind,manifest,hard,message", [
    # object counts: count/<resource>.<group> for any namespaced resource
    ("deployments.apps", {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "two"},
                          "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
                              "metadata": {"labels": {"a": "b"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}},
     {"count/deployments.apps": "1"},
     'deployments.apps "two" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, '
     'used: count/deployments.apps=1, limited: count/deployments.apps=1'),
    # the legacy names of configmaps and secrets count objects too
    ("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "two"}},
     {"configmaps": "1"},
     'configmaps "two" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=1, '
     'limited: configmaps=1'),
    # a NodePort service uses one node port per port
    ("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "two"},
                  "spec": {"type": "NodePort", "selector": {"a": "b"}, "ports": [{"port": 80}]}},
     {"services.nodeports": "1"},
     'services "two" is forbidden: exceeded quota: objects, requested: services.nodeports=1, '
     'used: services.nodeports=1, limited: services.nodeports=1'),
])
def test_objects_are_counted_by_kind(c, kind, manifest, hard, message):
    c.apply(quota("objects", hard))
    first = dict(manifest, metadata={"name": "one"})
    c.apply(first)
    with pytest.raises(errors.Forbidden) as e:
        c.apply(manifest)
    assert e.value.message == message


def test_claims_count_storage_in_total_and_per_storage_class(c):
    c.apply(quota("storage", {"requests.storage": "10Gi", "persistentvolumeclaims": "5",
                              "gold.storageclass.storage.k8s.io/requests.storage": "3Gi"}))

    def claim(name, size, klass=None):
        spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
        if klass:
            spec["storageClassName"] = klass
        return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": spec}
    c.apply(claim("plain", "4Gi", "bronze"))
    c.apply(claim("fast", "2Gi", "gold"))
    assert used(c, "storage") == {"gold.storageclass.storage.k8s.io/requests.storage": "2Gi",
                                  "persistentvolumeclaims": "2", "requests.storage": "6Gi"}
    with pytest.raises(errors.Forbidden) as e:
        c.apply(claim("faster", "2Gi", "gold"))
    assert e.value.message == ('persistentvolumeclaims "faster" is forbidden: exceeded quota: storage, requested: '
                               'gold.storageclass.storage.k8s.io/requests.storage=2Gi, used: '
                               'gold.storageclass.storage.k8s.io/requests.storage=2Gi, limited: '
                               'gold.storageclass.storage.k8s.io/requests.storage=3Gi')


@pytest.mark.parametrize("scope_spec,counted,not_counted", [
    # BestEffort: no requests or limits at all
    ({"scopes": ["BestEffort"]}, pod("x"), pod("x", requests={"cpu": "1"})),
    ({"scopes": ["NotBestEffort"]}, pod("x", requests={"cpu": "1"}), pod("x")),
    # Terminating: spec.activeDeadlineSeconds >= 0
    ({"scopes": ["Terminating"]}, pod("x", activeDeadlineSeconds=60), pod("x")),
    ({"scopes": ["NotTerminating"]}, pod("x"), pod("x", activeDeadlineSeconds=60)),
    # PriorityClass with a scopeSelector (the docs' "pods-high" example)
    ({"scopeSelector": {"matchExpressions": [{"scopeName": "PriorityClass", "operator": "In",
                                              "values": ["high"]}]}},
     pod("x", priorityClassName="high"), pod("x")),
])
def test_scoped_quotas_count_only_the_pods_in_their_scope(c, scope_spec, counted, not_counted):
    c.apply({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
             "value": 1000})
    c.apply(quota("scoped", {"pods": "1"}, **scope_spec))
    c.apply(dict(not_counted, metadata={"name": "outside"}))
    assert used(c, "scoped") == {"pods": "0"}
    c.apply(dict(counted, metadata={"name": "inside"}))
    assert used(c, "scoped") == {"pods": "1"}
    with pytest.raises(errors.Forbidden, match="exceeded quota: scoped"):
        c.apply(dict(counted, metadata={"name": "inside-2"}))


def test_a_scoped_quota_does_not_count_other_kinds(c):
    # only Pods have scopes: a quota with scopes matches no Service
    c.apply(quota("scoped", {"services": "0"}, scopes=["BestEffort"]))
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"selector": {"a": "b"}, "ports": [{"port": 80}]}})
    assert c.get("service", "web")


def test_a_replicaset_over_quota_reports_failed_create(c):
    c.apply(quota("compute", {"pods": "2"}))
    c.apply({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
             "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                      "template": {"metadata": {"labels": {"app": "web"}},
                                   "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    c.run(10)
    assert len(c.get("pods")) == 2
    failed = [e for e in c.events() if e["reason"] == "FailedCreate"]
    assert failed and failed[0]["message"].startswith('Error creating: pods "web-')
    assert failed[0]["message"].endswith('" is forbidden: exceeded quota: compute, requested: pods=1, '
                                         'used: pods=2, limited: pods=2')


def test_reapplying_an_existing_pod_in_a_full_namespace_is_an_update_not_a_create(c):
    # kubectl apply patches an existing object; pod updates are not charged (podEvaluator
    # handles CREATE only), so a full quota does not refuse re-applying the same manifest
    c.apply(quota("compute", {"pods": "1"}))
    c.apply(pod("a"))
    c.apply(dict(pod("a"), metadata={"name": "a", "labels": {"v": "2"}}))
    assert c.get("pod", "a")["metadata"]["labels"] == {"v": "2"}
    assert used(c, "compute") == {"pods": "1"}
