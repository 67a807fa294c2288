"""StatefulSet Pod identity and storage (pkg/controller/statefulset/stateful_set_utils.go).

Pod ``<set>-<ordinal>`` of a StatefulSet keeps its identity across restarts:
the labels ``statefulset.kubernetes.io/pod-name`` and ``apps.kubernetes.io/pod-index``,
hostname ``<set>-<ordinal>`` and subdomain ``spec.serviceName`` (so the headless
Service gives it the DNS name ``web-0.nginx``), and one PersistentVolumeClaim per
``volumeClaimTemplates`` entry named ``<template>-<set>-<ordinal>``.

The claims outlive their Pods. Who owns a claim says when the garbage collector
may delete it (persistentVolumeClaimRetentionPolicy): nobody for Retain/Retain;
the StatefulSet when ``whenDeleted: Delete``; the Pod, once it is scaled away,
when ``whenScaled: Delete``.
"""
from __future__ import annotations

import copy
import re

from ..api.meta import owner_references
from .controller_utils import new_controller_ref
from .history import new_revision, template_patch

__all__ = [
    "POD_NAME_LABEL", "POD_INDEX_LABEL", "REVISION_LABEL", "apply_revision", "claim_name", "claims_for",
    "claim_owners_up_to_date", "identity_matches", "new_pod", "ordinal_of", "owned_claim_refs", "parent_of",
    "pod_revision", "revision_for", "storage_matches", "update_identity", "update_storage",
]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"
_POD_NAME = re.compile(r"(.*)-([0-9]+)$")


def parent_of(pod: dict) -> tuple[str, int]:
    """getParentNameAndOrdinal: ("web", 2) for web-2; ("", -1) for names without an ordinal."""
    m = _POD_NAME.match(pod["metadata"]["name"])
    if not m or int(m.group(2)) >= 2**31:
        return "", -1
    return m.group(1), int(m.group(2))


def ordinal_of(pod: dict) -> int:
    return parent_of(pod)[1]


def start_ordinal(sts: dict) -> int:
    """spec.ordinals.start (0 when unset)."""
    return (sts["spec"].get("ordinals") or {}).get("start", 0)


def in_ordinal_range(pod: dict, sts: dict) -> bool:
    return start_ordinal(sts) <= ordinal_of(pod) < start_ordinal(sts) + sts["spec"]["replicas"]


def claim_name(sts: dict, template: dict, ordinal: int) -> str:
    """getPersistentVolumeClaimName: ``<template>-<set>-<ordinal>`` (www-web-0)."""
    return f'{template["metadata"]["name"]}-{sts["metadata"]["name"]}-{ordinal}'


def claims_for(sts: dict, ordinal: int) -> dict[str, dict]:
    """getPersistentVolumeClaims: template name -> the claim the Pod of ``ordinal`` uses,
    labelled with the template's labels and the set's selector matchLabels."""
    out = {}
    match_labels = (sts["spec"].get("selector") or {}).get("matchLabels") or {}
    for template in sts["spec"].get("volumeClaimTemplates") or []:
        claim = copy.deepcopy(template)
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        meta = claim.setdefault("metadata", {})
        meta["name"] = claim_name(sts, template, ordinal)
        meta["namespace"] = sts["metadata"]["namespace"]
        meta["labels"] = {**(meta.get("labels") or {}), **match_labels}
        claim.pop("status", None)
        out[template["metadata"]["name"]] = claim
    return out


def identity_matches(sts: dict, pod: dict) -> bool:
    parent, ordinal = parent_of(pod)
    m = pod["metadata"]
    return (ordinal >= 0 and parent == sts["metadata"]["name"] and m.get("namespace") == sts["metadata"]["namespace"]
            and (m.get("labels") or {}).get(POD_NAME_LABEL) == m["name"])


def storage_matches(sts: dict, pod: dict) -> bool:
    """Every claim template is mounted from the Pod's own claim."""
    ordinal = ordinal_of(pod)
    if ordinal < 0:
        return False
    volumes = {v.get("name"): v for v in pod["spec"].get("volumes") or []}
    for template in sts["spec"].get("volumeClaimTemplates") or []:
        source = (volumes.get(template["metadata"]["name"]) or {}).get("persistentVolumeClaim") or {}
        if source.get("claimName") != claim_name(sts, template, ordinal):
            return False
    return True


def update_identity(sts: dict, pod: dict) -> None:
    """updateIdentity: the pod-name and pod-index labels (PodIndexLabel, on since 1.28)."""
    ordinal = ordinal_of(pod)
    labels = pod["metadata"].setdefault("labels", {})
    labels[POD_NAME_LABEL] = pod["metadata"]["name"]
    labels[POD_INDEX_LABEL] = str(ordinal)


def update_storage(sts: dict, pod: dict) -> None:
    """updateStorage: mount each claim template's claim, keeping the Pod's other volumes."""
    claims = claims_for(sts, ordinal_of(pod))
    volumes = [{"name": name, "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]}}
               for name, claim in claims.items()]
    volumes += [v for v in pod["spec"].get("volumes") or [] if v.get("name") not in claims]
    if volumes:
        pod["spec"]["volumes"] = volumes


def new_pod(sts: dict, ordinal: int, revision: str, pod_from_template) -> dict:
    """newStatefulSetPod + setPodRevision: Pod ``<set>-<ordinal>`` of ``sts``'s template,
    with its identity, hostname, subdomain, claims and revision label."""
    pod = pod_from_template(copy.deepcopy(sts["spec"]["template"]), sts)
    pod["metadata"].pop("generateName", None)
    pod["metadata"]["name"] = f'{sts["metadata"]["name"]}-{ordinal}'
    pod["metadata"]["namespace"] = sts["metadata"]["namespace"]
    update_identity(sts, pod)
    pod["spec"]["hostname"] = pod["metadata"]["name"]
    if sts["spec"].get("serviceName"):
        pod["spec"]["subdomain"] = sts["spec"]["serviceName"]
    update_storage(sts, pod)
    pod["metadata"]["labels"][REVISION_LABEL] = revision
    return pod


def pod_revision(pod: dict) -> str:
    return (pod["metadata"].get("labels") or {}).get(REVISION_LABEL, "")


# -- revisions ---------------------------------------------------------------------

def revision_for(sts: dict, number: int, collision_count: int) -> dict:
    """newRevision: the set's template as a ControllerRevision, with the set's annotations."""
    rev = new_revision(sts, sts["spec"]["template"].get("metadata", {}).get("labels"), template_patch(sts),
                       number, collision_count)
    if sts["metadata"].get("annotations"):
        rev["metadata"]["annotations"] = dict(sts["metadata"]["annotations"])
    return rev


def apply_revision(sts: dict, revision: dict) -> dict:
    """ApplyRevision: the set with the revision's template put back."""
    restored = copy.deepcopy(sts)
    template = dict(revision["data"]["spec"]["template"])
    template.pop("$patch", None)
    restored["spec"]["template"] = copy.deepcopy(template)
    return restored


# -- PVC retention (ownerReferences on claims) --------------------------------------

def _refers_to(ref: dict, obj: dict) -> bool:
    """matchesRef: same kind, group/version and name (the uid may be stale)."""
    return ref.get("kind") == obj["kind"] and ref.get("apiVersion") == obj["apiVersion"] and \
        ref.get("name") == obj["metadata"]["name"]


def owned_claim_refs(claim: dict, sts: dict, pod: dict) -> list[dict]:
    """updateClaimOwnerRefForSetAndPod: the claim's ownerReferences as the retention
    policy wants them (other owners kept)."""
    policy = sts["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
    refs = [r for r in owner_references(claim) if not (_refers_to(r, sts) or _refers_to(r, pod))]
    scaled_down = not in_ordinal_range(pod, sts)
    if policy.get("whenScaled") == "Delete" and scaled_down:
        refs.append(new_controller_ref(pod))
    if policy.get("whenDeleted") == "Delete" and not (policy.get("whenScaled") == "Delete" and scaled_down):
        refs.append(new_controller_ref(sts))
    return refs


def claim_owners_up_to_date(claim: dict, sts: dict, pod: dict) -> bool:
    """isClaimOwnerUpToDate: a claim still owned by an earlier set or Pod of the same
    name (stale uid) is left alone; otherwise its owners follow the policy.
    simplified: another controller owning the claim is kept, not reported (ConflictingController)."""
    for ref in owner_references(claim):
        for obj in (sts, pod):
            if _refers_to(ref, obj) and ref.get("uid") != obj["metadata"].get("uid"):
                return True
    want = {(r["uid"], r.get("controller", False)) for r in owned_claim_refs(claim, sts, pod)}
    have = {(r["uid"], r.get("controller", False)) for r in owner_references(claim)}
    return want == have
