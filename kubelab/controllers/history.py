"""Controller history (pkg/controller/history): ControllerRevisions.

DaemonSets and StatefulSets record every pod template they have run as an
immutable ControllerRevision owned by them. A revision's ``data`` is a
strategic merge patch that restores the template
(``{"spec": {"template": {..., "$patch": "replace"}}}``), its ``revision`` a
number that grows with each change (rolling back re-numbers an old revision
instead of copying it), and its name ``<parent>-<hash>``, the hash being an
FNV-32 of the data encoded with the no-vowel alphabet of generated names.
A hash collision with a different revision bumps the parent's
``status.collisionCount``, which is mixed into the next hash.
"""
from __future__ import annotations

import json

from .. import errors
from ..api.labels import Selector
from ..api.meta import controller_ref
from .controller_utils import new_controller_ref
from .templatehash import safe_encode

__all__ = [
    "HASH_LABEL", "History", "equal_revision", "find_equal_revisions", "fnv32", "hash_revision",
    "new_revision", "next_revision", "revision_name", "sort_revisions", "template_patch",
]

#: The label holding a revision's data hash (history.ControllerRevisionHashLabel).
HASH_LABEL = "controller.kubernetes.io/hash"

_FNV_OFFSET, _FNV_PRIME, _MASK = 2166136261, 16777619, 0xFFFFFFFF


def fnv32(data: bytes) -> int:
    """hash/fnv New32 (FNV-1): multiply, then xor each byte."""
    h = _FNV_OFFSET
    for b in data:
        h = ((h * _FNV_PRIME) & _MASK) ^ b
    return h


def canonical_json(data) -> bytes:
    """JSON as Go's encoding/json writes a map: keys sorted, no spaces."""
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def hash_revision(data: dict, probe: int | None = None) -> str:
    """HashControllerRevision: FNV-32 of the data, then of the collision count if given."""
    raw = canonical_json(data)
    if probe is not None:
        raw += str(probe).encode()
    return safe_encode(str(fnv32(raw)))


def revision_name(prefix: str, hash_: str) -> str:
    """ControllerRevisionName: ``<prefix>-<hash>``, the prefix cut to 223 characters."""
    return f"{prefix[:223]}-{hash_}"


def template_patch(parent: dict) -> dict:
    """getPatch: the strategic merge patch that puts ``parent``'s pod template back."""
    return {"spec": {"template": {**parent["spec"]["template"], "$patch": "replace"}}}


def new_revision(parent: dict, template_labels: dict | None, data: dict, revision: int,
                 collision_count: int | None) -> dict:
    """NewControllerRevision: labelled like the template plus the hash label, owned by ``parent``."""
    hash_ = hash_revision(data, collision_count)
    return {
        "apiVersion": "apps/v1", "kind": "ControllerRevision",
        "metadata": {"name": revision_name(parent["metadata"]["name"], hash_),
                     "namespace": parent["metadata"].get("namespace"),
                     "labels": {**(template_labels or {}), HASH_LABEL: hash_},
                     "ownerReferences": [new_controller_ref(parent)]},
        "data": data, "revision": revision,
    }


def sort_revisions(revisions: list[dict]) -> list[dict]:
    """SortControllerRevisions: by revision number, then creation time, then name."""
    return sorted(revisions, key=lambda r: (r.get("revision", 0), r["metadata"].get("creationTimestamp") or "",
                                            r["metadata"]["name"]))


def equal_revision(a: dict | None, b: dict | None) -> bool:
    """EqualRevision: both absent, or the same data (a differing hash label settles it early)."""
    if a is None or b is None:
        return a is b
    ha, hb = (r["metadata"].get("labels", {}).get(HASH_LABEL) for r in (a, b))
    if ha and hb and ha != hb:
        return False
    return canonical_json(a.get("data")) == canonical_json(b.get("data"))


def find_equal_revisions(revisions: list[dict], needle: dict) -> list[dict]:
    return [r for r in revisions if equal_revision(r, needle)]


def next_revision(sorted_revisions: list[dict]) -> int:
    """One more than the highest revision number (1 for an empty history)."""
    return sorted_revisions[-1].get("revision", 0) + 1 if sorted_revisions else 1


class History:
    """history.Interface over the API server, reading through a ControllerRevision informer."""

    def __init__(self, api, revisions):
        self.api, self.revisions = api, revisions

    def list_owned(self, parent: dict, selector: Selector) -> list[dict]:
        """Revisions in the parent's namespace matching ``selector`` that the parent
        controls or nobody controls (ListControllerRevisions)."""
        uid = parent["metadata"]["uid"]
        out = []
        for rev in self.revisions.list(parent["metadata"]["namespace"], selector):
            ref = controller_ref(rev)
            if ref is None or ref.get("uid") == uid:
                out.append(rev)
        return out

    def adopt(self, parent: dict, revision: dict) -> dict:
        """AdoptControllerRevision: make ``parent`` the controller of an orphan revision."""
        m = revision["metadata"]
        refs = list(m.get("ownerReferences") or []) + [new_controller_ref(parent)]
        return self.api.patch("controllerrevisions", m["name"], {"metadata": {"ownerReferences": refs}},
                              namespace=m["namespace"], patch_type="merge")

    def create(self, parent: dict, revision: dict, collision_count: int) -> tuple[dict, int]:
        """CreateControllerRevision: create under ``<parent>-<hash>``; an existing revision
        with other data there is a collision, so count it and hash again.
        Returns the stored revision and the (possibly raised) collision count."""
        ns = parent["metadata"]["namespace"]
        while True:
            candidate = dict(revision, metadata=dict(revision["metadata"], namespace=ns))
            candidate["metadata"]["name"] = revision_name(parent["metadata"]["name"],
                                                          hash_revision(revision["data"], collision_count))
            try:
                return self.api.create(candidate), collision_count
            except errors.AlreadyExists:
                existing = self.api.get("controllerrevisions", candidate["metadata"]["name"], namespace=ns)
                if canonical_json(existing.get("data")) == canonical_json(candidate["data"]):
                    return existing, collision_count
                collision_count += 1

    def update_revision(self, revision: dict, number: int) -> dict:
        """UpdateControllerRevision: give an existing revision a new number (a rollback)."""
        if revision.get("revision") == number:
            return revision
        m = revision["metadata"]
        return self.api.patch("controllerrevisions", m["name"], {"revision": number},
                              namespace=m["namespace"], patch_type="merge")

    def delete(self, revision: dict) -> None:
        m = revision["metadata"]
        try:
            self.api.delete("controllerrevisions", m["name"], namespace=m["namespace"])
        except errors.NotFound:
            pass
