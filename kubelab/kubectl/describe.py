"""``kubectl describe``: finds the objects (exact name, else name prefix, else all
of the type), renders each with its kind's describer, separated by blank lines."""
from __future__ import annotations

from kubelab import errors

from .describers import describe_object
from .errors import KubectlError, api_error_text
from .session import Session

__all__ = ["describe"]


def describe(s: Session) -> None:
    if s.inv.flag("filename"):
        found = [(f.rtype, s.api.get(f.rtype, f.obj["metadata"]["name"], namespace=s.object_namespace(f.rtype, f.obj)))
                 for f in s.files()]
    elif not s.inv.args:
        raise KubectlError('You must specify the type of resource to describe. Use "kubectl api-resources" for a '
                           'complete list of supported resources.\n\n'
                           "error: Required resource not specified.\n"
                           "See 'kubectl describe -h' for help and examples")
    else:
        found = []
        for req in s.requests(s.inv.args):
            ns = s.list_namespace(req.rtype)
            if not req.names:
                listed = s.api.list(req.rtype, namespace=ns, label_selector=s.inv.flag("selector"))["items"]
                found += [(req.rtype, o) for o in listed]
                continue
            for name in req.names:
                found += _by_name_or_prefix(s, req.rtype, name)
    texts = [describe_object(s, rtype, obj) for rtype, obj in found]
    if texts:
        s.out("\n\n".join(texts))
    elif not s.chunks:
        where = "" if s.all_namespaces else f" in {s.namespace} namespace"
        s.warn(f"No resources found{where}.")


def _by_name_or_prefix(s: Session, rtype, name: str):
    """describe's lookup: the exact name, or every object whose name starts with it."""
    ns = s.namespace if rtype.namespaced else None
    try:
        return [(rtype, s.api.get(rtype, name, namespace=ns))]
    except errors.NotFound as e:
        listed = s.api.list(rtype, namespace=ns)["items"]
        matches = [(rtype, o) for o in listed if o["metadata"]["name"].startswith(name)]
        if not matches:
            s.err(api_error_text(e))
        return matches
