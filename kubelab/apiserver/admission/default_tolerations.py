"""DefaultTolerationSeconds: every Pod tolerates not-ready/unreachable nodes for 300 s.

That is why Pods on a failed node are evicted about five minutes after the
node controller taints it (plus the 50 s before the node is marked unhealthy).
"""
from ...api.defaults import default_toleration_seconds as _add_tolerations


def default_toleration_seconds(api, operation, obj, old, rtype) -> None:
    if operation == "CREATE" and rtype.kind == "Pod":
        _add_tolerations(obj)
