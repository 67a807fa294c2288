"""A tiny Kubernetes REST stub so the real kubectl binary can be run offline.

Tests use it to record what kubectl v1.32 itself prints (describe layouts,
error texts, yaml/json) for the same objects kubelab prints, and which PATCH
bodies kubectl's apply/label/annotate send. simplified: serves discovery from
kubelab's registry, GET/LIST (label and field selectors by equality),
POST/PATCH/DELETE on an in-memory dict, no watch. Asked for a Table (as
``kubectl get`` asks), it answers with kubelab's own printer cells, so kubectl's
client-side table decorations can be compared with kubelab's.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from kubelab.api.kinds import REGISTRY
from kubelab.apiserver.patch import json_merge, json_patch, strategic_merge
from kubelab.kubectl.tables import columns_for

KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32"


def real_kubectl() -> str | None:
    """The kubectl v1.32 binary, when this machine has it."""
    for path in (KUBECTL, shutil.which("kubectl.1.32") or ""):
        if path and os.access(path, os.X_OK):
            return path
    return None


def _status(code: int, reason: str, message: str, **details) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "details": details, "code": code}


def _table(objs, kind: str, now) -> dict:
    """A meta.k8s.io/v1 Table whose cells are kubelab's printer cells for ``kind``."""
    headers, row = columns_for(kind)
    columns = [{"name": h.lstrip("*"), "type": "string", "format": "name" if h == "NAME" else "",
                "description": "", "priority": 1 if h.startswith("*") else 0} for h in headers]
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "1"},
            "columnDefinitions": columns,
            "rows": [{"cells": [str(c) for c in row(o, now)], "object": o} for o in objs]}


class StubServer:
    """Objects keyed by (plural, namespace, name); ``requests`` records (method, path, body).

    ``now`` is the time the Table cells are computed at (None: no Table answers)."""

    def __init__(self, objects=(), now=None):
        self.now = now
        self.objects: dict[tuple[str, str, str], dict] = {}
        self.requests: list[tuple[str, str, object]] = []
        self.errors: dict[tuple[str, str], dict] = {}   # (method, path) -> Status to answer
        for obj in objects:
            self.put(obj)
        handler = type("Handler", (_Handler,), {"stub": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def put(self, obj: dict) -> None:
        rtype = REGISTRY.for_kind(obj["apiVersion"], obj["kind"])
        ns = obj["metadata"].get("namespace", "default") if rtype.namespaced else ""
        if rtype.namespaced:
            obj["metadata"]["namespace"] = ns
        self.objects[(rtype.plural, ns, obj["metadata"]["name"])] = obj

    def kubectl(self, args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([real_kubectl(), "--server", self.url, *args], input=stdin,
                              capture_output=True, text=True, timeout=60,
                              env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "KUBECONFIG": "/dev/null"})

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _discovery(path: str):
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
    if path == "/apis":
        groups = sorted({t.group for t in REGISTRY if t.group}, key=[t.group for t in REGISTRY].index)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in
                                     sorted({t.version for t in REGISTRY if t.group == g})],
             "preferredVersion": {"groupVersion": f"{g}/{next(t.version for t in REGISTRY if t.group == g)}",
                                  "version": next(t.version for t in REGISTRY if t.group == g)}}
            for g in groups]}
    gv = path[len("/api/"):] if path.startswith("/api/") else path[len("/apis/"):]
    types = [t for t in REGISTRY if t.api_version == gv]
    if not types:
        return None
    resources = []
    for t in types:
        r = {"name": t.plural, "singularName": t.singular, "namespaced": t.namespaced,
             "kind": t.kind, "verbs": list(t.verbs)}
        if t.short_names:
            r["shortNames"] = list(t.short_names)
        if t.categories:
            r["categories"] = list(t.categories)
        resources.append(r)
        for sub in t.subresources:
            resources.append({"name": f"{t.plural}/{sub}", "singularName": "", "namespaced": t.namespaced,
                              "kind": t.kind, "verbs": ["get", "patch", "update"]})
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}


def _parse(path: str):
    """(plural, namespace, name) of a resource URL, or None."""
    parts = path.strip("/").split("/")
    parts = parts[2:] if parts[0] == "api" else parts[3:]
    ns = ""
    if len(parts) >= 2 and parts[0] == "namespaces" and len(parts) != 2 or parts[:1] == ["namespaces"] and len(parts) > 2:
        ns, parts = parts[1], parts[2:]
    return (parts[0], ns, parts[1] if len(parts) > 1 else "")


def _matches(obj: dict, query: dict) -> bool:
    for key in ("labelSelector", "fieldSelector"):
        for term in filter(None, query.get(key, [""])[0].split(",")):
            negate = "!=" in term
            k, _, v = term.replace("!=", "=").partition("=")
            if key == "labelSelector":
                if obj.get("metadata", {}).get("labels", {}).get(k) != v:
                    return False
                continue
            node = obj
            for p in k.split("."):
                node = node.get(p, "") if isinstance(node, dict) else ""
            if (str(node) == v) == negate:
                return False
    return True


class _Handler(BaseHTTPRequestHandler):
    stub: StubServer

    def log_message(self, *args):  # quiet
        pass

    def _send(self, code: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"null")

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        body = self._body() if method in ("POST", "PUT", "PATCH") else None
        self.stub.requests.append((method, self.path, body))
        if (method, url.path) in self.stub.errors:
            status = self.stub.errors[(method, url.path)]
            return self._send(status["code"], status)
        if url.path in ("/api", "/apis") or url.path.count("/") in (2, 3) and method == "GET" and (
                url.path.startswith("/api/") and url.path.count("/") == 2 or url.path.startswith("/apis/") and url.path.count("/") == 3):
            doc = _discovery(url.path)
            return self._send(200 if doc else 404, doc or _status(404, "NotFound", "the server could not find the requested resource"))
        if not url.path.startswith(("/api/", "/apis/")):
            return self._send(404, _status(404, "NotFound", "the server could not find the requested resource"))
        plural, ns, name = _parse(url.path)
        rtype = REGISTRY.resolve(plural)
        query = parse_qs(url.query)
        key = (plural, ns, name)
        wants_table = self.stub.now is not None and "as=Table" in self.headers.get("Accept", "")
        if method == "GET" and not name:
            items = [o for (p, n, _), o in sorted(self.stub.objects.items())
                     if p == plural and (not ns or n == ns) and _matches(o, query)]
            if wants_table:
                return self._send(200, _table(items, rtype.kind, self.stub.now))
            return self._send(200, {"kind": rtype.list_kind, "apiVersion": rtype.api_version,
                                    "metadata": {"resourceVersion": "1"}, "items": items})
        if method == "POST":
            body.setdefault("metadata", {})
            if rtype.namespaced:
                body["metadata"].setdefault("namespace", ns)
            key = (plural, ns, body["metadata"]["name"])
            if key in self.stub.objects:
                return self._send(409, _status(409, "AlreadyExists", f'{rtype.group_resource} "{key[2]}" already exists',
                                               name=key[2], kind=plural))
            if "dryRun" not in query:
                self.stub.objects[key] = body
            return self._send(201, body)
        if key not in self.stub.objects:
            return self._send(404, _status(404, "NotFound", f'{rtype.group_resource} "{name}" not found',
                                           name=name, kind=plural))
        obj = self.stub.objects[key]
        if method == "GET":
            return self._send(200, _table([obj], rtype.kind, self.stub.now) if wants_table else obj)
        if method == "DELETE":
            if "dryRun" not in query:
                del self.stub.objects[key]
            return self._send(200, obj)
        if method == "PATCH":
            content = self.headers.get("Content-Type", "")
            merge = strategic_merge if "strategic" in content else json_patch if "json-patch" in content else json_merge
            new = merge(obj, body)
            if new == obj:
                return self._send(200, obj)
        else:
            new = body
        if "dryRun" not in query:
            self.stub.objects[key] = new
        return self._send(200, new)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")
