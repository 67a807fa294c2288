"""``kubelab serve``: the Kubernetes REST API over a lab cluster, for real clients.

The real ``kubectl`` and the official ``kubernetes`` Python client talk to this server
unchanged::

    $ kubelab serve --nodes 3 --speed 10        # writes ./kubelab.kubeconfig
    $ export KUBECONFIG=$PWD/kubelab.kubeconfig
    $ kubectl apply -f web.yaml && kubectl rollout status deployment/web
    $ kubectl get pods -o wide -w

or from Python::

    c = kl.Cluster(nodes=3, loop=wall_clock_start())
    with LabServer(c, speed=10) as server:       # a free loopback port
        server.write_kubeconfig("kubelab.kubeconfig")
        ...

What is served: ``/version``; ``/healthz``, ``/livez``, ``/readyz``; discovery (legacy and
aggregated, see discovery.py); ``/openapi/v3`` (openapi.py); every registered resource at its
Kubernetes path with get, list, watch (watchstream.py), create, update, patch (JSON,
merge, strategic merge, server-side apply: fieldmanager.py), delete and
deletecollection, and the status, scale, log, eviction, binding and finalize
subresources (rest.py); ``?fieldValidation=`` on writes, with the server's warnings as
``Warning: 299`` headers (fieldvalidation.py); Tables for ``kubectl get`` (tables.py); errors
as Status objects. Requests run one at a time on the engine (live.py holds the lock and plays
simulated time forward in real time). Plain HTTP, bound to 127.0.0.1 only.

simplified: no authentication or authorization (every client is cluster-admin); no CBOR,
and protobuf only for the request bodies protobuf.py decodes (answers are JSON); no exec,
attach or port-forward streams; ``logs -f`` prints the log so far and ends.
"""
from __future__ import annotations

import json
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .. import errors
from . import discovery, fieldvalidation, openapi, protobuf, rest
from .live import LiveEngine
from .tables import partial_metadata, to_table, wants_table
from .watchstream import WatchStream

__all__ = ["LabServer", "warning_header"]


def warning_header(text: str) -> str:
    """A Warning header's value as kube-apiserver writes it (net.NewWarningHeader): code 299,
    agent ``-``, the text quoted with ``"`` and ``\\`` escaped (``299 - "unknown field \\"a\\""``)."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{quoted}"'.encode("latin-1", "replace").decode("latin-1")


class LabServer:
    """A lab cluster served on ``127.0.0.1:port`` (0: a free port), playing in real time.

    ``speed`` simulated seconds pass per real second (0: only :meth:`LiveEngine.advance`
    moves time); use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, cluster, *, port: int = 0, speed: float = 1.0, bookmark_interval: float = 60.0):
        self.engine = LiveEngine(cluster, speed=speed)
        self.cluster = cluster
        self.bookmark_interval = bookmark_interval
        self.stopping = threading.Event()
        handler = type("Handler", (_Handler,), {"lab": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> "LabServer":
        self.engine.start()
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="kubelab-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()                 # open watches end
        self.httpd.shutdown()
        self.httpd.server_close()
        self.engine.stop()

    def __enter__(self) -> "LabServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def write_kubeconfig(self, path: str, *, name: str = "kubelab") -> str:
        """Write a kubeconfig whose current context (cluster, user and context ``kubelab``)
        points at this server; returns the path."""
        from .kubeconfig import write_kubeconfig

        return write_kubeconfig(path, self.url, name=name)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kubelab"
    lab: LabServer

    def log_message(self, format, *args) -> None:     # quiet: kubectl makes many requests
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    # -- dispatch ----------------------------------------------------------
    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = dict(parse_qsl(url.query))
        accept = self.headers.get("Accept", "")
        warnings: list[str] = []
        try:
            body = self._body()
            if method == "GET" and self._static(path, query, accept):
                return
            api = self.lab.cluster.api
            req = rest.parse(method, path, query, api.registry)
            if req.verb == "watch":
                return self._watch(req, query, accept)
            content_type = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
            if content_type not in ("application/json", protobuf.CONTENT_TYPE, *rest.PATCH_TYPES) and body:
                raise errors.UnsupportedMediaType(protobuf.UNSUPPORTED)
            value = rest.decode_body(body, content_type)
            problems = fieldvalidation.duplicate_fields(body) if body and req.writes and isinstance(value, dict) \
                and not content_type.endswith("yaml") else []
            with self.lab.engine.lock:
                code, obj = rest.handle(api, req, query, value, content_type, warnings, problems)
                if req.writes:
                    self.lab.engine.settle()
                if isinstance(obj, str):
                    return self._send(code, obj.encode(), "text/plain")
                obj = self._render(obj, req, query, accept)
                data = json.dumps(obj, separators=(",", ":")).encode()
            self._send(code, data, warnings=warnings)
        except errors.ApiError as e:
            self._error(e, warnings)
        except Exception as e:              # a bug: answer like kube-apiserver, say it on stderr
            traceback.print_exc(file=sys.stderr)
            self._error(errors.InternalError(f"Internal error occurred: {type(e).__name__}: {e}"))

    def _static(self, path: str, query: dict, accept: str) -> bool:
        """/version, health checks, discovery and OpenAPI; False for anything else."""
        if path == "/version":
            self._json(discovery.version_info())
        elif path in ("/healthz", "/livez", "/readyz"):
            error = self.lab.engine.error
            self._send(500 if error else 200, (f"engine stopped: {error}" if error else "ok").encode(), "text/plain")
        elif path.startswith("/openapi/"):
            with self.lab.engine.lock:
                doc = openapi.document(path, self.lab.cluster.api.registry)
            if doc is None:
                raise rest.not_found()
            self._json(doc)
        else:
            aggregated = discovery.wants_aggregated(accept) and path in ("/api", "/apis")
            with self.lab.engine.lock:
                doc = discovery.document(path, self.lab.cluster.api.registry, aggregated=aggregated,
                                         server_address=f"127.0.0.1:{self.lab.port}")
            if doc is None:
                return False
            self._json(doc, discovery.AGGREGATED if aggregated else "application/json")
        return True

    def _render(self, obj, req, query: dict, accept: str):
        """The answer in the form asked for: a Table, PartialObjectMetadata, or the object."""
        if req.verb not in ("get", "list") or req.subresource or obj.get("kind") == "Status":
            return obj
        include = query.get("includeObject", "Metadata")
        if wants_table(accept):
            items = obj["items"] if req.verb == "list" else [obj]
            rv = obj.get("metadata", {}).get("resourceVersion", "")
            return to_table(items, req.rtype.kind, self.lab.cluster.now, resource_version=rv if req.verb == "list"
                            else "", include=include)
        if "as=PartialObjectMetadata" in accept.split(",")[0]:
            if req.verb == "get":
                return partial_metadata(obj)
            return {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj["metadata"], "items": [partial_metadata(o) for o in obj["items"]]}
        return obj

    def _watch(self, req, query: dict, accept: str) -> None:
        table = query.get("includeObject", "Metadata") if wants_table(accept) else None
        stream = WatchStream(self.lab.engine, req, query, table=table,
                             bookmark_interval=self.lab.bookmark_interval, stopping=self.lab.stopping)
        with self.lab.engine.lock:
            stream.open(self.lab.cluster.api)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.close_connection = True

        def write(data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        try:
            stream.lines(write)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:                     # the client went away
            pass

    # -- plumbing ----------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, obj, content_type: str = "application/json") -> None:
        self._send(200, json.dumps(obj, separators=(",", ":")).encode(), content_type)

    def _error(self, e: errors.ApiError, warnings=()) -> None:
        self._send(e.code, json.dumps(e.to_status(), separators=(",", ":")).encode(), warnings=warnings)

    def _send(self, code: int, data: bytes, content_type: str = "application/json", warnings=()) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for text in warnings:
            self.send_header("Warning", warning_header(text))
        self.end_headers()
        self.wfile.write(data)
