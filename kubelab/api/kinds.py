"""The resource registry: what ``kubectl api-resources`` lists.

Each :class:`ResourceType` records a kind's group/version, its plural (the URL
segment and etcd key), singular and short names, and whether it is namespaced,
so every name kubectl accepts (``po``, ``pods``, ``Pod``, ``deployments.apps``,
``deploy.v1.apps``) resolves to one type.

A resource may be served in several versions, as kube-apiserver serves HorizontalPodAutoscalers
as autoscaling/v2 and autoscaling/v1: one type is the storage version (what iterating the
registry yields, what controllers and ``kubectl api-resources`` see), the others name it in
their ``storage_version`` and are reached by version (``horizontalpodautoscalers.v1.autoscaling``,
an ``apiVersion: autoscaling/v1`` manifest, ``/apis/autoscaling/v1``); the API server converts
between them (conversion.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ResourceType", "Registry", "UnknownResource", "REGISTRY"]

_STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


class UnknownResource(LookupError):
    """A name no registered resource type answers to (kubectl: "the server doesn't have a resource type")."""

    def __init__(self, name: str):
        super().__init__(f'the server doesn\'t have a resource type "{name}"')
        self.name = name


@dataclass(frozen=True)
class ResourceType:
    """One API resource: a kind served at /apis/<group>/<version>/<plural>."""

    kind: str
    plural: str
    group: str = ""
    version: str = "v1"
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = _STANDARD_VERBS
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = field(default=())
    custom: bool = False          # a learner's CustomResourceDefinition-style kind
    #: for another served version of a resource: the version its objects are stored in
    storage_version: str = ""

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def group_resource(self) -> str:
        """``pods`` or ``deployments.apps``: how Kubernetes names the resource in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def key(self, name: str, namespace: str | None = None) -> str:
        """The etcd key kube-apiserver uses: ``/registry/pods/default/web``."""
        return self.prefix(namespace) + name

    def prefix(self, namespace: str | None = None) -> str:
        base = f"/registry/{self._storage_segment}/"
        if self.namespaced and namespace:
            return f"{base}{namespace}/"
        return base

    @property
    def _storage_segment(self) -> str:
        # Kubernetes keeps core and most built-in kinds under their plural; the
        # well-known exceptions below are where kube-apiserver stores them (Nodes
        # keep their pre-1.0 name, "minions").
        return {"services": "services/specs", "endpoints": "services/endpoints", "nodes": "minions"}.get(
            self.plural, self.plural if not self.group or self.group.endswith(".k8s.io")
            or "." not in self.group else f"{self.group}/{self.plural}")


class Registry:
    """All resource types, in the order ``kubectl api-resources`` prints them."""

    def __init__(self, types=()):
        self._types: list[ResourceType] = []
        self._served: list[ResourceType] = []
        self._names: dict[str, ResourceType] = {}
        for t in types.served() if isinstance(types, Registry) else types:
            self.register(t)

    def register(self, rtype: ResourceType) -> ResourceType:
        """Add a type (built in, or a learner's custom resource); names must be free.

        A type with a ``storage_version`` is another served version of a registered
        resource: it answers only to its plural or singular with its version
        (``horizontalpodautoscalers.v1.autoscaling``). A short name with a version
        (``hpa.v1.autoscaling``) still means the preferred version, as kubectl's shortcut
        expander drops the version when it expands ``hpa``."""
        if rtype in self._served:
            return rtype              # registering the same type again changes nothing
        if rtype.storage_version:
            preferred = self.storage_of(rtype)    # its storage version must be registered first
            self._served.append(rtype)
            versioned = f".{rtype.version}.{rtype.group}" if rtype.group else f".{rtype.version}"
            for n in self._names_of(rtype):
                if n.endswith(versioned):
                    self._names.setdefault(n, preferred if n.partition(".")[0] in rtype.short_names else rtype)
            return rtype
        names = self._names_of(rtype)
        taken = [n for n in names if n in self._names and self._names[n] != rtype]
        primary = [n for n in taken if n in (rtype.plural, rtype.kind.lower(), f"{rtype.plural}.{rtype.group}")]
        if primary and all(self._names[n].group == rtype.group for n in primary):
            raise ValueError(f"resource {rtype.group_resource} is already registered")
        self._types.append(rtype)
        self._served.append(rtype)
        for n in names:
            self._names.setdefault(n, rtype)
        return rtype

    @staticmethod
    def _names_of(t: ResourceType) -> list[str]:
        base = [t.plural, t.singular, t.kind.lower(), *t.short_names]
        names = list(base)
        if t.group:
            for b in (t.plural, t.singular, *t.short_names):
                names += [f"{b}.{t.group}", f"{b}.{t.version}.{t.group}"]
        else:
            for b in (t.plural, t.singular, *t.short_names):
                names.append(f"{b}.{t.version}")
        return names

    def resolve(self, name: str) -> ResourceType:
        """The type kubectl would pick for ``name`` (case-insensitive, plural/singular/short/kind)."""
        t = self._names.get(name.lower()) if isinstance(name, str) else None
        if t is None:
            raise UnknownResource(name)
        return t

    def for_kind(self, api_version: str, kind: str) -> ResourceType:
        """The type serving ``apiVersion``/``kind`` of a manifest."""
        for t in self._served:
            if t.kind == kind and t.api_version == api_version:
                return t
        raise UnknownResource(f"{kind}.{api_version}" if api_version else kind)

    def storage_of(self, rtype: ResourceType) -> ResourceType:
        """The type ``rtype``'s objects are stored as (``rtype`` itself for a storage version)."""
        if not rtype.storage_version:
            return rtype
        for t in self._types:
            if (t.group, t.plural, t.version) == (rtype.group, rtype.plural, rtype.storage_version):
                return t
        raise ValueError(f"{rtype.plural}.{rtype.group}: storage version {rtype.storage_version} is not registered")

    def served(self):
        """Every served version of every resource, storage versions first within a resource
        (the order discovery lists a group's versions in, preferred first)."""
        return iter(self._served)

    def __iter__(self):
        """The storage version of each resource."""
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)


def _builtin() -> list[ResourceType]:
    core = [
        ResourceType("Binding", "bindings", verbs=("create",)),
        ResourceType("ConfigMap", "configmaps", short_names=("cm",)),
        ResourceType("Endpoints", "endpoints", short_names=("ep",)),
        ResourceType("Event", "events", short_names=("ev",)),
        ResourceType("LimitRange", "limitranges", short_names=("limits",)),
        ResourceType("Namespace", "namespaces", namespaced=False, short_names=("ns",),
                     verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
                     subresources=("status", "finalize")),
        ResourceType("Node", "nodes", namespaced=False, short_names=("no",), subresources=("status",)),
        ResourceType("PersistentVolumeClaim", "persistentvolumeclaims", short_names=("pvc",),
                     subresources=("status",)),
        ResourceType("PersistentVolume", "persistentvolumes", namespaced=False, short_names=("pv",),
                     subresources=("status",)),
        ResourceType("Pod", "pods", short_names=("po",), categories=("all",),
                     subresources=("status", "binding", "eviction", "log", "exec")),
        ResourceType("ResourceQuota", "resourcequotas", short_names=("quota",), subresources=("status",)),
        ResourceType("Secret", "secrets"),
        ResourceType("ServiceAccount", "serviceaccounts", short_names=("sa",)),
        ResourceType("Service", "services", short_names=("svc",), categories=("all",),
                     verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
                     subresources=("status",)),
    ]
    apps = [
        ResourceType("ControllerRevision", "controllerrevisions", "apps"),
        ResourceType("DaemonSet", "daemonsets", "apps", short_names=("ds",), categories=("all",),
                     subresources=("status",)),
        ResourceType("Deployment", "deployments", "apps", short_names=("deploy",), categories=("all",),
                     subresources=("status", "scale")),
        ResourceType("ReplicaSet", "replicasets", "apps", short_names=("rs",), categories=("all",),
                     subresources=("status", "scale")),
        ResourceType("StatefulSet", "statefulsets", "apps", short_names=("sts",), categories=("all",),
                     subresources=("status", "scale")),
    ]
    others = [
        ResourceType("HorizontalPodAutoscaler", "horizontalpodautoscalers", "autoscaling", "v2",
                     short_names=("hpa",), categories=("all",), subresources=("status",)),
        ResourceType("HorizontalPodAutoscaler", "horizontalpodautoscalers", "autoscaling", "v1",
                     short_names=("hpa",), categories=("all",), subresources=("status",), storage_version="v2"),
        ResourceType("CronJob", "cronjobs", "batch", short_names=("cj",), categories=("all",),
                     subresources=("status",)),
        ResourceType("Job", "jobs", "batch", categories=("all",), subresources=("status",)),
        ResourceType("NetworkPolicy", "networkpolicies", "networking.k8s.io", short_names=("netpol",)),
        ResourceType("PodDisruptionBudget", "poddisruptionbudgets", "policy", short_names=("pdb",),
                     subresources=("status",)),
        ResourceType("StorageClass", "storageclasses", "storage.k8s.io", namespaced=False, short_names=("sc",)),
        ResourceType("PriorityClass", "priorityclasses", "scheduling.k8s.io", namespaced=False,
                     short_names=("pc",)),
        # the scheduler-plugins CRD behind gang scheduling (Coscheduling)
        ResourceType("PodGroup", "podgroups", "scheduling.x-k8s.io", "v1alpha1", short_names=("pg",),
                     subresources=("status",), custom=True),
        ResourceType("Lease", "leases", "coordination.k8s.io"),
        ResourceType("EndpointSlice", "endpointslices", "discovery.k8s.io"),
        # served from memory by metrics-server (an aggregated API), never stored: read-only
        ResourceType("NodeMetrics", "nodes", "metrics.k8s.io", "v1beta1", namespaced=False, verbs=("get", "list")),
        ResourceType("PodMetrics", "pods", "metrics.k8s.io", "v1beta1", verbs=("get", "list")),
    ]
    return core + apps + others


REGISTRY = Registry(_builtin())
