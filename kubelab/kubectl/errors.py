"""How kubectl words its failures (k8s.io/kubectl/pkg/cmd/util/helpers.go CheckErr)."""
from __future__ import annotations

import re

from kubelab import errors

__all__ = ["KubectlError", "UsageError", "api_error_text", "with_source"]


class KubectlError(Exception):
    """A failed command: ``text`` is exactly what kubectl writes to stderr."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text if text.endswith("\n") else text + "\n"


class UsageError(KubectlError):
    """A bad command line (cmdutil.UsageErrorf): the message, then where to read the command's help."""

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


_INVALID = re.compile(r'^(\S+) "([^"]*)" is invalid')


def _invalid_text(err: errors.Invalid) -> str:
    """``The Pod "web" is invalid: spec.containers[0].image: Required value`` (MultilineError).

    The kind and name come from the Status details (details.kind is the bare kind,
    ``Deployment``, while the server's message says ``Deployment.apps``), as
    kubectl's checkErr prints them; without details, from the message."""
    m = _INVALID.match(err.message)
    if err.kind or err.name:
        prefix = f'The {err.kind} "{err.name}" is invalid'
    else:
        prefix = f'The {m.group(1)} "{m.group(2)}" is invalid' if m else "The request is invalid"
    causes = [f"{c.field}: {c.message}" if c.field else c.message for c in err.causes]
    if not causes:
        return f"The {err.message}" if m else f"{prefix}: {err.message}"
    if len(causes) == 1:
        return f"{prefix}: {causes[0]}"
    return f"{prefix}: \n" + "\n".join(f"* {c}" for c in causes)


def with_source(verb: str, source: str, err: errors.ApiError) -> errors.ApiError:
    """AddSourceToErr: ``error when creating "pod.yaml": ...`` in the error's message."""
    if not source or isinstance(err, errors.Invalid):
        return err              # Invalid errors print from their details, without the source
    wrapped = type(err)(f'error when {verb} "{source}": {err.message}', causes=err.causes, kind=err.kind,
                        name=err.name, group=err.group)
    return wrapped
