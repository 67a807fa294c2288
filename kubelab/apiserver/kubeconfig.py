"""The kubeconfig file that points kubectl and the official client at ``kubelab serve``.

One cluster, one user and one context, all named ``kubelab`` (``name``), and that
context current. The server is plain HTTP on loopback, which kubectl accepts
without TLS settings; the user has no credentials (the lab serves everyone).
"""
from __future__ import annotations

import os

import yaml

__all__ = ["kubeconfig", "write_kubeconfig"]


def kubeconfig(server: str, *, name: str = "kubelab", namespace: str = "default") -> dict:
    """A v1 Config with one cluster, user and context named ``name``."""
    return {"apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": name, "cluster": {"server": server}}],
            "users": [{"name": name, "user": {}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}],
            "current-context": name}


def write_kubeconfig(path: str, server: str, *, name: str = "kubelab") -> str:
    """Write the kubeconfig to ``path`` (owner-only, as kubectl writes its own); returns the path."""
    text = yaml.safe_dump(kubeconfig(server, name=name), sort_keys=False)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    return path
