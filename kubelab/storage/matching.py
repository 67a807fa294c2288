"""Which PersistentVolume a claim gets (component-helpers/storage/volume:
FindMatchingVolume, and the PV controller's access-mode index), shared by the
PV controller and the scheduler's VolumeBinding plugin.

A volume matches a claim when it is not bound to another claim, has at least
the requested capacity, the same ``volumeMode`` and storage class, is
``Available``, not being deleted, and its labels match the claim's
``selector``. A volume already bound (or pre-bound) to the claim wins outright;
otherwise the *smallest* match is chosen. The PV controller looks first among
volumes with the fewest access modes that include all the requested ones
(a claim for ReadWriteOnce prefers an RWO volume to an RWO+RWX one); the
scheduler also checks the volume's node affinity against a candidate node.

Worked example: a claim for 5Gi RWO, volumes of 3Gi, 10Gi and 20Gi (all RWO,
no class): 3Gi is too small, 10Gi is the smallest that fits.
"""
from __future__ import annotations

from ..api.affinity import node_selector_term_matches
from ..api.labels import SelectorError, selector_from_label_selector
from ..api.quantity import Quantity, parse_quantity

__all__ = ["default_class", "pod_claim_names", "claim_class", "volume_class", "is_bound_to", "find_matching_volume",
           "find_best_match",
           "check_node_affinity", "check_access_modes", "capacity", "ANN_BIND_COMPLETED",
           "ANN_BOUND_BY_CONTROLLER", "ANN_SELECTED_NODE", "ANN_PROVISIONED_BY", "ANN_STORAGE_PROVISIONER",
           "ANN_BETA_STORAGE_PROVISIONER", "ANN_DEFAULT_CLASS", "NO_PROVISIONER"]

ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
_ANN_BETA_CLASS = "volume.beta.kubernetes.io/storage-class"
#: a StorageClass provisioner meaning "no dynamic provisioning" (local volumes)
NO_PROVISIONER = "kubernetes.io/no-provisioner"


def pod_claim_names(pod: dict) -> list[str]:
    """The claims a Pod uses: its persistentVolumeClaim volumes, and the claims of its
    generic ephemeral volumes (named ``<pod>-<volume>``)."""
    names = []
    for vol in (pod.get("spec") or {}).get("volumes") or ():
        if "persistentVolumeClaim" in vol:
            names.append((vol["persistentVolumeClaim"] or {}).get("claimName", ""))
        elif "ephemeral" in vol:
            names.append(f'{pod["metadata"]["name"]}-{vol.get("name", "")}')
    return names


def default_class(classes) -> dict | None:
    """The default StorageClass (is-default-class "true"); with several, the newest, and of
    those created in the same second the first by name (GetDefaultClass)."""
    defaults = [c for c in classes if (c["metadata"].get("annotations") or {}).get(ANN_DEFAULT_CLASS) == "true"
                or (c["metadata"].get("annotations") or {}).get("storageclass.beta.kubernetes.io/is-default-class")
                == "true"]
    by_name = sorted(defaults, key=lambda c: c["metadata"]["name"])
    return max(by_name, key=lambda c: c["metadata"].get("creationTimestamp") or "", default=None)


def claim_class(pvc: dict) -> str:
    """GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else ""."""
    annotations = pvc["metadata"].get("annotations") or {}
    if _ANN_BETA_CLASS in annotations:
        return annotations[_ANN_BETA_CLASS]
    return (pvc.get("spec") or {}).get("storageClassName") or ""


def volume_class(pv: dict) -> str:
    """GetPersistentVolumeClass."""
    return claim_class(pv)


def capacity(pv: dict) -> Quantity:
    return parse_quantity(((pv.get("spec") or {}).get("capacity") or {}).get("storage", 0))


def is_bound_to(pv: dict, pvc: dict) -> bool:
    """IsVolumeBoundToClaim: claimRef names this claim (and its uid, if the ref has one)."""
    ref = (pv.get("spec") or {}).get("claimRef")
    if not ref:
        return False
    m = pvc["metadata"]
    if ref.get("name") != m["name"] or ref.get("namespace") != m.get("namespace"):
        return False
    return not ref.get("uid") or ref.get("uid") == m.get("uid")


def check_node_affinity(pv: dict, node: dict) -> bool:
    """CheckNodeAffinity: the node satisfies the volume's required node affinity (if any)."""
    required = (((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required"))
    if not required:
        return True
    return any(node_selector_term_matches(t, node) for t in required.get("nodeSelectorTerms") or [])


def check_access_modes(pvc: dict, pv: dict) -> bool:
    """CheckAccessModes: the volume offers every mode the claim asks for."""
    offered = set((pv.get("spec") or {}).get("accessModes") or ())
    return all(mode in offered for mode in (pvc.get("spec") or {}).get("accessModes") or ())


def find_matching_volume(pvc: dict, volumes, *, node: dict | None = None, excluded=(),
                         delay_binding: bool = False) -> dict | None:
    """FindMatchingVolume. ``node`` is given on the scheduler's path (node affinity and
    access modes are checked); ``delay_binding`` on the PV controller's path for a
    WaitForFirstConsumer claim (only a pre-bound volume may match then)."""
    spec = pvc.get("spec") or {}
    requested = parse_quantity(((spec.get("resources") or {}).get("requests") or {}).get("storage", 0))
    wanted_class = claim_class(pvc)
    wanted_mode = spec.get("volumeMode") or "Filesystem"
    try:
        selector = selector_from_label_selector(spec["selector"]) if spec.get("selector") is not None else None
    except SelectorError:
        return None
    smallest = None
    for pv in volumes:
        name = pv["metadata"]["name"]
        if name in excluded:
            continue
        pv_spec = pv.get("spec") or {}
        if pv_spec.get("claimRef") and not is_bound_to(pv, pvc):
            continue
        size = capacity(pv)
        if size < requested or (pv_spec.get("volumeMode") or "Filesystem") != wanted_mode:
            continue
        if pv["metadata"].get("deletionTimestamp"):
            continue
        affinity_ok = node is None or check_node_affinity(pv, node)
        if is_bound_to(pv, pvc):
            return pv if affinity_ok else None
        if node is None and delay_binding:
            continue
        if (pv.get("status") or {}).get("phase") != "Available":
            continue
        if selector is not None and not selector.matches(pv["metadata"].get("labels") or {}):
            continue
        if volume_class(pv) != wanted_class or not affinity_ok:
            continue
        if node is not None and not check_access_modes(pvc, pv):
            continue
        if smallest is None or capacity(smallest) > size:
            smallest = pv
    return smallest


def find_best_match(pvc: dict, volumes, *, delay_binding: bool = False) -> dict | None:
    """persistentVolumeOrderedIndex.findByClaim: try the volumes grouped by their set
    of access modes, the smallest sets that include every requested mode first.
    simplified: sets of the same size are tried in sorted order, volumes by name."""
    wanted = set((pvc.get("spec") or {}).get("accessModes") or ())
    by_modes: dict[tuple, list[dict]] = {}
    for pv in sorted(volumes, key=lambda v: v["metadata"]["name"]):
        modes = tuple(sorted(set((pv.get("spec") or {}).get("accessModes") or ())))
        by_modes.setdefault(modes, []).append(pv)
    for modes in sorted((m for m in by_modes if wanted <= set(m)), key=lambda m: (len(m), m)):
        found = find_matching_volume(pvc, by_modes[modes], delay_binding=delay_binding)
        if found is not None:
            return found
    return None
