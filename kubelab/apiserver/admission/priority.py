"""Priority: resolve a Pod's priorityClassName to spec.priority and preemptionPolicy.

No class named: the cluster's globalDefault class if one exists, else 0.
(The two system classes are ordinary objects the API server creates at boot:
see bootstrap.py.)
"""
from ... import errors


def priority(api, operation, obj, old, rtype) -> None:
    if operation != "CREATE" or rtype.kind != "Pod":
        return
    spec = obj["spec"]
    name = spec.get("priorityClassName")
    classes = api.store.range(api.registry.resolve("priorityclasses").prefix())[0]
    if name:
        match = next((kv.value for kv in classes if kv.value["metadata"]["name"] == name), None)
        if match is None:
            raise errors.Forbidden(
                f'pods "{obj["metadata"].get("name", "")}" is forbidden: no PriorityClass with name '
                f'{name} was found', kind="pods", name=obj["metadata"].get("name", ""))
        value, policy = match.get("value", 0), match.get("preemptionPolicy", "PreemptLowerPriority")
    else:
        default = next((kv.value for kv in classes if kv.value.get("globalDefault")), None)
        value = default.get("value", 0) if default else 0
        policy = default.get("preemptionPolicy", "PreemptLowerPriority") if default else "PreemptLowerPriority"
        if default:
            spec["priorityClassName"] = default["metadata"]["name"]
    if "priority" in spec and spec["priority"] != value:
        raise errors.Forbidden(
            f'pods "{obj["metadata"].get("name", "")}" is forbidden: the integer value of priority '
            f'({spec["priority"]}) must not be provided in pod spec; priority admission controller '
            f'computed {value} from the given PriorityClass name')
    spec["priority"] = value
    spec.setdefault("preemptionPolicy", policy)
