"""NamespaceLifecycle: no new objects in a namespace that is missing or terminating."""
from ... import errors

IMMORTAL = ("default", "kube-system", "kube-public")


def namespace_lifecycle(api, operation, obj, old, rtype) -> None:
    if operation != "CREATE" or not rtype.namespaced:
        return
    ns = obj["metadata"]["namespace"]
    kv = api.store.get(api.registry.resolve("namespaces").key(ns))
    if kv is None:
        raise errors.NotFound(f'namespaces "{ns}" not found', kind="namespaces", name=ns)
    if kv.value.get("status", {}).get("phase") == "Terminating" and rtype.kind != "Event":
        name = obj["metadata"].get("name") or obj["metadata"].get("generateName", "")
        raise errors.Forbidden(
            f'{rtype.group_resource} "{name}" is forbidden: unable to create new content in namespace '
            f'{ns} because it is being terminated', kind=rtype.plural, name=name)
