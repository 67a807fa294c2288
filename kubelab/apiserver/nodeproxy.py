"""pods/exec and pods/log: the API server proxies to the kubelet of the Pod's node.

``kubectl exec`` and ``kubectl logs`` talk to the API server, which checks the
request (the Pod exists, the container is one of its containers, it is bound
to a node) with the pod registry's own errors, then forwards it to that node's
kubelet, which answers from its containers — or explains why it cannot:
``previous terminated container "app" in pod "web" not found``.

Kubelets register here when they start (``api.nodes_proxy.register(node, kubelet)``).
"""
from __future__ import annotations

from datetime import timedelta

from .. import errors

__all__ = ["NodeProxy", "UpgradeError"]


class UpgradeError(errors.InternalError):
    """The exec stream could not be opened (kubectl: ``unable to upgrade connection: ...``)."""


class NodeProxy:
    def __init__(self, api):
        self.api = api
        self.kubelets: dict[str, object] = {}

    def register(self, node_name: str, kubelet) -> None:
        self.kubelets[node_name] = kubelet

    def unregister(self, node_name: str) -> None:
        self.kubelets.pop(node_name, None)

    def _target(self, name: str, namespace: str, container: str | None) -> tuple[dict, str]:
        """The Pod and a valid container name (pod registry: validateContainer)."""
        pod = self.api.get("pods", name, namespace=namespace)
        spec = pod["spec"]
        names = [c["name"] for c in list(spec.get("initContainers") or []) + list(spec.get("containers") or [])
                 + list(spec.get("ephemeralContainers") or [])]
        if not container:
            if len(spec.get("containers") or []) == 1:
                return pod, spec["containers"][0]["name"]
            raise errors.BadRequest(f"a container name must be specified for pod {name}, choose one of: "
                                    f"[{' '.join(names)}]")
        if container not in names:
            raise errors.BadRequest(f"container {container} is not valid for pod {name}")
        return pod, container

    def _kubelet(self, pod: dict):
        node = pod["spec"].get("nodeName")
        kubelet = self.kubelets.get(node)
        if kubelet is None or not kubelet.running:
            raise errors.ServiceUnavailable(f'error dialing backend: dial tcp: lookup {node}: no such host'
                                            if kubelet is None else
                                            f"error dialing backend: dial tcp {kubelet.node_ip}:10250: "
                                            "connect: connection refused")
        return kubelet

    def exec_result(self, name: str, namespace: str, container: str | None, command: list[str]):
        """The kubelet's ExecResult (output chunks by stream, exit code) for ``command``."""
        pod, container = self._target(name, namespace, container)
        if not pod["spec"].get("nodeName"):
            raise errors.BadRequest(f"pod {name} does not have a host assigned")
        try:
            return self._kubelet(pod).exec(name, namespace, container, list(command))
        except errors.NotFound as e:
            raise UpgradeError(f"unable to upgrade connection: {e.message}") from None

    def exec(self, name: str, namespace: str, container: str | None, command: list[str]) -> tuple[str, int]:
        """Run ``command``; returns what it printed (stdout and stderr, interleaved) and its exit code."""
        result = self.exec_result(name, namespace, container, command)
        return result.output, result.code

    def logs(self, name: str, namespace: str, container: str | None = None, previous: bool = False, *,
             timestamps: bool = False, tail: int | None = None) -> str:
        """A container's log, as ``kubectl logs`` prints it."""
        pod, container = self._target(name, namespace, container)
        if not pod["spec"].get("nodeName"):
            return ""
        lines = self._kubelet(pod).logs(pod, container, previous=previous)
        if tail is not None and tail >= 0:
            lines = lines[-tail:] if tail else []
        start = self.api.clock.start
        return "".join((f"{(start + timedelta(seconds=t)).strftime('%Y-%m-%dT%H:%M:%S.%f')}000Z " if timestamps
                        else "") + text + "\n" for t, _, text in lines)
