"""Kubernetes API errors (k8s.io/apimachinery/pkg/api/errors), as Python exceptions.

Every error the API server returns is an :class:`ApiError` carrying the HTTP
``code``, the machine-readable ``reason`` (``NotFound``, ``Conflict``, ...), the
human ``message`` exactly as Kubernetes words it, and ``causes``: a list of
:class:`Cause` (field path + message) for validation failures.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ApiError", "Cause", "BadRequest", "Unauthorized", "Forbidden", "NotFound",
    "MethodNotAllowed", "AlreadyExists", "Conflict", "Gone", "Invalid", "UnsupportedMediaType",
    "TooManyRequests", "InternalError", "ServiceUnavailable", "Timeout",
    "from_status",
]


@dataclass(frozen=True)
class Cause:
    """One StatusCause: which field was wrong and why (``type`` as in metav1.CauseType)."""

    field: str
    message: str
    type: str = "FieldValueInvalid"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ApiError(Exception):
    """A failed API call, modelled on metav1.Status (kind: Status, status: Failure)."""

    code = 500
    reason = "InternalError"

    def __init__(self, message: str, *, causes=(), kind: str = "", name: str = "", group: str = ""):
        super().__init__(message)
        self.message = message
        self.causes = list(causes)
        self.kind = kind
        self.name = name
        self.group = group

    def to_status(self) -> dict:
        """The error as the Status object a real API server sends."""
        status = {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        }
        details = {}
        if self.name:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = [
                {"reason": c.type, "message": c.message, "field": c.field} for c in self.causes
            ]
        if details:
            status["details"] = details
        return status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class BadRequest(ApiError):
    code, reason = 400, "BadRequest"


class Unauthorized(ApiError):
    code, reason = 401, "Unauthorized"


class Forbidden(ApiError):
    code, reason = 403, "Forbidden"


class NotFound(ApiError):
    code, reason = 404, "NotFound"


class MethodNotAllowed(ApiError):
    code, reason = 405, "MethodNotAllowed"


class AlreadyExists(ApiError):
    code, reason = 409, "AlreadyExists"


class Conflict(ApiError):
    code, reason = 409, "Conflict"


class Gone(ApiError):
    """410: the requested resourceVersion has been compacted away (reason Expired)."""

    code, reason = 410, "Expired"


class UnsupportedMediaType(ApiError):
    code, reason = 415, "UnsupportedMediaType"


class Invalid(ApiError):
    code, reason = 422, "Invalid"


class TooManyRequests(ApiError):
    code, reason = 429, "TooManyRequests"


class InternalError(ApiError):
    code, reason = 500, "InternalError"


class ServiceUnavailable(ApiError):
    code, reason = 503, "ServiceUnavailable"


class Timeout(ApiError):
    code, reason = 504, "Timeout"


_BY_REASON = {cls.reason: cls for cls in ApiError.__subclasses__()}


def from_status(status: dict) -> ApiError:
    """Rebuild an ApiError from a Status dict (what ``to_status`` produced)."""
    details = status.get("details") or {}
    cls = _BY_REASON.get(status.get("reason", ""), ApiError)
    causes = [Cause(c.get("field", ""), c.get("message", ""), c.get("reason", "FieldValueInvalid"))
              for c in details.get("causes", [])]
    return cls(status.get("message", ""), causes=causes, kind=details.get("kind", ""),
               name=details.get("name", ""), group=details.get("group", ""))
