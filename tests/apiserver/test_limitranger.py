"""The LimitRanger admission plugin (plugin/pkg/admission/limitranger/admission.go;
https://kubernetes.io/docs/concepts/policy/limit-range/)."""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.api.quantity import parse_quantity as q
from kubelab.apiserver.admission.limitranger import max_constraint, min_constraint, ratio_constraint


def pod(name="web", *containers, init=()):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": list(containers), "initContainers": list(init)}}


def container(name="app", requests=None, limits=None):
    resources = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    return {"name": name, "image": "nginx", "resources": resources}


def limit_range(*items, name="limits"):
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": name}, "spec": {"limits": list(items)}}


@pytest.fixture
def c():
    return kl.Cluster(nodes=0)


def resources_of(c, name="web", index=0):
    return c.get("pod", name)["spec"]["containers"][index]["resources"]


# -- the constraint functions, message for message (minConstraint, maxConstraint,
# limitRequestRatioConstraint in admission.go) -----------------------------------

@pytest.mark.parametrize("check,enforced,requests,limits,want", [
    (min_constraint, "100m", {}, {}, "minimum cpu usage per Container is 100m.  No request is specified"),
    (min_constraint, "100m", {"cpu": "50m"}, {}, "minimum cpu usage per Container is 100m, but request is 50m"),
    (min_constraint, "100m", {"cpu": "100m"}, {"cpu": "50m"},
     "minimum cpu usage per Container is 100m, but limit is 50m"),
    (min_constraint, "100m", {"cpu": "0.1"}, {}, None),             # 0.1 == 100m: compared in milli-units
    (max_constraint, "1", {}, {}, "maximum cpu usage per Container is 1.  No limit is specified"),
    (max_constraint, "1", {}, {"cpu": "2"}, "maximum cpu usage per Container is 1, but limit is 2"),
    (max_constraint, "1", {"cpu": "1500m"}, {"cpu": "1"},
     "maximum cpu usage per Container is 1, but request is 1500m"),
    (max_constraint, "1", {"cpu": "1"}, {"cpu": "1000m"}, None),
    (ratio_constraint, "2", {}, {"cpu": "1"},
     "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0"),
    (ratio_constraint, "2", {"cpu": "1"}, {},
     "cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0"),
    # 1 / 300m = 3.333...; printed with Go's %f (six decimals)
    (ratio_constraint, "2", {"cpu": "300m"}, {"cpu": "1"},
     "cpu max limit to request ratio per Container is 2, but provided ratio is 3.333333"),
    (ratio_constraint, "2", {"cpu": "500m"}, {"cpu": "1"}, None),     # exactly 2 is allowed
])
def test_constraints_word_their_refusals_as_kubernetes_does(check, enforced, requests, limits, want):
    as_list = lambda d: {k: q(v) for k, v in d.items()}
    assert check("Container", "cpu", q(enforced), as_list(requests), as_list(limits)) == want


# -- defaults ----------------------------------------------------------------------

def test_containers_without_resources_get_the_default_request_and_limit(c):
    # docs (Configure Default CPU Requests and Limits for a Namespace): the Pod gets
    # the LimitRange's default limit and defaultRequest, and the annotation says so
    c.apply(limit_range({"type": "Container", "default": {"cpu": "1", "memory": "512Mi"},
                         "defaultRequest": {"cpu": "500m", "memory": "256Mi"}}))
    c.apply(pod("web", container("app")))
    assert resources_of(c) == {"requests": {"cpu": "500m", "memory": "256Mi"},
                               "limits": {"cpu": "1", "memory": "512Mi"}}
    assert c.get("pod", "web")["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == \
        "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app"


def test_a_default_limit_alone_also_becomes_the_default_request(c):
    # SetDefaults_LimitRangeItem: defaultRequest defaults to default (docs: "if you specify
    # a limit but no request, the request defaults to the limit")
    c.apply(limit_range({"type": "Container", "default": {"memory": "512Mi"}}))
    assert c.get("limitrange", "limits")["spec"]["limits"][0]["defaultRequest"] == {"memory": "512Mi"}
    c.apply(pod("web", container("app")))
    assert resources_of(c) == {"requests": {"memory": "512Mi"}, "limits": {"memory": "512Mi"}}


def test_what_a_container_sets_is_kept_and_only_the_rest_defaulted(c):
    c.apply(limit_range({"type": "Container", "default": {"cpu": "1", "memory": "512Mi"}}))
    c.apply(pod("web", container("app", limits={"cpu": "300m"})))
    # the Pod's own defaulting copied its cpu limit into the request before admission
    assert resources_of(c) == {"requests": {"cpu": "300m", "memory": "512Mi"},
                               "limits": {"cpu": "300m", "memory": "512Mi"}}
    assert c.get("pod", "web")["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == \
        "LimitRanger plugin set: memory request for container app; memory limit for container app"


def test_init_containers_are_defaulted_too(c):
    c.apply(limit_range({"type": "Container", "default": {"cpu": "200m"}}))
    c.apply(pod("web", container("app"), init=[container("setup")]))
    assert c.get("pod", "web")["spec"]["initContainers"][0]["resources"]["limits"] == {"cpu": "200m"}
    assert "cpu request for init container setup" in \
        c.get("pod", "web")["metadata"]["annotations"]["kubernetes.io/limit-ranger"]


def test_a_max_alone_is_the_default_limit(c):
    # SetDefaults_LimitRangeItem: "If a default limit is unspecified, but the max is
    # specified, default the limit to the max"
    c.apply(limit_range({"type": "Container", "max": {"cpu": "800m"}}))
    c.apply(pod("web", container("app")))
    assert resources_of(c) == {"requests": {"cpu": "800m"}, "limits": {"cpu": "800m"}}


# -- refusals ----------------------------------------------------------------------

def test_a_container_over_the_max_is_forbidden_with_every_violation_listed(c):
    c.apply(limit_range({"type": "Container", "max": {"cpu": "1"}, "min": {"memory": "64Mi"}}))
    with pytest.raises(errors.Forbidden) as e:
        c.apply(pod("web", container("app", requests={"memory": "32Mi"}, limits={"cpu": "2", "memory": "1Gi"})))
    assert e.value.code == 403
    # utilerrors.NewAggregate: several errors print as [a, b]
    assert e.value.message == ('pods "web" is forbidden: [minimum memory usage per Container is 64Mi, but request '
                               'is 32Mi, maximum cpu usage per Container is 1, but limit is 2]')
    assert c.get("pods") == []


def test_one_violation_is_printed_without_brackets(c):
    # docs (Configure Minimum and Maximum CPU Constraints for a Namespace): max 800m, limit 1500m
    c.apply(limit_range({"type": "Container", "max": {"cpu": "800m"}, "min": {"cpu": "200m"}}))
    with pytest.raises(errors.Forbidden) as e:
        c.apply(pod("constraints-cpu-demo-2", container("app", limits={"cpu": "1.5"}, requests={"cpu": "500m"})))
    assert e.value.message == ('pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container '
                               'is 800m, but limit is 1500m')


def test_the_pod_type_bounds_the_sum_of_its_containers(c):
    c.apply(limit_range({"type": "Pod", "max": {"memory": "1Gi"}}))
    two = [container("a", limits={"memory": "600Mi"}), container("b", limits={"memory": "600Mi"})]
    with pytest.raises(errors.Forbidden) as e:
        c.apply(pod("web", *two))
    assert e.value.message == 'pods "web" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi'


def test_the_limit_to_request_ratio_is_enforced(c):
    c.apply(limit_range({"type": "Container", "maxLimitRequestRatio": {"memory": "2"}}))
    with pytest.raises(errors.Forbidden) as e:
        c.apply(pod("web", container("app", requests={"memory": "100Mi"}, limits={"memory": "300Mi"})))
    assert e.value.message == ('pods "web" is forbidden: memory max limit to request ratio per Container is 2, '
                               'but provided ratio is 3.000000')


def test_defaults_are_applied_before_the_checks(c):
    # a default over the max is caught when the Pod is checked, as in Kubernetes
    c.apply(limit_range({"type": "Container", "default": {"cpu": "2"}, "max": {"cpu": "1"}}))
    with pytest.raises(errors.Forbidden, match="maximum cpu usage per Container is 1, but limit is 2"):
        c.apply(pod("web", container("app")))


def test_claims_are_bounded_by_min_and_max_storage(c):
    # docs (Limit Storage Consumption): a PersistentVolumeClaim LimitRange
    c.apply(limit_range({"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": "2Gi"}},
                        name="storagelimits"))
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "big"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}}
    with pytest.raises(errors.Forbidden) as e:
        c.apply(claim)
    assert e.value.message == ('persistentvolumeclaims "big" is forbidden: maximum storage usage per '
                               'PersistentVolumeClaim is 2Gi, but request is 5Gi')
    claim["metadata"]["name"], claim["spec"]["resources"]["requests"]["storage"] = "small", "500Mi"
    with pytest.raises(errors.Forbidden, match="minimum storage usage per PersistentVolumeClaim is 1Gi, "
                                                "but request is 500Mi"):
        c.apply(claim)


def test_limit_ranges_apply_only_in_their_own_namespace(c):
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}})
    c.apply(limit_range({"type": "Container", "max": {"cpu": "1"}}), namespace="dev")
    c.apply(pod("web", container("app", limits={"cpu": "2"})))
    assert c.get("pod", "web")["spec"]["containers"][0]["resources"]["limits"] == {"cpu": "2"}


def test_existing_pods_are_not_checked_again_when_updated(c):
    c.apply(pod("web", container("app", limits={"cpu": "2"})))
    c.apply(limit_range({"type": "Container", "max": {"cpu": "1"}}))
    c.api.patch("pods", "web", {"metadata": {"labels": {"tier": "front"}}})
    assert c.get("pod", "web")["metadata"]["labels"] == {"tier": "front"}
