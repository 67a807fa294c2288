"""Failure injection: break the lab cluster on purpose, the ways real clusters break.

Each fault acts on one component from the outside, never through the API
server's back door, and the rest of the cluster has to notice and converge:

* ``fail_node``: the machine dies. Its kubelet stops heartbeating and every
  container on it is gone. The node lifecycle controller marks the node
  Unknown after 50 s and taints it; Pods are evicted 300 s later and their
  controllers recreate them elsewhere (about 350 s in all).
* ``partition_node``: the node is cut off from the API server. Its containers
  keep running, but the control plane sees the same silence as a failure.
* ``heal_node``: the machine or the network is back; the kubelet starts,
  relists its Pods, and adopts or cleans up what still runs.
* ``remove_node``: the machine is deleted for good (a cloud provider terminating
  the instance, as the cluster autoscaler asks it to): the Node object and the
  Pods still bound to it are deleted too.
* ``kill_container``: the container's main process is killed (SIGKILL, exit
  137); the kubelet restarts it according to the Pod's restartPolicy.
* ``stop_component`` / ``start_component``: stop and restart kube-scheduler,
  kube-controller-manager or one kubelet (``kubelet/node-1``); a restarted
  component rebuilds its caches from a fresh list, as after a real crash.
"""
from __future__ import annotations

from . import errors

__all__ = ["fail_node", "partition_node", "heal_node", "remove_node", "kill_container", "stop_component",
           "start_component"]


def _kubelet(cluster, node: str):
    try:
        return cluster.kubelets[node]
    except KeyError:
        known = ", ".join(sorted(cluster.kubelets)) or "none"
        raise errors.NotFound(f'nodes "{node}" not found (nodes with a kubelet: {known})',
                              kind="nodes", name=node) from None


def fail_node(cluster, node: str) -> None:
    """The machine dies: the kubelet stops and every Pod sandbox on it is torn down."""
    kubelet = _kubelet(cluster, node)
    kubelet.stop()
    for sandbox in sorted(kubelet.runtime.sandboxes.values(), key=lambda s: s.id):
        kubelet.runtime.remove_pod_sandbox(sandbox)


def partition_node(cluster, node: str) -> None:
    """The node loses the API server: its kubelet goes silent, its containers run on."""
    _kubelet(cluster, node).stop()


def heal_node(cluster, node: str) -> None:
    """The machine or its network is back: the kubelet starts again."""
    kubelet = _kubelet(cluster, node)
    if not kubelet.running:
        kubelet.start()


def remove_node(cluster, node: str) -> None:
    """The instance is terminated: the machine goes, its Node object is deleted (the cloud
    node lifecycle controller's job) and so are the Pods still bound to it (the pod garbage
    collector's). simplified: both happen at once, not after their checks' periods."""
    fail_node(cluster, node)
    del cluster.kubelets[node]
    cluster.api.nodes_proxy.unregister(node)
    for pod in cluster.api.list("pods", field_selector=f"spec.nodeName={node}")["items"]:
        try:
            cluster.api.delete("pods", pod["metadata"]["name"], namespace=pod["metadata"]["namespace"],
                               grace_period_seconds=0)
        except errors.NotFound:
            pass
    try:
        cluster.api.delete("nodes", node, namespace=None)
    except errors.NotFound:
        pass


def kill_container(cluster, pod: str, container: str | None = None, namespace: str = "default") -> None:
    """SIGKILL a running container's main process (exit code 137)."""
    obj = cluster.api.get("pods", pod, namespace=namespace)
    node = obj["spec"].get("nodeName")
    if not node:
        raise errors.BadRequest(f'pod "{pod}" is not scheduled to a node yet')
    kubelet = _kubelet(cluster, node)
    names = [c["name"] for c in obj["spec"]["containers"]]
    name = container or names[0]
    if name not in names:
        raise errors.BadRequest(f"container {name} is not valid for pod {pod}")
    running = [c for c in kubelet.runtime.containers.values()
               if c.sandbox.uid == obj["metadata"]["uid"] and c.name == name and c.state == "running"]
    if not running:
        raise errors.BadRequest(f'container "{name}" in pod "{pod}" is not running')
    kubelet.runtime.finish(running[-1], 137)


def _component(cluster, name: str):
    if name.startswith("kubelet/"):
        return _kubelet(cluster, name.split("/", 1)[1])
    try:
        return cluster.components[name]
    except KeyError:
        known = ", ".join(sorted(cluster.components) + [f"kubelet/{n}" for n in sorted(cluster.kubelets)])
        raise ValueError(f"no component {name!r}; components: {known}") from None


def stop_component(cluster, name: str) -> None:
    component = _component(cluster, name)
    if component.running:
        component.stop()


def start_component(cluster, name: str) -> None:
    component = _component(cluster, name)
    if not component.running:
        component.start()
