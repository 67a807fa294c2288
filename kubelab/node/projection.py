"""The files of configMap, secret, downwardAPI and projected volumes, as the kubelet writes them.

* ``configMap`` / ``secret``: one file per key (a Secret's values base64-decoded);
  ``items`` pick keys and name their files, and a key that is not there fails the
  mount (``configmap references non-existent config key: level``) unless the
  source is ``optional``;
* ``downwardAPI``: ``fieldRef`` (``metadata.name``, ``metadata.namespace``,
  ``metadata.uid``, ``metadata.labels``, ``metadata.annotations`` — one
  ``key="value"`` line each, sorted —, ``metadata.labels['app']``) and
  ``resourceFieldRef`` (a container's requests and limits, limits defaulting to
  the node's allocatable) as files;
* ``projected``: several of those (and a ``serviceAccountToken``) in one directory.

These files are what the kubelet's atomic writer puts in the volume; it writes
them again on every pod sync and periodic resync, so a changed ConfigMap, Secret
or label reaches the files (never the environment variables) within a minute.

simplified: no ``..data`` symlinks, file modes or clusterTrustBundle sources; the
service account token is a fixed string.
"""
from __future__ import annotations

import json

from .containerenv import ConfigError, downward_field, read_source, resource_field

__all__ = ["projected_files", "PROJECTED_KINDS"]

#: volume sources whose files the kubelet projects (and refreshes)
PROJECTED_KINDS = ("configMap", "secret", "downwardAPI", "projected")
_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6Imt1YmVsYWIifQ.simulated.token"
_CA = "-----BEGIN CERTIFICATE-----\n(simulated)\n-----END CERTIFICATE-----\n"


def _keyed(kind: str, data: dict | None, items, optional: bool) -> dict[str, str]:
    if data is None:
        return {}
    if not items:
        return dict(data)
    files = {}
    for item in items:
        key = item.get("key")
        if key in data:
            files[item.get("path") or key] = data[key]
        elif not optional:
            what = "config" if kind == "configMap" else "secret"
            raise ConfigError(f"{kind.lower()} references non-existent {what} key: {key}")
    return files


def _format_map(values: dict) -> str:
    """fieldpath.FormatMap: ``key="value"`` lines in key order, Go-quoted, no final newline."""
    return "\n".join(f"{k}={json.dumps(v)}" for k, v in sorted(values.items()))


def _downward(pod: dict, items, allocatable: dict) -> dict[str, str]:
    files = {}
    containers = (pod.get("spec") or {}).get("containers") or [{}]
    for item in items or []:
        if item.get("resourceFieldRef"):
            ref = item["resourceFieldRef"]
            container = next((c for c in containers if c.get("name") == ref.get("containerName")), containers[0])
            files[item["path"]] = resource_field(container, ref, allocatable)
            continue
        path = (item.get("fieldRef") or {}).get("fieldPath", "")
        if path in ("metadata.labels", "metadata.annotations"):
            files[item["path"]] = _format_map(pod["metadata"].get(path.split(".")[1]) or {})
        else:
            files[item["path"]] = downward_field(pod, path, "", "")
    return files


def _source_files(api, pod: dict, kind: str, source: dict, ns: str, allocatable: dict) -> dict[str, str]:
    if kind in ("configMap", "secret"):
        name = source.get("name") if kind == "configMap" else source.get("secretName", source.get("name"))
        optional = bool(source.get("optional"))
        return _keyed(kind, read_source(api, kind.lower(), name or "", ns, optional), source.get("items"), optional)
    if kind == "downwardAPI":
        return _downward(pod, source.get("items"), allocatable)
    if kind == "serviceAccountToken":
        return {source.get("path", "token"): _TOKEN}
    return {}


def projected_files(api, pod: dict, volume: dict, *, allocatable: dict) -> dict[str, str]:
    """The files of one configMap/secret/downwardAPI/projected volume; raises ConfigError
    (``configmap "app-config" not found``) when a source is missing."""
    ns = pod["metadata"].get("namespace", "default")
    if "projected" not in volume:
        kind = next(k for k in PROJECTED_KINDS if k in volume)
        return _source_files(api, pod, kind, volume[kind] or {}, ns, allocatable)
    files: dict[str, str] = {}
    sources = (volume["projected"] or {}).get("sources") or []
    for source in sources:
        for kind, value in source.items():
            files.update(_source_files(api, pod, kind, value or {}, ns, allocatable))
    if any("serviceAccountToken" in s for s in sources):        # kube-api-access: the CA and namespace too
        files.update({"ca.crt": _CA, "namespace": ns})
    return files
