"""How kubectl words its failures (k8s.io/kubectl/pkg/cmd/util/helpers.go CheckErr)."""
from __future__ import annotations

from kubelab import errors

__all__ = ["KubectlError", "UsageError", "api_error_text", "with_source"]


class KubectlError(Exception):
    """A failed command: ``text`` is exactly what kubectl writes to stderr."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text if text.endswith("\n") else text + "\n"


class UsageError(KubectlError):
    """A bad command line: the message, then where to read the command's help."""

    def __init__(self, message: str, verb: str):
        super().__init__(f"error: {message}\nSee 'kubectl {verb} -h' for help and examples")


def api_error_text(err: errors.ApiError) -> str:
    """StandardErrorMessage: ``Error from server (NotFound): ...``; 422s list their causes."""
    if isinstance(err, errors.Invalid):
        return _invalid_text(err)
    if err.reason == "Unauthorized":
        return f"error: You must be logged in to the server ({err.message})"
    if err.reason:
        return f"Error from server ({err.reason}): {err.message}"
    return f"Error from server: {err.message}"


def _invalid_text(err: errors.Invalid) -> str:
    """``The Pod "web" is invalid: spec.containers[0].image: Required value`` (MultilineError)."""
    prefix = f'The {err.kind} "{err.name}" is invalid' if (err.kind or err.name) else "The request is invalid"
    causes = [f"{c.field}: {c.message}" if c.field else c.message for c in err.causes]
    if not causes:
        return f"{prefix}: {err.message}" if err.kind or err.name else f"Error from server (Invalid): {err.message}"
    if len(causes) == 1:
        return f"{prefix}: {causes[0]}"
    return f"{prefix}: \n" + "\n".join(f"* {c}" for c in causes)


def with_source(verb: str, source: str, err: errors.ApiError) -> errors.ApiError:
    """AddSourceToErr: ``error when creating "pod.yaml": ...`` in the error's message."""
    if not source:
        return err
    wrapped = type(err)(f'error when {verb} "{source}": {err.message}', causes=err.causes, kind=err.kind,
                        name=err.name, group=err.group)
    return wrapped
