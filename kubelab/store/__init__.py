"""The store: etcd's data model (keys, one global revision, MVCC history, watches).

A backend is anything with the methods of :class:`Backend`; the API server
talks only to this interface, so the in-memory backend (``memory.py``) and the
real-etcd backend (``etcd.py``) are interchangeable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

__all__ = [
    "KeyValue", "Event", "Backend", "StoreError", "KeyExists", "CompareFailed",
    "Compacted", "FutureRevision", "ValueTooLarge", "MAX_VALUE_BYTES",
]

#: etcd's default --max-request-bytes is 1.5 MiB; kube-apiserver objects above it are refused.
MAX_VALUE_BYTES = 3 * 1024 * 1024 // 2


@dataclass(frozen=True, slots=True)
class KeyValue:
    """mvccpb.KeyValue: a key's value at one revision (value is opaque to the store)."""

    key: str
    value: Any
    create_revision: int
    mod_revision: int
    version: int


@dataclass(frozen=True, slots=True)
class Event:
    """mvccpb.Event: ``type`` is "PUT" or "DELETE"; a DELETE's ``kv.value`` is None and
    ``kv.mod_revision`` is the deletion's revision; ``prev_kv`` is the value before."""

    type: str
    kv: KeyValue
    prev_kv: KeyValue | None


class StoreError(Exception):
    """Base of the store's own errors (the API server turns them into ApiErrors)."""


class KeyExists(StoreError):
    def __init__(self, key: str):
        super().__init__(f"key exists: {key}")
        self.key = key


class CompareFailed(StoreError):
    """A compare-and-swap failed: ``current`` is what the key holds now (None: absent)."""

    def __init__(self, key: str, current: KeyValue | None):
        super().__init__(f"compare failed for {key}")
        self.key = key
        self.current = current


class Compacted(StoreError):
    """The revision asked for is older than the compaction point (etcd: ErrCompacted)."""

    def __init__(self, requested: int, compacted: int):
        super().__init__(f"required revision {requested} has been compacted (compacted revision {compacted})")
        self.requested = requested
        self.compacted = compacted


class FutureRevision(StoreError):
    def __init__(self, requested: int, current: int):
        super().__init__(f"required revision {requested} is a future revision (current {current})")
        self.requested = requested
        self.current = current


class ValueTooLarge(StoreError):
    def __init__(self, key: str, size: int):
        super().__init__(f"request is too large: {key} is {size} bytes, limit {MAX_VALUE_BYTES}")
        self.key = key
        self.size = size


class Watch(Protocol):
    """A stream of Events for keys under a prefix, in revision order."""

    def take(self) -> list[Event]: ...   # remove and return the pending events
    def stop(self) -> None: ...


class Backend(Protocol):
    """What the API server needs from etcd. All methods are synchronous."""

    revision: int       # the current (latest) revision; starts at 1 when empty, as etcd
    compacted: int      # the compaction point (0: nothing compacted)

    def get(self, key: str, revision: int | None = None) -> KeyValue | None: ...
    def range(self, prefix: str, revision: int | None = None) -> tuple[list[KeyValue], int]: ...
    def count(self, prefix: str) -> int: ...
    def create(self, key: str, value: Any, size: int = 0) -> KeyValue: ...
    def update(self, key: str, value: Any, mod_revision: int | None = None, size: int = 0) -> KeyValue: ...
    def delete(self, key: str, mod_revision: int | None = None) -> KeyValue: ...
    def watch(self, prefix: str, start_revision: int | None = None,
              notify: Callable[[], None] | None = None) -> Watch: ...
    def compact(self, revision: int) -> None: ...
