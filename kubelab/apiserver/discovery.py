"""API discovery: how clients learn which resources the server has (``kubectl api-resources``).

Two shapes, as kube-apiserver v1.32 serves them:

* the legacy documents: ``/api`` (APIVersions), ``/apis`` (APIGroupList), ``/apis/<group>``
  (APIGroup) and ``/api/v1``, ``/apis/<group>/<version>`` (APIResourceList, with
  subresources such as ``pods/eviction`` listed as their own entries);
* aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList): every group,
  version and resource in one answer to ``/api`` or ``/apis``, sent when the client's
  Accept header asks for it (kubectl does), with that media type as Content-Type.

Everything is built from the API server's resource registry, every served version of
each resource (autoscaling/v2 and autoscaling/v1, the first preferred), so a learner's
custom resource appears as soon as it is registered.
"""
from __future__ import annotations

__all__ = ["AGGREGATED", "version_info", "wants_aggregated", "document"]

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

#: What each subresource answers with: (group, version, kind or None for the parent's), verbs.
_SUBRESOURCES = {
    "status": (None, ("get", "patch", "update")),
    "scale": (("autoscaling", "v1", "Scale"), ("get", "patch", "update")),
    "eviction": (("policy", "v1", "Eviction"), ("create",)),
    "binding": (("", "v1", "Binding"), ("create",)),
    "log": (("", "v1", "Pod"), ("get",)),
    "exec": (("", "v1", "PodExecOptions"), ("create", "get")),
    "finalize": (None, ("update",)),
}


def version_info() -> dict:
    """``/version``: what ``kubectl version`` prints as the server's version."""
    return {"major": "1", "minor": "32", "gitVersion": "v1.32.0-kubelab", "gitCommit": "kubelab",
            "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23.4",
            "compiler": "gc", "platform": "linux/amd64"}


def wants_aggregated(accept: str) -> bool:
    return "as=APIGroupDiscoveryList" in (accept or "") and "v=v2" in (accept or "")


def _groups(registry) -> dict[str, list[str]]:
    """Group -> its versions, in registry order (the core group is "")."""
    groups: dict[str, list[str]] = {}
    for t in registry.served():
        versions = groups.setdefault(t.group, [])
        if t.version not in versions:
            versions.append(t.version)
    return groups


def _group_version(group: str, version: str) -> dict:
    return {"groupVersion": f"{group}/{version}" if group else version, "version": version}


def _api_group(group: str, versions: list[str]) -> dict:
    return {"name": group, "versions": [_group_version(group, v) for v in versions],
            "preferredVersion": _group_version(group, versions[0])}


def _sub_kind(t, sub: str) -> tuple[str, str, str]:
    kind, _ = _SUBRESOURCES.get(sub, (None, ("get",)))
    return kind or (t.group, t.version, t.kind)


def _resource_list(types, group_version: str) -> dict:
    """APIResourceList of one group version."""
    resources = []
    for t in types:
        r = {"name": t.plural, "singularName": t.singular, "namespaced": t.namespaced, "kind": t.kind,
             "verbs": list(t.verbs)}
        if t.short_names:
            r["shortNames"] = list(t.short_names)
        if t.categories:
            r["categories"] = list(t.categories)
        resources.append(r)
        for sub in t.subresources:
            group, version, kind = _sub_kind(t, sub)
            resources.append({"name": f"{t.plural}/{sub}", "singularName": "", "namespaced": t.namespaced,
                              "group": group, "version": version, "kind": kind,
                              "verbs": list(_SUBRESOURCES.get(sub, (None, ("get",)))[1])})
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}


def _discovery_resource(t) -> dict:
    """One resource of aggregated discovery (APIResourceDiscovery)."""
    r = {"resource": t.plural, "responseKind": {"group": t.group, "version": t.version, "kind": t.kind},
         "scope": "Namespaced" if t.namespaced else "Cluster", "singularResource": t.singular,
         "verbs": list(t.verbs)}
    if t.short_names:
        r["shortNames"] = list(t.short_names)
    if t.categories:
        r["categories"] = list(t.categories)
    if t.subresources:
        r["subresources"] = []
        for sub in t.subresources:
            group, version, kind = _sub_kind(t, sub)
            r["subresources"].append({"subresource": sub, "responseKind": {"group": group, "version": version,
                                                                           "kind": kind},
                                      "verbs": list(_SUBRESOURCES.get(sub, (None, ("get",)))[1])})
    return r


def _aggregated(registry, core: bool) -> dict:
    items = []
    for group, versions in _groups(registry).items():
        if (group == "") != core:
            continue
        items.append({"metadata": {"name": group} if group else {}, "versions": [
            {"version": v, "freshness": "Current",
             "resources": [_discovery_resource(t) for t in registry.served() if t.group == group and t.version == v]}
            for v in versions]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}


def document(path: str, registry, *, aggregated: bool, server_address: str) -> dict | None:
    """The discovery document at ``path`` (None: not a discovery path)."""
    parts = [p for p in path.split("/") if p]
    groups = _groups(registry)
    if parts == ["api"]:
        if aggregated:
            return _aggregated(registry, core=True)
        return {"kind": "APIVersions", "versions": groups.get("", []),
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}
    if parts == ["apis"]:
        if aggregated:
            return _aggregated(registry, core=False)
        return {"kind": "APIGroupList", "apiVersion": "v1",
                "groups": [_api_group(g, vs) for g, vs in groups.items() if g]}
    if len(parts) == 2 and parts[0] == "api" and parts[1] in groups.get("", []):
        return _resource_list([t for t in registry.served() if not t.group and t.version == parts[1]], parts[1])
    if len(parts) == 2 and parts[0] == "apis" and parts[1] in groups and parts[1]:
        return {"kind": "APIGroup", "apiVersion": "v1", **_api_group(parts[1], groups[parts[1]])}
    if len(parts) == 3 and parts[0] == "apis" and parts[2] in groups.get(parts[1], []) and parts[1]:
        return _resource_list([t for t in registry.served() if t.group == parts[1] and t.version == parts[2]],
                              f"{parts[1]}/{parts[2]}")
    return None
