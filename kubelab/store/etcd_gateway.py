"""A client of etcd v3's gRPC gateway: its API as JSON over HTTP, with failover between members.

Every etcd member serves its gRPC API also as JSON (grpc-gateway): ``POST
/v3/kv/range`` with ``{"key": <base64>}`` answers ``{"header": {"revision":
"7"}, "kvs": [...]}``. Bytes are base64, int64 fields are decimal strings and
fields at their default value are left out. ``/v3/watch`` streams one JSON
message per line, each wrapped in ``{"result": ...}``.

Requests go to the member that answered last; a member that refuses the
connection, or has no leader, is skipped for the next one, as clientv3's
balancer does. Every request carries gRPC metadata ``hasleader: true``
(clientv3's ``WithRequireLeader``), so a member cut off from the quorum says
"etcdserver: no leader" at once instead of letting the request time out.

A write whose outcome is unknown (the member timed out or went away mid-request)
is never retried: raft may still commit it. It, and any request no member could
serve before the timeout, raises :class:`kubelab.errors.ServiceUnavailable`
naming how many members are up and how many the quorum needs.

Simplified: plain HTTP only (no TLS, no authentication).
"""
from __future__ import annotations

import base64
import http.client
import json
import select
import socket
import threading
import time
from urllib.parse import urlsplit

from .. import errors
from . import StoreError

__all__ = ["Gateway", "GatewayError", "b64", "unb64"]

#: gRPC metadata through grpc-gateway: a request fails fast with "no leader" on a member without one
_HEADERS = {"Content-Type": "application/json", "Grpc-Metadata-Hasleader": "true"}
#: etcd errors meaning the member did not take the request (rpctypes: ErrNoLeader, raft's ErrProposalDropped)
_NOT_TAKEN = ("etcdserver: no leader", "raft proposal dropped", "etcdserver: server stopped")
_GRPC_UNAVAILABLE = 14
_MAYBE = "; the write may still be committed"     # raft may commit a proposal its client gave up on


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


class GatewayError(StoreError):
    """An error etcd answered with: ``message`` as etcd words it, ``code`` the gRPC status code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.message = message
        self.code = code


class _Unanswered(Exception):
    """The member did not answer: ``taken`` says whether it may have received the request."""

    def __init__(self, cause: str, taken: bool):
        super().__init__(cause)
        self.taken = taken


class Gateway:
    """Requests to an etcd cluster through its members' gateways (``endpoints``: ``http://host:port``)."""

    def __init__(self, endpoints, *, timeout: float = 5.0):
        if isinstance(endpoints, str):
            endpoints = [endpoints]
        self.endpoints = [e if "://" in e else f"http://{e}" for e in endpoints]
        if not self.endpoints:
            raise ValueError("EtcdStore needs at least one endpoint")
        self.timeout = timeout
        self._preferred = 0                     # the member that answered last
        self._conns: dict[str, http.client.HTTPConnection] = {}
        self._lock = threading.Lock()

    def call(self, path: str, body: dict, *, write: bool) -> dict:
        """POST ``body`` to ``path`` on a member that can serve it; the decoded answer.

        Raises GatewayError for etcd's own refusals (compacted, too large, ...) and
        ServiceUnavailable when no member serves it before the timeout.
        """
        deadline = time.monotonic() + self.timeout
        cause = "no member answered"
        with self._lock:
            while True:
                for i in self._order():
                    endpoint = self.endpoints[i]
                    try:
                        answer = self._post(endpoint, path, body, max(deadline - time.monotonic(), 0.05))
                    except _Unanswered as e:
                        if e.taken:
                            cause = e.args[0]
                            if write:
                                raise self.unavailable(cause + _MAYBE) from None
                        elif cause == "no member answered":
                            cause = e.args[0]       # a refused connection says the least
                        continue
                    except GatewayError as e:
                        if e.code != _GRPC_UNAVAILABLE:
                            raise
                        cause = f"{endpoint}: {e.message}"
                        if write and not e.message.startswith(_NOT_TAKEN):
                            raise self.unavailable(cause + _MAYBE) from None
                        continue
                    self._preferred = i
                    return answer
                if time.monotonic() >= deadline:
                    raise self.unavailable(cause)
                time.sleep(0.02)

    def watch(self, body: dict, deadline: float) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Open a ``/v3/watch`` stream on a member that accepts it and return it once etcd
        confirmed the watch (``created``); GatewayError if none did before ``deadline``."""
        cause = "no member answered"
        while True:
            for i in self._order():
                conn = self._connect(self.endpoints[i], max(deadline - time.monotonic(), 0.5))
                try:
                    conn.request("POST", "/v3/watch", json.dumps(body), _HEADERS)
                    response = conn.getresponse()
                    if response.status != 200:
                        raise _error(response.status, response.read())
                    first = read_message(response)
                    if first is None or not first.get("created"):
                        raise GatewayError(f"watch not created: {first}", _GRPC_UNAVAILABLE)
                    conn.sock.settimeout(None)   # a quiet watch is not a dead one
                    return conn, response
                except (OSError, http.client.HTTPException, GatewayError) as e:
                    conn.close()
                    cause = getattr(e, "message", None) or str(e) or type(e).__name__
            if time.monotonic() >= deadline:
                raise GatewayError(cause, _GRPC_UNAVAILABLE)
            time.sleep(0.02)

    def version(self) -> str:
        """The etcd server's version (``GET /version``), e.g. "3.4.23"."""
        with self._lock:
            for i in self._order():
                conn = self._connect(self.endpoints[i], self.timeout)
                try:
                    conn.request("GET", "/version")
                    return json.loads(conn.getresponse().read())["etcdserver"]
                except (OSError, ValueError, KeyError, http.client.HTTPException):
                    continue
                finally:
                    conn.close()
        raise self.unavailable("no member answered GET /version")

    def unavailable(self, cause: str) -> errors.ServiceUnavailable:
        """ServiceUnavailable saying how many members answer and how many the quorum needs."""
        up, members = self.members_up()
        needed = members // 2 + 1
        if up < needed:
            state = f"quorum is lost: {up} of {members} members up, {needed} needed"
        else:
            state = f"{up} of {members} members up, but the request was not served"
        return errors.ServiceUnavailable(f"etcd cluster is unavailable: {state} ({cause})")

    def members_up(self) -> tuple[int, int]:
        """(members answering, members in the cluster): the member list of any member that
        answers, else one member per endpoint."""
        urls = list(self.endpoints)
        for endpoint in self.endpoints:
            try:
                listed = self._post(endpoint, "/v3/cluster/member/list", {}, 0.5).get("members", [])
            except (_Unanswered, GatewayError):
                continue
            urls = [m["clientURLs"][0] if m.get("clientURLs") else "" for m in listed]
            break
        up = sum(1 for url in urls if url and _answers(url))
        return up, len(urls)

    def close(self) -> None:
        with self._lock:
            for conn in self._conns.values():
                conn.close()
            self._conns.clear()

    def _order(self) -> list[int]:
        n = len(self.endpoints)
        return [(self._preferred + k) % n for k in range(n)]

    def _post(self, endpoint: str, path: str, body: dict, timeout: float) -> dict:
        conn = self._conns.get(endpoint)
        if conn is None or _dropped(conn):
            if conn is not None:
                conn.close()
            conn = self._conns[endpoint] = self._connect(endpoint, timeout)
            try:
                conn.connect()
            except OSError as e:        # refused: the member is down and saw nothing
                conn.close()
                raise _Unanswered(f"{endpoint}: {e.strerror or e}", taken=False) from None
        conn.sock.settimeout(timeout)
        try:
            conn.request("POST", path, json.dumps(body), _HEADERS)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            reason = "timed out" if isinstance(e, socket.timeout) else (str(e) or type(e).__name__)
            raise _Unanswered(f"{endpoint}: {reason}", taken=True) from None
        if response.status != 200:
            raise _error(response.status, data)
        return json.loads(data)

    @staticmethod
    def _connect(endpoint: str, timeout: float) -> http.client.HTTPConnection:
        url = urlsplit(endpoint)
        return http.client.HTTPConnection(url.hostname, url.port or 2379, timeout=timeout)


def read_message(response: http.client.HTTPResponse) -> dict | None:
    """The next message of a gateway stream (None at its end); a streamed error raises GatewayError."""
    line = response.readline()
    if not line:
        return None
    message = json.loads(line)
    if "error" in message:
        error = message["error"]
        raise GatewayError(error.get("message", str(error)), error.get("grpc_code", _GRPC_UNAVAILABLE))
    return message.get("result", {})


def _error(status: int, data: bytes) -> GatewayError:
    """grpc-gateway's error body: ``{"error": ..., "message": ..., "code": <gRPC code>}``."""
    try:
        body = json.loads(data)
        return GatewayError(body.get("message") or body.get("error") or str(body), int(body.get("code", 2)))
    except (ValueError, AttributeError):
        return GatewayError(f"HTTP {status}: {data[:200]!r}", _GRPC_UNAVAILABLE if status == 503 else 2)


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """An idle keep-alive connection the member closed (readable at EOF): reconnect before
    sending, so a request to a stopped member is refused, never half sent."""
    if conn.sock is None:
        return True
    readable, _, _ = select.select([conn.sock], [], [], 0)
    return bool(readable)


def _answers(url: str) -> bool:
    try:
        conn = Gateway._connect(url, 0.5)
        conn.request("GET", "/version")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except (OSError, http.client.HTTPException):
        return False
