"""Volumes and environment variables, as the kubelet sets them up.

kubernetes.io "Configure a Pod to Use a ConfigMap", "Distribute Credentials Securely
Using Secrets", "Expose Pod Information to Containers Through Environment Variables"
and the kubelet's error texts: a missing ConfigMap volume keeps the Pod in
ContainerCreating with FailedMount `MountVolume.SetUp failed for volume "config" :
configmap "app-config" not found`; a missing key reference fails the container with
CreateContainerConfigError.
"""
import base64

import kubelab as kl


def pod(name, container, volumes=()):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "demo"}},
            "spec": {"volumes": list(volumes), "containers": [container]}}


def shell(**extra):
    return {"name": "app", "image": "busybox:1.36", "command": ["sleep", "3600"], **extra}


CONFIG = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config"},
          "data": {"mode": "debug", "app.properties": "color=blue\n"}}


def test_a_missing_config_map_volume_holds_the_pod_until_it_exists():
    c = kl.Cluster(nodes=1)
    c.apply(pod("cfg", shell(volumeMounts=[{"name": "config", "mountPath": "/etc/config"}]),
                [{"name": "config", "configMap": {"name": "app-config"}}]))
    c.run(5)
    status = c.get("pod", "cfg")["status"]
    assert status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"
    failed = [e for e in c.events() if e["reason"] == "FailedMount"]
    assert failed[0]["type"] == "Warning"
    assert failed[0]["message"] == 'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found'
    c.apply(CONFIG)
    c.run(10)
    assert "running" in c.get("pod", "cfg")["status"]["containerStatuses"][0]["state"]
    assert c.api.exec("cfg", "default", "app", ["cat", "/etc/config/app.properties"]) == ("color=blue\n", 0)
    assert c.api.exec("cfg", "default", "app", ["ls", "/etc/config"]) == ("app.properties\nmode\n", 0)
    out, code = c.api.exec("cfg", "default", "app", ["touch", "/etc/config/new"])
    assert (out, code) == ("touch: /etc/config/new: Read-only file system\n", 1)


def test_a_missing_key_is_a_create_container_config_error():
    c = kl.Cluster(nodes=1)
    c.apply([CONFIG, pod("env", shell(env=[{"name": "LEVEL", "valueFrom": {
        "configMapKeyRef": {"name": "app-config", "key": "level"}}}]))])
    c.run(5)
    waiting = c.get("pod", "env")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting == {"reason": "CreateContainerConfigError",
                       "message": "couldn't find key level in ConfigMap default/app-config"}
    assert "Error: couldn't find key level in ConfigMap default/app-config" in [
        e["message"] for e in c.events() if e["reason"] == "Failed"]


def test_environment_from_values_config_maps_secrets_and_the_downward_api():
    c = kl.Cluster(nodes=1)
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"},
              "data": {"password": base64.b64encode(b"s3cret").decode()}}
    c.apply([CONFIG, secret, pod("env", shell(
        envFrom=[{"configMapRef": {"name": "app-config"}, "prefix": "CFG_"}],
        env=[{"name": "GREETING", "value": "hi $(CFG_mode)"},
             {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
             {"name": "MY_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
             {"name": "MY_POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
             {"name": "MY_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
             {"name": "APP_LABEL", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}}]))])
    c.run(5)
    out, _ = c.api.exec("env", "default", "app", ["env"])
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    assert env["CFG_mode"] == "debug"
    assert env["GREETING"] == "hi debug"
    assert env["PASSWORD"] == "s3cret"
    assert env["MY_POD_NAME"] == "env" and env["MY_NODE_NAME"] == "node-1" and env["APP_LABEL"] == "demo"
    assert env["MY_POD_IP"] == c.get("pod", "env")["status"]["podIP"]
    assert env["HOSTNAME"] == "env"


def test_a_host_path_is_shared_by_pods_on_the_same_node():
    c = kl.Cluster(nodes=1)
    mount = [{"name": "host", "mountPath": "/host"}]
    volume = [{"name": "host", "hostPath": {"path": "/var/lib/demo", "type": "DirectoryOrCreate"}}]
    c.apply([pod("writer", shell(volumeMounts=mount), volume), pod("reader", shell(volumeMounts=mount), volume)])
    c.run(5)
    c.api.exec("writer", "default", "app", ["sh", "-c", "echo from writer > /host/note"])
    assert c.api.exec("reader", "default", "app", ["cat", "/host/note"]) == ("from writer\n", 0)
