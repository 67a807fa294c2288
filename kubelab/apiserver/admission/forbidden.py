"""admission.NewForbidden: ``pods "web" is forbidden: <why>`` (403)."""
from ... import errors


def forbidden(rtype, obj: dict, why: str) -> errors.Forbidden:
    """The object is named by its name, else its generateName (as Kubernetes does)."""
    m = obj.get("metadata") or {}
    name = m.get("name") or m.get("generateName") or "Unknown"
    return errors.Forbidden(f'{rtype.group_resource} "{name}" is forbidden: {why}',
                            kind=rtype.plural, name=name, group=rtype.group)


def aggregate(messages: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message as is, several (duplicates
    dropped) as ``[a, b]``."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"
