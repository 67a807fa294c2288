"""VolumeBinding (pkg/scheduler/framework/plugins/volumebinding): a Pod goes only
where its PersistentVolumeClaims can be satisfied, and for WaitForFirstConsumer
claims the scheduler itself decides which volume — or where a new one is
provisioned.

* PreFilter: no claims: Skip. A claim that is missing or being deleted, or an
  unbound claim of an Immediate class (the PV controller binds those first):
  ``pod has unbound immediate PersistentVolumeClaims`` (unresolvable; the Pod
  is retried when claims or volumes change). ``local`` volumes narrow the nodes.
* Filter, per node: a bound claim's volume must accept the node (its node
  affinity): else ``node(s) had volume node affinity conflict``. An unbound
  WaitForFirstConsumer claim needs an Available volume that fits and accepts
  the node (:func:`~kubelab.storage.matching.find_matching_volume`), or a class
  that can provision there (a provisioner other than kubernetes.io/no-provisioner,
  the node inside ``allowedTopologies``): else ``node(s) didn't find available
  persistent volumes to bind``.
* Reserve remembers the choice (so the next Pod does not take the same volume);
  Permit writes it — the volume's ``claimRef``, or the claim's
  ``volume.kubernetes.io/selected-node: <node>`` for the provisioner — and waits
  (up to ``bindTimeoutSeconds``, 600) until the PV controller has bound every
  claim; then the Pod is bound to the node.

simplified: Kubernetes writes and waits in PreBind; kubelab's binding cycle
cannot block there, so the plugin does both at Permit. No storage capacity
(CSIStorageCapacity) checks and no volume scoring.
"""
from __future__ import annotations

from ...api.quantity import parse_quantity
from ...client.informer import Informer
from ...storage.matching import (ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, NO_PROVISIONER,
                                 check_node_affinity, claim_class, find_matching_volume, pod_claim_names)
from ...storage.provisioners import allowed_on
from ..framework import ClusterEvent, Plugin, PreFilterResult, Status

ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict"
ERR_REASON_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
BIND_TIMEOUT_SECONDS = 600
_KEY = "PreFilterVolumeBinding"
_HOSTNAME = "kubernetes.io/hostname"


class _Claims:
    """The Pod's claims, sorted for this cycle (GetPodVolumeClaims)."""

    def __init__(self, bound, to_bind):
        self.bound, self.to_bind = bound, to_bind
        self.by_node: dict[str, tuple[dict, list]] = {}     # node -> (static bindings, claims to provision)


def _fully_bound(pvc: dict) -> bool:
    return bool(pvc["spec"].get("volumeName")) and ANN_BIND_COMPLETED in (pvc["metadata"].get("annotations") or {})


def _local_node_names(pv: dict) -> set[str] | None:
    """GetLocalPersistentVolumeNodeNames: the nodes a ``local`` volume is pinned to by hostname."""
    if "local" not in pv["spec"]:
        return None
    names = set()
    for term in (((pv["spec"].get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms") or []):
        for expr in term.get("matchExpressions") or ():
            if expr.get("key") == _HOSTNAME and expr.get("operator") == "In":
                names.update(expr.get("values") or ())
    return names or None


class VolumeBinding(Plugin):
    name = "VolumeBinding"

    def __init__(self, args=None):
        self.timeout = (args or {}).get("bindTimeoutSeconds", BIND_TIMEOUT_SECONDS)
        self.claims = self.volumes = self.classes = None
        self.assumed: dict[str, str] = {}        # volume name -> "ns/claim" chosen but not yet seen bound

    # -- caches ---------------------------------------------------------------------
    def _watch(self) -> None:
        """The plugin's own informers (claims, volumes, classes); their changes retry Pods."""
        if self.claims is not None:
            return
        api, loop = self.handle.api, self.handle.loop
        made = []
        for resource, kind in (("persistentvolumeclaims", "PersistentVolumeClaim"),
                               ("persistentvolumes", "PersistentVolume"), ("storageclasses", "StorageClass")):
            informer = Informer(api, resource, loop=loop, owner="kube-scheduler")
            informer.add_handler(lambda obj, k=kind: self._changed(k, "Add", None, obj),
                                 lambda old, new, k=kind: self._changed(k, "Update", old, new), None)
            made.append(informer)
        self.claims, self.volumes, self.classes = made
        for informer in made:
            informer.start()

    def _changed(self, kind: str, action: str, old, new) -> None:
        if kind == "PersistentVolume" and new["spec"].get("claimRef"):
            self.assumed.pop(new["metadata"]["name"], None)
        if kind == "PersistentVolumeClaim":
            self._release_waiting()
        self.handle.move_all_on_event(kind, (action,), old, new)

    def events_to_register(self):
        return [ClusterEvent("PersistentVolumeClaim", "*"), ClusterEvent("PersistentVolume", "*"),
                ClusterEvent("StorageClass", "*"), ClusterEvent("Node", "Add"),
                ClusterEvent("Node", "UpdateNodeLabel")]

    # -- PreFilter / Filter -----------------------------------------------------------
    def pre_filter(self, state, pod):
        names = pod_claim_names(pod)
        if not names:
            return Status.skip()
        self._watch()
        ns = pod["metadata"].get("namespace") or "default"
        bound, to_bind, eligible = [], [], None
        for name in names:
            pvc = self.claims.get(name, ns)
            if pvc is None:
                return Status.unresolvable(f'persistentvolumeclaim "{name}" not found')
            if pvc["metadata"].get("deletionTimestamp"):
                return Status.unresolvable(f'persistentvolumeclaim "{name}" is being deleted')
            if _fully_bound(pvc):
                bound.append(pvc)
                pv = self.volumes.get(pvc["spec"]["volumeName"])
                local = _local_node_names(pv) if pv is not None else None
                if local is not None:
                    eligible = local if eligible is None else eligible & local
                continue
            sc = self.classes.get(claim_class(pvc)) if claim_class(pvc) else None
            if sc is None or sc.get("volumeBindingMode") != "WaitForFirstConsumer":
                return Status.unresolvable(ERR_UNBOUND_IMMEDIATE)
            to_bind.append(pvc)
        state[_KEY] = _Claims(bound, to_bind)
        return PreFilterResult(eligible) if eligible is not None else None

    def filter(self, state, pod, node_info):
        claims: _Claims = state[_KEY]
        node = node_info.node
        reasons = []
        for pvc in claims.bound:
            pv = self.volumes.get(pvc["spec"]["volumeName"])
            if pv is None:
                reasons.append(ERR_REASON_PV_NOT_EXIST)
                break
            if not check_node_affinity(pv, node):
                reasons.append(ERR_REASON_NODE_CONFLICT)
                break
        if claims.to_bind:
            found = self._find_for_node(claims.to_bind, node)
            if found is None:
                reasons.append(ERR_REASON_BIND_CONFLICT)
            else:
                claims.by_node[node_info.name] = found
        return Status.unresolvable(*reasons) if reasons else None

    def _find_for_node(self, to_bind, node) -> tuple[dict, list] | None:
        """FindPodVolumes for the unbound claims: static bindings and claims to provision."""
        static, provision, chosen = {}, [], set(self.assumed)
        for pvc in sorted(to_bind, key=lambda c: _requested(c)):
            selected = (pvc["metadata"].get("annotations") or {}).get(ANN_SELECTED_NODE)
            if selected:
                if selected != node["metadata"]["name"]:
                    return None             # already being provisioned for another node
                provision.append(pvc)
                continue
            same_class = [pv for pv in self.volumes.list() if claim_class(pv) == claim_class(pvc)]
            pv = find_matching_volume(pvc, same_class, node=node, excluded=chosen, delay_binding=True)
            if pv is not None:
                static[pv["metadata"]["name"]] = pvc
                chosen.add(pv["metadata"]["name"])
            else:
                provision.append(pvc)
        for pvc in provision:
            sc = self.classes.get(claim_class(pvc))
            if sc is None or sc.get("provisioner") in ("", NO_PROVISIONER) or not allowed_on(sc, node):
                return None
        return static, provision

    # -- Reserve / Permit: choose, write, wait ------------------------------------------
    def reserve(self, state, pod, node_name):
        claims: _Claims = state.get(_KEY)
        if claims is None or not claims.to_bind:
            return None
        static, _ = claims.by_node.get(node_name, ({}, []))
        for pv_name, pvc in static.items():
            self.assumed[pv_name] = f'{pvc["metadata"]["namespace"]}/{pvc["metadata"]["name"]}'
        return None

    def unreserve(self, state, pod, node_name):
        claims: _Claims = state.get(_KEY)
        if claims is not None:
            for pv_name in claims.by_node.get(node_name, ({}, []))[0]:
                self.assumed.pop(pv_name, None)

    def permit(self, state, pod, node_name):
        claims: _Claims = state.get(_KEY)
        if claims is None or not claims.to_bind:
            return None
        static, provision = claims.by_node.get(node_name, ({}, []))
        api = self.handle.api
        for pv_name, pvc in static.items():
            pv = self.volumes.get(pv_name)
            m = pvc["metadata"]
            ref = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": m["name"],
                   "namespace": m["namespace"], "resourceVersion": m.get("resourceVersion", ""), "uid": m["uid"]}
            annotations = dict(pv["metadata"].get("annotations") or {}, **{ANN_BOUND_BY_CONTROLLER: "yes"})
            api.update(dict(pv, metadata=dict(pv["metadata"], annotations=annotations),
                            spec=dict(pv["spec"], claimRef=ref)))
        for pvc in provision:
            annotations = dict(pvc["metadata"].get("annotations") or {})
            if annotations.get(ANN_SELECTED_NODE) != node_name:
                annotations[ANN_SELECTED_NODE] = node_name
                api.update(dict(pvc, metadata=dict(pvc["metadata"], annotations=annotations)))
        return Status.wait(), self.timeout

    def _release_waiting(self) -> None:
        """checkBindings: allow each Pod waiting here once all its claims are bound."""
        for waiting in self.handle.waiting_pods():
            if self.name not in waiting.pending:
                continue
            pod = waiting.pod
            ns = pod["metadata"].get("namespace") or "default"
            claims = [self.claims.get(n, ns) for n in pod_claim_names(pod)]
            if all(c is not None and _fully_bound(c) for c in claims):
                self.handle.loop.soon(lambda w=waiting: w.allow(self.name), "kube-scheduler")


def _requested(pvc: dict):
    return parse_quantity(((pvc["spec"].get("resources") or {}).get("requests") or {}).get("storage", 0))
