"""DefaultTolerationSeconds: every Pod tolerates not-ready/unreachable nodes for 300 s.

That is why Pods on a failed node are evicted about five minutes after the
node controller taints it (plus the 40 s before the node is marked unhealthy).
"""
from ...api.tolerations import tolerates

DEFAULT_SECONDS = 300
_TAINTS = ({"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"},
           {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"})


def default_toleration_seconds(api, operation, obj, old, rtype) -> None:
    if operation != "CREATE" or rtype.kind != "Pod":
        return
    tolerations = obj["spec"].setdefault("tolerations", [])
    for taint in _TAINTS:
        if not any(tolerates(t, taint) for t in tolerations):
            tolerations.append({"key": taint["key"], "operator": "Exists", "effect": "NoExecute",
                                "tolerationSeconds": DEFAULT_SECONDS})
