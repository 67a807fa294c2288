"""kl.export: the learner's objects as plain manifests and verify.sh, replayed with the real
kubectl on a fresh cluster (``kubelab serve`` standing in for kind or minikube)."""
from __future__ import annotations

import os
import subprocess

import pytest
import yaml

import kubelab as kl
from kubelab.apiserver.http import LabServer
from kubelab.apiserver.live import wall_clock_start

KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32"

SHOP = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: hello}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: hello, image: busybox:1.36, command: [echo, hi]}]
"""


def scenario(cluster):
    """A chapter's cells: apply, scale, a ConfigMap made and deleted, a Pod run by hand."""
    cluster.apply(SHOP)
    cluster.run(60)
    cluster.kubectl("scale deployment web -n shop --replicas=3")
    cluster.kubectl("create configmap scratch --from-literal=a=b")
    cluster.kubectl("delete configmap scratch")
    cluster.kubectl("run solo --image=nginx:1.27")
    cluster.run(60)
    return cluster


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "scenario"
    files = kl.export(scenario(kl.Cluster()), str(path))
    return path, [os.path.basename(f) for f in files]


def manifest(path, name) -> dict:
    return yaml.safe_load((path / name).read_text())


def test_the_learners_objects_are_written_in_the_order_first_written_then_verify_sh(exported):
    # The ConfigMap the learner deleted is not part of the end state; the cluster's own objects
    # (namespace default, Nodes, Leases, PriorityClasses, the kubernetes Service) are not the learner's.
    _, files = exported
    assert files == ["01-namespace-shop.yaml", "02-deployment-shop-web.yaml", "03-service-shop-web.yaml",
                     "04-job-hello.yaml", "05-pod-solo.yaml", "verify.sh"]


def test_a_manifest_is_the_learners_last_write_without_what_the_server_set(exported):
    path, _ = exported
    web = manifest(path, "02-deployment-shop-web.yaml")
    assert web["spec"]["replicas"] == 3                               # kubectl scale was the last write
    assert "status" not in web
    assert sorted(web["metadata"]) == ["name", "namespace"]            # no uid, resourceVersion, generation...
    assert web["spec"]["strategy"]["type"] == "RollingUpdate"          # defaults stay: valid input


@pytest.mark.parametrize("name, absent", [
    # Allocated by the API server or set by controllers, different on another cluster:
    ("03-service-shop-web.yaml", ["clusterIP", "clusterIPs"]),        # the Service IP allocator
    ("05-pod-solo.yaml", ["nodeName"]),                                # the scheduler's binding
    ("04-job-hello.yaml", ["selector"]),                               # generated from the Job's uid
])
def test_fields_the_cluster_fills_in_are_left_out(exported, name, absent):
    path, _ = exported
    spec = manifest(path, name)["spec"]
    assert [field for field in absent if field in spec] == []


def test_a_jobs_template_loses_the_labels_generated_from_its_uid(exported):
    # Kubernetes refuses a Job whose selector it did not generate unless manualSelector is true.
    path, _ = exported
    assert "metadata" not in manifest(path, "04-job-hello.yaml")["spec"]["template"]


def test_what_a_controller_wrote_after_the_learner_is_not_exported(tmp_path):
    c = kl.Cluster()
    c.apply(SHOP)
    c.run(30)
    c.api.patch("deployments", "web", {"spec": {"replicas": 5}}, namespace="shop",
                user_agent="horizontal-pod-autoscaler")
    kl.export(c, str(tmp_path))
    assert manifest(tmp_path, "02-deployment-shop-web.yaml")["spec"]["replicas"] == 2


def test_verify_sh_checks_the_state_the_lab_reached(exported):
    path, _ = exported
    checks = [line for line in (path / "verify.sh").read_text().splitlines() if line.startswith("check ")]
    assert checks == [
        "check get namespace/shop",
        "check rollout status deployment/web -n shop --timeout=$TIMEOUT",
        "check wait --for=jsonpath='{.status.readyReplicas}'=3 deployment/web -n shop --timeout=$TIMEOUT",
        "check get service/web -n shop",
        "check wait --for=condition=Complete job/hello -n default --timeout=$TIMEOUT",
        "check wait --for=condition=Ready pod/solo -n default --timeout=$TIMEOUT",
    ]
    assert os.access(path / "verify.sh", os.X_OK)


@pytest.mark.skipif(not os.access(KUBECTL, os.X_OK), reason="the kubectl v1.32 binary is not installed")
def test_the_export_replays_on_a_fresh_cluster_with_the_real_kubectl(exported, tmp_path):
    path, _ = exported
    fresh = kl.Cluster(nodes=2, loop=wall_clock_start())
    with LabServer(fresh, speed=20) as server:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KUBECTL": KUBECTL, "TIMEOUT": "60s",
               "KUBECONFIG": server.write_kubeconfig(str(tmp_path / "kubeconfig"))}
        applied = subprocess.run([KUBECTL, "apply", "-f", str(path)], capture_output=True, text=True, env=env,
                                 timeout=60)
        assert applied.stdout.splitlines() == [
            "namespace/shop created", "deployment.apps/web created", "service/web created",
            "job.batch/hello created", "pod/solo created"]
        verified = subprocess.run(["sh", str(path / "verify.sh")], capture_output=True, text=True, env=env,
                                  timeout=300)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.endswith("verified: the 5 objects of the scenario are as the lab left them\n")


def test_an_export_after_the_history_was_compacted_writes_the_same_manifests(exported, tmp_path):
    # kube-apiserver compacts every 5 minutes: the learner's writes of an hour ago are read as
    # the objects are now, which for this scenario is what the learner last wrote.
    path, files = exported
    later = scenario(kl.Cluster())
    later.run(3600)
    assert later.store.compacted > max(a.revision for a in later.api.audit if a.user_agent == "kubectl")
    written = kl.export(later, str(tmp_path))
    assert [os.path.basename(f) for f in written] == files
    for name in files[:-1]:
        assert manifest(tmp_path, name) == manifest(path, name), name


def test_an_export_that_cannot_tell_a_compacted_writes_namespace_is_410_gone(tmp_path):
    c = kl.Cluster(nodes=1)
    c.kubectl("create namespace other")
    c.kubectl("create configmap same --from-literal=a=b")
    c.kubectl("create configmap same -n other --from-literal=a=b")
    c.run(600)
    with pytest.raises(kl.errors.Gone, match="too old resource version"):
        kl.export(c, str(tmp_path))
