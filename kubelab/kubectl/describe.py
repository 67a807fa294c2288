"""``kubectl describe``: each object through its kind's describer, separated by a
blank line; ``describe TYPE PREFIX`` describes every object whose name starts
with PREFIX when none is called exactly that. Describers read the storage version of a
resource served in several (``describe horizontalpodautoscalers.v1.autoscaling`` reads
autoscaling/v2, as kubectl's HorizontalPodAutoscaler describer does)."""
from __future__ import annotations

from kubelab import errors

from .describers import describe_object
from .errors import KubectlError, api_error_text
from .session import Session

__all__ = ["describe"]


def describe(s: Session) -> None:
    failures: list[errors.ApiError] = []
    if s.inv.flag("filename"):
        found = []
        for f in s.files():
            rtype = s.api.registry.storage_of(f.rtype)
            try:
                found.append((rtype, s.api.get(rtype, f.obj["metadata"]["name"],
                                               namespace=s.object_namespace(rtype, f.obj))))
            except errors.ApiError as e:
                failures.append(e)
    elif not s.inv.args:
        raise KubectlError('error: You must specify the type of resource to describe. Use "kubectl api-resources" '
                           "for a complete list of supported resources.")
    else:
        found = []
        for req in s.requests(s.inv.args):
            rtype = s.api.registry.storage_of(req.rtype)
            if not req.names:
                listed = s.api.list(rtype, namespace=s.list_namespace(rtype),
                                    label_selector=s.inv.flag("selector"))["items"]
                found += [(rtype, o) for o in listed]
                continue
            for name in req.names:
                try:
                    found.append((rtype, s.api.get(rtype, name, namespace=s.namespace if rtype.namespaced else None)))
                except errors.NotFound as e:
                    if len(s.inv.args) == 2 and "/" not in s.inv.args[0]:
                        return _matching(s, rtype, name, e)
                    failures.append(e)
    if found:
        s.out("\n\n".join(describe_object(s, rtype, obj) for rtype, obj in found))
    elif not failures:
        s.warn("No resources found" if s.all_namespaces else f"No resources found in {s.namespace} namespace.")
    for e in failures:
        s.err(api_error_text(e))


def _matching(s: Session, rtype, prefix: str, not_found: errors.NotFound) -> None:
    """DescribeMatchingResources: every object named PREFIX..., each followed by a newline."""
    listed = s.api.list(rtype, namespace=s.namespace if rtype.namespaced else None)["items"]
    matches = [o for o in listed if o["metadata"]["name"].startswith(prefix)]
    if not matches:
        s.err(api_error_text(not_found))
    for obj in matches:
        s.out(describe_object(s, rtype, obj) + "\n")
