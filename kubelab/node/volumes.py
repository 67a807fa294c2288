"""The kubelet's volume manager: set up a Pod's volumes before its sandbox.

* ``emptyDir`` — an empty directory shared by the Pod's containers, gone with the Pod;
* ``configMap`` / ``secret`` — one file per key (``items`` pick and rename keys), read-only;
* ``downwardAPI`` — the Pod's labels/annotations/name as files;
* ``projected`` — several of those in one directory (the service account token too);
* ``hostPath`` — a directory of the node, shared by every Pod on that node that mounts it;
* ``persistentVolumeClaim`` — storage that outlives Pods, one per claim in the cluster.

A source that does not exist stops the Pod in ContainerCreating with a
FailedMount event (``MountVolume.SetUp failed for volume "config" : configmap
"app-config" not found``), retried with back-off until it appears.
"""
from __future__ import annotations

from .. import errors
from .containerenv import ConfigError, downward_field, read_source
from .fs import Volume

__all__ = ["setup_volumes", "mounts_for", "MountError"]


class MountError(Exception):
    def __init__(self, volume: str, message: str):
        super().__init__(f'MountVolume.SetUp failed for volume "{volume}" : {message}')
        self.volume = volume


def _keyed(data: dict, items) -> dict[str, str]:
    if not items:
        return dict(data)
    return {item["path"]: data[item["key"]] for item in items if item.get("key") in data}


def _downward(pod: dict, items) -> dict[str, str]:
    files = {}
    for item in items or []:
        path = (item.get("fieldRef") or {}).get("fieldPath", "")
        if path in ("metadata.labels", "metadata.annotations"):
            values = pod["metadata"].get(path.split(".")[1]) or {}
            files[item["path"]] = "\n".join(f'{k}="{v}"' for k, v in sorted(values.items()))
        else:
            files[item["path"]] = downward_field(pod, path, "", "")
    return files


def _files(api, pod: dict, source_kind: str, source: dict, ns: str) -> dict[str, str]:
    if source_kind in ("configMap", "secret"):
        name = source.get("name") if source_kind == "configMap" else source.get("secretName", source.get("name"))
        data = read_source(api, source_kind.lower(), name or "", ns, bool(source.get("optional")))
        return _keyed(data or {}, source.get("items"))
    if source_kind == "downwardAPI":
        return _downward(pod, source.get("items"))
    if source_kind == "serviceAccountToken":
        return {source.get("path", "token"): "eyJhbGciOiJSUzI1NiIsImtpZCI6Imt1YmVsYWIifQ.simulated.token"}
    return {}


def setup_volumes(api, pod: dict, *, host_paths: dict, claims: dict) -> dict[str, Volume]:
    """Volume objects for every volume of ``pod``; raises MountError for a missing source."""
    ns = pod["metadata"].get("namespace", "default")
    out: dict[str, Volume] = {}
    for vol in (pod.get("spec") or {}).get("volumes") or []:
        name = vol.get("name", "")
        try:
            if "hostPath" in vol:
                out[name] = host_paths.setdefault(vol["hostPath"].get("path", "/"), Volume())
            elif "persistentVolumeClaim" in vol:
                claim = vol["persistentVolumeClaim"].get("claimName", "")
                try:
                    api.get("persistentvolumeclaims", claim, namespace=ns)
                except errors.NotFound:
                    raise ConfigError(f'persistentvolumeclaim "{claim}" not found') from None
                out[name] = claims.setdefault(f"{ns}/{claim}", Volume())
            elif "projected" in vol:
                files = {}
                for src in vol["projected"].get("sources") or []:
                    for kind, value in src.items():
                        files.update(_files(api, pod, kind, value, ns))
                if any("serviceAccountToken" in s for s in vol["projected"].get("sources") or []):
                    files.update({"ca.crt": "-----BEGIN CERTIFICATE-----\n(simulated)\n-----END CERTIFICATE-----\n",
                                  "namespace": ns})
                out[name] = Volume(files, read_only=True)
            else:
                kind = next((k for k in ("configMap", "secret", "downwardAPI") if k in vol), None)
                out[name] = Volume(_files(api, pod, kind, vol[kind], ns), read_only=True) if kind else Volume()
        except ConfigError as e:
            raise MountError(name, str(e)) from None
    return out


def mounts_for(container: dict, volumes: dict[str, Volume]) -> list[tuple]:
    """The container's (mountPath, volume, subPath, readOnly) list."""
    return [(m.get("mountPath", "/"), volumes[m.get("name")], m.get("subPath", ""), bool(m.get("readOnly")))
            for m in container.get("volumeMounts") or [] if m.get("name") in volumes]
