"""The etcd backend: the store on a real etcd v3 cluster, through etcd's JSON gateway.

Each Backend call is the etcd request kube-apiserver's ``storage/etcd3`` makes:
``get``/``range``/``count`` are a Range (at a revision, to travel back in time);
``create`` is Txn(If mod_revision(key) == 0, Then Put); ``update`` and
``delete`` are Txn(If mod_revision(key) == m, Then Put/DeleteRange with
prev_kv, Else Range(key)); ``compact`` is a physical Compact; each watch is an
etcd Watch with prev_kv from a start revision (see ``etcd_watch.py`` for how
its events reach a single-threaded loop). Values are stored as JSON.

    with EtcdCluster(1) as etcd:                    # or a cluster of your own
        c = kl.Cluster(store=EtcdStore(etcd.endpoints))

Simplified: no leases (kube-apiserver puts Events and Leases on etcd leases).
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable

from . import (
    MAX_VALUE_BYTES, Compacted, CompareFailed, Event, FutureRevision, KeyExists, KeyValue,
    StoreError, ValueTooLarge,
)
from .etcd_gateway import Gateway, GatewayError, b64, unb64
from .etcd_watch import EVERYTHING, EtcdWatch, Fanout

__all__ = ["EtcdStore", "EtcdWatch"]


class EtcdStore:
    """The store on etcd: ``EtcdStore(["http://127.0.0.1:2379"], prefix="/lab1")``.

    ``endpoints`` are the members' client URLs (requests fail over between
    them); ``prefix`` is prepended to every key, so several labs can share one
    etcd; ``timeout`` bounds each request, including failover, in seconds.
    Call :meth:`close` (or use ``with``) to end the watch streams.
    """

    def __init__(self, endpoints=("http://127.0.0.1:2379",), prefix: str = "", *, timeout: float = 5.0):
        self.prefix = prefix
        self.timeout = timeout
        self._gateway = Gateway(endpoints, timeout=timeout)
        self.revision = 1                        # _call keeps the highest revision etcd reports
        self.revision = self._current()
        self.compacted = self._find_compacted() if self.revision > 1 else 0
        self._fanout = Fanout(self)

    @property
    def endpoints(self) -> list[str]:
        return self._gateway.endpoints

    @property
    def server_version(self) -> tuple[int, ...]:
        """The etcd server's version: (3, 4, 23)."""
        return tuple(int(part) for part in self._gateway.version().split(".")[:3])

    def __repr__(self) -> str:
        return f"<EtcdStore {','.join(self.endpoints)} prefix={self.prefix!r} revision={self.revision}>"

    def __enter__(self) -> EtcdStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop every watch and close the connections."""
        self._fanout.close()
        self._gateway.close()

    # -- reads -----------------------------------------------------------------

    def get(self, key: str, revision: int | None = None) -> KeyValue | None:
        """etcd Range on one key, now or at a past ``revision``; None if absent."""
        answer = self._range({"key": b64(self.prefix + key)}, revision)
        kvs = answer.get("kvs")
        return self._kv(kvs[0]) if kvs else None

    def range(self, prefix: str, revision: int | None = None) -> tuple[list[KeyValue], int]:
        """etcd Range over a prefix: the keys sorted, and the revision read at."""
        key, end = self._span(prefix)
        answer = self._range({"key": key, "range_end": end}, revision)
        at = revision if revision is not None and revision > 0 else int(answer["header"]["revision"])
        return [self._kv(kv) for kv in answer.get("kvs", ())], at

    def count(self, prefix: str) -> int:
        """etcd Range with count_only."""
        key, end = self._span(prefix)
        return int(self._range({"key": key, "range_end": end, "count_only": True}, None).get("count", 0))

    def _range(self, body: dict, revision: int | None) -> dict:
        if revision is not None and revision > 0:      # rpc.proto: <= 0 reads the newest revision
            body["revision"] = revision
        try:
            return self._call("/v3/kv/range", body, write=False)
        except GatewayError as e:
            raise self._revision_error(e, revision) from None

    # -- writes ----------------------------------------------------------------

    def create(self, key: str, value: Any, size: int = 0) -> KeyValue:
        """Txn(If mod_revision(key) == 0, Then Put): kube-apiserver's Create."""
        data = self._encode(key, value, size)
        k = b64(self.prefix + key)
        compare = {"target": "MOD", "key": k, "mod_revision": 0, "result": "EQUAL"}
        put = {"request_put": {"key": k, "value": b64(data)}}
        _, revision = self._txn(key, data, compare, put, creating=True)
        self._fanout.committed(revision, key)
        return KeyValue(key, json.loads(data), revision, revision, 1)

    def update(self, key: str, value: Any, mod_revision: int | None = None, size: int = 0) -> KeyValue:
        """Txn(If mod_revision(key) == mod_revision, Then Put): kube-apiserver's GuaranteedUpdate.

        ``mod_revision=None`` compares version(key) > 0: the key must still exist.
        """
        data = self._encode(key, value, size)
        k = b64(self.prefix + key)
        put = {"request_put": {"key": k, "value": b64(data), "prev_kv": True}}
        answer, revision = self._txn(key, data, self._compare(k, mod_revision), put)
        prev = answer["response_put"]["prev_kv"]
        kv = KeyValue(key, json.loads(data), int(prev["create_revision"]), revision, int(prev["version"]) + 1)
        self._fanout.committed(revision, key)
        return kv

    def delete(self, key: str, mod_revision: int | None = None) -> KeyValue:
        """Txn(If mod_revision(key) == mod_revision, Then DeleteRange): the deleted KeyValue."""
        k = b64(self.prefix + key)
        remove = {"request_delete_range": {"key": k, "prev_kv": True}}
        answer, revision = self._txn(key, b"", self._compare(k, mod_revision), remove)
        self._fanout.committed(revision, key)
        return self._kv(answer["response_delete_range"]["prev_kvs"][0])

    def compact(self, revision: int) -> None:
        """etcd Compact (physical, so it is done when this returns)."""
        if revision <= self.compacted:
            raise Compacted(revision, self.compacted)
        try:
            self._call("/v3/kv/compaction", {"revision": revision, "physical": True}, write=True)
        except GatewayError as e:
            raise self._revision_error(e, revision) from None
        self.compacted = revision

    def _encode(self, key: str, value: Any, size: int) -> bytes:
        if size > MAX_VALUE_BYTES:
            raise ValueTooLarge(key, size)
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()

    @staticmethod
    def _compare(k: str, mod_revision: int | None) -> dict:
        if mod_revision is None:
            return {"target": "VERSION", "key": k, "version": 0, "result": "GREATER"}
        return {"target": "MOD", "key": k, "mod_revision": mod_revision, "result": "EQUAL"}

    def _txn(self, key: str, data: bytes, compare: dict, then: dict, *,
             creating: bool = False) -> tuple[dict, int]:
        """One compare-and-swap: (the Then response, the revision). A failed compare raises
        KeyExists when ``creating``, else CompareFailed with what the key holds now."""
        k = then.get("request_put", then.get("request_delete_range"))["key"]
        body = {"compare": [compare], "success": [then], "failure": [{"request_range": {"key": k}}]}
        try:
            answer = self._call("/v3/kv/txn", body, write=True)
        except GatewayError as e:
            if "request is too large" in e.message:      # etcd: ErrRequestTooLarge, nothing applied
                raise ValueTooLarge(key, len(data)) from None
            raise
        if not answer.get("succeeded"):
            if creating:
                raise KeyExists(key)
            kvs = answer["responses"][0]["response_range"].get("kvs")
            raise CompareFailed(key, self._kv(kvs[0]) if kvs else None)
        return answer["responses"][0], int(answer["header"]["revision"])

    # -- watches ---------------------------------------------------------------

    def watch(self, prefix: str, start_revision: int | None = None,
              notify: Callable[[], None] | None = None) -> EtcdWatch:
        """etcd Watch on a prefix from ``start_revision`` (inclusive); None or 0: from the next write.

        History up to the newest delivered revision is pending when this returns
        (``notify`` is not called for it); below the compaction point: Compacted.
        """
        start = start_revision or self.revision + 1
        if start < self.compacted:
            raise Compacted(start, self.compacted)
        return self._fanout.watch(prefix, start, notify)

    def _stream(self, prefix: str | None, start: int, *, once: bool = False):
        """Open an etcd watch stream on ``prefix`` (None: every key, of every prefix) from
        ``start``; ServiceUnavailable if no member takes it within the timeout. ``once``: one
        pass over the members, GatewayError if none takes it (for reader threads, which retry
        and must not probe the members with the gateway's connections)."""
        key, end = (EVERYTHING, EVERYTHING) if prefix is None else self._span(prefix)
        body = {"create_request": {"key": key, "range_end": end, "start_revision": start, "prev_kv": True}}
        try:
            return self._gateway.watch(body, time.monotonic() + (0 if once else self.timeout))
        except GatewayError as e:
            if once:
                raise
            raise self._gateway.unavailable(e.message) from None

    # -- the wire --------------------------------------------------------------

    def _call(self, path: str, body: dict, *, write: bool) -> dict:
        answer = self._gateway.call(path, body, write=write)
        self.revision = max(self.revision, int(answer["header"]["revision"]))
        return answer

    def _span(self, prefix: str) -> tuple[str, str]:
        """etcd's [key, range_end) for a prefix (clientv3.GetPrefixRangeEnd)."""
        key = (self.prefix + prefix).encode()
        if not key:
            return EVERYTHING, EVERYTHING
        end = bytearray(key)
        while end and end[-1] == 0xFF:
            end.pop()
        if not end:
            return b64(key), EVERYTHING
        end[-1] += 1
        return b64(key), b64(bytes(end))

    def _kv(self, raw: dict) -> KeyValue:
        value = raw.get("value")
        return KeyValue(unb64(raw["key"]).decode()[len(self.prefix):],
                        json.loads(unb64(value)) if value is not None else None,
                        int(raw.get("create_revision", 0)), int(raw["mod_revision"]),
                        int(raw.get("version", 0)))

    def _event(self, raw: dict) -> Event:
        prev = raw.get("prev_kv")
        return Event(raw.get("type", "PUT"), self._kv(raw["kv"]), self._kv(prev) if prev else None)

    def _current(self) -> int:
        """The cluster's current revision (a Range's header)."""
        return int(self._call("/v3/kv/range", {"key": EVERYTHING, "count_only": True}, write=False)
                   ["header"]["revision"])

    def _find_compacted(self) -> int:
        """etcd does not report its compaction point; the oldest readable revision is it
        (0 when revision 1 is readable): a binary search over Range at a revision."""
        def readable(revision: int) -> bool:
            try:
                self._call("/v3/kv/range", {"key": EVERYTHING, "count_only": True, "revision": revision},
                           write=False)
                return True
            except GatewayError:
                return False
        if readable(1):
            return 0
        lo, hi = 2, self._current()
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if readable(mid) else (mid + 1, hi)
        return lo

    def _revision_error(self, error: GatewayError, revision: int | None) -> StoreError:
        """etcd's "mvcc: required revision ..." errors as the store's exceptions."""
        if "future revision" in error.message:
            return FutureRevision(revision, self._current())
        if "has been compacted" in error.message:
            if revision is None or revision >= self.compacted:
                self.compacted = self._find_compacted()
            return Compacted(revision, self.compacted)
        return error
