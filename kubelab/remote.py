"""``kl.connect``: the book's read-only views on a real cluster, through the official client.

    real = kl.connect(kubeconfig="~/.kube/config")     # kind, minikube, or ``kubelab serve``
    real.get("pods")                                   # plain dicts, as ``Cluster.get`` returns
    print(real.kubectl("get pods -o wide"))            # kubelab's printers over the real objects
    kl.widgets.ClusterView(real)                       # the nodes and their Pods

The official ``kubernetes`` client reads the kubeconfig (TLS, tokens, exec
plugins) and makes the requests; responses stay plain JSON, so kubelab's
kubectl printers and views render them unchanged. A connected cluster offers
what a view needs from a lab cluster: ``api`` (get and list), ``now``,
``events()`` and ``store.revision`` (the cluster's resourceVersion, which views
compare to redraw only when something changed); ``explain(pod)`` tells what the
scheduler's Events tell.

Simplified: read-only (``kubectl`` get, describe and api-resources); only the
resource types kubelab models are known (no discovery of custom resources);
ages are computed on this machine's clock.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Callable

from . import errors
from .api.kinds import REGISTRY, Registry, ResourceType, UnknownResource

__all__ = ["connect", "RemoteCluster", "RemoteAPI"]

#: the kubectl verbs a connected cluster runs: the ones that only read
READ_ONLY_VERBS = ("get", "describe", "api-resources")
#: the Events kube-scheduler records for a Pod (pkg/scheduler/schedule_one.go)
_SCHEDULING_REASONS = ("Scheduled", "FailedScheduling")


def connect(kubeconfig: str | None = None, *, context: str | None = None,
            now: Callable[[], datetime] | None = None) -> RemoteCluster:
    """A read-only view of the cluster ``kubeconfig`` points at (default: ``$KUBECONFIG``,
    else ``~/.kube/config``); ``context`` picks one of its contexts; ``now`` is the clock
    that ages are measured against (default: this machine's)."""
    try:
        from kubernetes import config
        from kubernetes.dynamic import DynamicClient
    except ImportError:
        raise ImportError("kl.connect needs the official Kubernetes client: pip install kubernetes") from None
    path = os.path.expanduser(kubeconfig or os.environ.get("KUBECONFIG", "~/.kube/config"))
    api_client = config.new_client_from_config(config_file=path, context=context)
    return RemoteCluster(RemoteAPI(DynamicClient(api_client)), now=now)


class RemoteAPI:
    """The reading half of the API server's interface, over HTTP: ``get`` and ``list``
    with the same arguments and results; errors are ``kubelab.errors`` rebuilt from
    the Status the server sent."""

    def __init__(self, client, registry: Registry = REGISTRY):
        self.client = client            # a kubernetes.dynamic.DynamicClient
        self.registry = registry
        self.virtual: dict = {}         # aggregated APIs kubelab serves from memory: none here

    @property
    def server(self) -> str:
        return self.client.configuration.host

    def resolve(self, resource) -> ResourceType:
        if isinstance(resource, ResourceType):
            return resource
        try:
            return self.registry.resolve(resource)
        except UnknownResource as e:
            raise errors.NotFound(str(e)) from None

    def get(self, resource, name: str, *, namespace: str | None = "default",
            resource_version: str | None = None) -> dict:
        rtype = self.resolve(resource)
        return self._get(self._path(rtype, namespace, name), resource_version=resource_version)

    def list(self, resource, *, namespace: str | None = None, label_selector=None, field_selector=None,
             resource_version: str | None = None, limit: int | None = None) -> dict:
        """A ``<Kind>List``; ``resource_version`` lists at exactly that revision, as the lab does."""
        rtype = self.resolve(resource)
        return self._get(self._path(rtype, namespace), label_selector=_text(label_selector),
                         field_selector=_text(field_selector), resource_version=resource_version,
                         resource_version_match="Exact" if resource_version else None, limit=limit)

    @staticmethod
    def _path(rtype: ResourceType, namespace: str | None, name: str | None = None) -> str:
        """The REST path: ``/api/v1/namespaces/default/pods/web``, ``/apis/apps/v1/deployments``."""
        path = f"/apis/{rtype.group}/{rtype.version}" if rtype.group else f"/api/{rtype.version}"
        if rtype.namespaced and namespace:
            path += f"/namespaces/{namespace}"
        path += f"/{rtype.plural}"
        return path + f"/{name}" if name is not None else path

    def _get(self, path: str, **params) -> dict:
        from kubernetes.dynamic.exceptions import DynamicApiError

        params = {k: v for k, v in params.items() if v is not None}
        try:
            response = self.client.request("GET", path, serialize=False, **params)
        except DynamicApiError as e:
            raise _api_error(e.status, e.body) from None
        return json.loads(response.data)


class RemoteCluster:
    """A real cluster as the book's read-only views see it (see the module docstring)."""

    def __init__(self, api: RemoteAPI, *, now: Callable[[], datetime] | None = None):
        self.api = api
        self.store = _ResourceVersion(api)
        self._now = now or (lambda: datetime.now(timezone.utc))

    @property
    def now(self) -> datetime:
        return self._now()

    def get(self, kind: str, name: str | None = None, namespace: str | None = "default",
            selector: str | None = None):
        """One object (a dict) by name, or a list of dicts (``namespace=None``: all namespaces)."""
        if name is not None:
            return self.api.get(kind, name, namespace=namespace)
        return self.api.list(kind, namespace=namespace, label_selector=selector)["items"]

    def events(self, namespace: str | None = None) -> list[dict]:
        """Event objects, oldest first (by last occurrence, then creation)."""
        items = self.api.list("events", namespace=namespace)["items"]
        return sorted(items, key=lambda e: (e.get("lastTimestamp") or e.get("eventTime") or "",
                                            _number(e["metadata"].get("resourceVersion")) or 0))

    def explain(self, pod, namespace: str = "default") -> str:
        """Why the scheduler placed a Pod, or could not: the message of its newest scheduling
        Event (``Successfully assigned ...`` or ``0/3 nodes are available: ...``). A real
        scheduler publishes no per-node Filter verdicts or scores, so that is what there is."""
        if isinstance(pod, dict):
            pod, namespace = pod["metadata"]["name"], pod["metadata"].get("namespace") or namespace
        found = [e for e in self.events(namespace) if e.get("reason") in _SCHEDULING_REASONS
                 and (e.get("involvedObject") or {}).get("name") == pod]
        if not found:
            return f"no scheduling event for pod {namespace}/{pod} (yet)"
        return found[-1]["message"]

    def kubectl(self, command: str):
        """What kubectl prints for a read-only command line (get, describe, api-resources)."""
        from .kubectl import Output, run

        words = command.split()
        verb = words[1] if words[:1] == ["kubectl"] and len(words) > 1 else (words or [""])[0]
        if verb not in READ_ONLY_VERBS:
            return Output([("stderr", f'error: kl.connect is read-only: "kubectl {verb}" is not available here '
                                      f'(it runs {", ".join(READ_ONLY_VERBS)}); use the real kubectl\n')], 1)
        return run(self, command)

    def __repr__(self) -> str:
        return f"<kubelab.connect {self.api.server}>"


class _ResourceVersion:
    """``store.revision`` for views: the resourceVersion of a one-item list, which moves with
    every write to the cluster's etcd (None if the server's resourceVersions are not numbers)."""

    def __init__(self, api: RemoteAPI):
        self._api = api

    @property
    def revision(self) -> int | None:
        return _number(self._api.list("namespaces", limit=1)["metadata"].get("resourceVersion"))


def _number(resource_version: str | None) -> int | None:
    """A resourceVersion as the etcd revision it is (Kubernetes calls them opaque: None if not)."""
    return int(resource_version) if resource_version and resource_version.isdigit() else None


def _text(selector) -> str | None:
    return None if selector is None else str(selector) or None


def _api_error(status: int, body) -> errors.ApiError:
    """The server's Status as a kubelab error (a body that is not a Status: the HTTP code)."""
    try:
        status_obj = json.loads(body)
        if isinstance(status_obj, dict) and status_obj.get("kind") == "Status":
            return errors.from_status(status_obj)
    except (TypeError, ValueError):
        pass
    cls = {404: errors.NotFound, 403: errors.Forbidden, 401: errors.Unauthorized}.get(status, errors.ApiError)
    return cls(f"the server answered HTTP {status}: {body!r}")
