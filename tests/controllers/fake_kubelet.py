"""A stand-in for the scheduler and the kubelets in controller tests, as Kubernetes'
own controller tests write pod status with a fake client: bind each new pod
(round-robin over the nodes) through the pods/binding subresource, then after
``ready_after`` seconds mark it Running and Ready through the status
subresource (never Ready for ``bad_images``); finish graceful deletions at once."""
from kubelab import errors
from kubelab.api.meta import format_time
from kubelab.client import Informer


class FakeKubelet:
    def __init__(self, cluster, *, nodes=("node-1", "node-2", "node-3"), ready_after: float = 1.0,
                 ready: bool = True, bad_images=()):
        self.c, self.ready_after, self.ready, self.bad_images = cluster, ready_after, ready, set(bad_images)
        self.nodes = list(nodes)
        self.next = 0
        self.pods = Informer(cluster.api, "pods", loop=cluster.loop, owner="fake-kubelet")
        self.pods.add_handler(self.saw, lambda old, new: self.saw(new), None)
        self.pods.start()

    def saw(self, pod):
        m, api = pod["metadata"], self.c.api
        try:
            if m.get("deletionTimestamp"):
                api.delete("pods", m["name"], namespace=m["namespace"], grace_period_seconds=0)
            elif not pod["spec"].get("nodeName"):
                node = self.nodes[self.next % len(self.nodes)]
                self.next += 1
                api.create({"apiVersion": "v1", "kind": "Binding",
                            "metadata": {"name": m["name"], "namespace": m["namespace"]},
                            "target": {"kind": "Node", "name": node}})
            elif pod["status"].get("phase") == "Pending":
                self.c.loop.later(self.ready_after, lambda: self.start(m["namespace"], m["name"], m["uid"]),
                                  "fake-kubelet")
        except errors.ApiError:
            pass

    def start(self, namespace, name, uid):
        try:
            pod = self.c.api.get("pods", name, namespace=namespace)
        except errors.NotFound:
            return
        if pod["metadata"]["uid"] != uid or pod["status"].get("phase") != "Pending":
            return
        bad = any(ct["image"] in self.bad_images for ct in pod["spec"]["containers"])
        set_status(self.c, pod, ready=self.ready and not bad)


def controllers_only(nodes=0, **kw):
    """A cluster where only kube-controller-manager runs (as in Kubernetes' controller
    unit tests): no scheduler, no kubelets; FakeKubelet stands in for both."""
    import kubelab as kl
    cluster = kl.Cluster(nodes=nodes, **kw)
    for name, component in cluster.components.items():
        if name != cluster.controller_manager.name:
            component.stop()
    return cluster


def set_status(c, pod, *, ready=True, phase="Running", restarts=0):
    """Write a pod's phase and Ready condition (and a restart count) via the status subresource."""
    now = format_time(c.now)
    pod = c.api.get("pods", pod["metadata"]["name"], namespace=pod["metadata"]["namespace"])
    conditions = [cond for cond in pod["status"].get("conditions", []) if cond["type"] != "Ready"]
    conditions.append({"type": "Ready", "status": "True" if ready else "False", "lastProbeTime": None,
                       "lastTransitionTime": now})
    pod["status"].update(phase=phase, conditions=conditions, containerStatuses=[
        {"name": ct["name"], "ready": ready, "restartCount": restarts, "image": ct["image"]}
        for ct in pod["spec"]["containers"]])
    return c.api.update(pod, subresource="status")
