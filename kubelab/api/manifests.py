"""Reading manifests the way ``kubectl apply -f`` does: YAML or JSON text with
several ``---`` documents, a dict, a list of dicts, a ``kind: List``, or a path
to a file or directory."""
from __future__ import annotations

import os
from pathlib import Path

import yaml

__all__ = ["ManifestError", "load_manifests"]


class ManifestError(ValueError):
    """A manifest that cannot be read: says which document and where."""


def load_manifests(source) -> list[dict]:
    """Every object in ``source``, in order (empty documents skipped, Lists flattened)."""
    if isinstance(source, dict):
        docs = [source]
    elif isinstance(source, (list, tuple)):
        docs = list(source)
    elif isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                      and ":" not in source and os.path.exists(source)):
        docs = _read_path(Path(source))
    elif isinstance(source, str):
        docs = _parse(source, "manifest")
    else:
        raise ManifestError(f"cannot read a manifest from {type(source).__name__}: pass YAML text, "
                            "a dict, a list of dicts or a path")
    objects = []
    for i, doc in enumerate(docs):
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise ManifestError(f"document {i + 1}: expected a mapping with apiVersion and kind, "
                                f"got {type(doc).__name__}")
        if doc.get("kind") == "List" or (doc.get("kind", "").endswith("List") and "items" in doc):
            objects.extend(load_manifests(doc.get("items") or []))
        else:
            objects.append(doc)
    return objects


def _read_path(path: Path) -> list:
    if path.is_dir():
        docs = []
        for child in sorted(path.iterdir()):
            if child.suffix in (".yaml", ".yml", ".json"):
                docs.extend(_parse(child.read_text(), str(child)))
        return docs
    if not path.exists():
        raise ManifestError(f'the path "{path}" does not exist')
    return _parse(path.read_text(), str(path))


def _parse(text: str, origin: str) -> list:
    try:
        return list(yaml.safe_load_all(text))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ManifestError(f"error parsing {origin}{where}: {problem}") from None
