"""The scale subresource: ``GET``/``PUT .../deployments/web/scale`` (an autoscaling/v1 Scale).

A Scale is a view of a workload that only knows how many replicas it wants and has,
and which Pods are its own, so that ``kubectl scale`` and the HorizontalPodAutoscaler
can scale a Deployment, a ReplicaSet or a StatefulSet without knowing its kind::

    api.scale.get("deployments", "web")
    {'kind': 'Scale', 'apiVersion': 'autoscaling/v1', 'metadata': {...},
     'spec': {'replicas': 3}, 'status': {'replicas': 3, 'selector': 'app=web'}}

A write changes ``spec.replicas`` only; a Scale carrying a ``resourceVersion`` must
match the workload's (409 Conflict otherwise), as every update must.
"""
from __future__ import annotations

from .. import errors
from ..api.labels import selector_from_label_selector

__all__ = ["ScaleSubresource"]


class ScaleSubresource:
    """``api.scale``: get and update the scale of any kind that has a ``scale`` subresource."""

    def __init__(self, api):
        self.api = api

    def _type(self, resource):
        rtype = self.api.resolve(resource)
        if "scale" not in rtype.subresources:
            raise errors.NotFound(f"the server could not find the requested resource ({rtype.group_resource}/scale)")
        return rtype

    def get(self, resource, name: str, *, namespace: str = "default") -> dict:
        """The workload's Scale (scaleFromDeployment and its siblings)."""
        rtype = self._type(resource)
        return _scale_of(self.api.get(rtype, name, namespace=namespace))

    def update(self, resource, scale: dict, *, namespace: str | None = None) -> dict:
        """PUT the Scale: set the workload's ``spec.replicas``; returns the new Scale."""
        rtype = self._type(resource)
        meta = scale.get("metadata") or {}
        name, ns = meta.get("name", ""), meta.get("namespace") or namespace or "default"
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise errors.Invalid(f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: '
                                 f'{replicas}: must be greater than or equal to 0',
                                 causes=[errors.Cause("spec.replicas", "must be greater than or equal to 0",
                                                      "FieldValueInvalid")])
        obj = self.api.get(rtype, name, namespace=ns)
        want = meta.get("resourceVersion")
        if want and want != obj["metadata"]["resourceVersion"]:
            raise errors.Conflict(f'Operation cannot be fulfilled on {rtype.group_resource} "{name}": the object '
                                  'has been modified; please apply your changes to the latest version and try again',
                                  kind=rtype.plural, name=name, group=rtype.group)
        obj["spec"]["replicas"] = replicas
        return _scale_of(self.api.update(obj))


def _scale_of(obj: dict) -> dict:
    meta = obj["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": obj["spec"].get("replicas", 1)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                       "selector": str(selector_from_label_selector(obj["spec"].get("selector")))}}
