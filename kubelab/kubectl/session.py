"""One kubectl invocation's state: the cluster it talks to, its namespace flags,
what it has printed, and cli-runtime's resource builder (type/name arguments,
``-f`` files, ``all``)."""
from __future__ import annotations

import os
from dataclasses import dataclass

from kubelab.api.kinds import UnknownResource
from kubelab.api.manifests import ManifestError, load_manifests

from .cli import Invocation
from .errors import KubectlError

__all__ = ["Session", "Request", "FileObject"]


@dataclass
class Request:
    """A resource type and the names asked for (empty: all of them)."""

    rtype: object
    names: list


@dataclass
class FileObject:
    """An object read from ``-f``, with where it came from (``pod.yaml``, ``STDIN``)."""

    obj: dict
    source: str
    rtype: object


class Session:
    def __init__(self, cluster, inv: Invocation, stdin: str | None):
        self.cluster, self.inv, self.stdin = cluster, inv, stdin
        self.api = cluster.api
        self.now = cluster.now
        self.chunks: list[tuple[str, str]] = []
        self.returncode = 0
        self.explicit_namespace = inv.flag("namespace")
        self.namespace = self.explicit_namespace or "default"
        self.all_namespaces = inv.bool("all-namespaces")
        self._warned: set[str] = set()

    def field_validation(self) -> str:
        """``--validate`` as the API's fieldValidation (cmdutil.GetValidationDirective):
        strict (the default) or true, warn, ignore or false."""
        value = str(self.inv.flag("validate", "strict"))
        if value in ("1", "t", "T", "TRUE", "true", "True"):       # strconv.ParseBool
            return "Strict"
        if value in ("0", "f", "F", "FALSE", "false", "False"):
            return "Ignore"
        directive = {"strict": "Strict", "warn": "Warn", "ignore": "Ignore"}.get(value)
        if directive is None:
            raise KubectlError(f'error: invalid - validate option "{value}"; must be one of: strict (or true), '
                               "warn, ignore (or false)")
        return directive

    # -- output ----------------------------------------------------------
    def out(self, text: str) -> None:
        if text:
            self.chunks.append(("stdout", text))

    def err(self, text: str) -> None:
        if text:
            self.chunks.append(("stderr", text if text.endswith("\n") else text + "\n"))
            self.returncode = 1

    def warn(self, text: str) -> None:
        """A warning on stderr that does not fail the command."""
        self.chunks.append(("stderr", text if text.endswith("\n") else text + "\n"))

    def server_warnings(self, warnings: list[str]) -> None:
        """The API server's warnings (HTTP ``Warning`` headers), as kubectl's warning writer
        prints them: ``Warning: <text>`` on stderr, each text once per command."""
        for text in warnings:
            if text not in self._warned:
                self._warned.add(text)
                self.warn(f"Warning: {text}")
        warnings.clear()

    # -- resources -------------------------------------------------------
    def resolve(self, name: str):
        try:
            return self.api.registry.resolve(name)
        except UnknownResource as e:
            raise KubectlError(f"error: {e}") from None

    def requests(self, args: list[str]) -> list[Request]:
        """ResourceTypeOrNameArgs: ``pods,svc [names...]`` or ``pod/web svc/db``."""
        if any("/" in a for a in args):
            if not all("/" in a for a in args):
                raise KubectlError(
                    "error: there is no need to specify a resource type as a separate argument when passing "
                    "arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of "
                    "'kubectl get resource resource/<resource_name>'")
            out: list[Request] = []
            for a in args:
                kind, _, name = a.partition("/")
                if not name:
                    raise KubectlError("error: arguments in resource/name form must have a single resource and name")
                rtype = self.resolve(kind)
                if out and out[-1].rtype == rtype:
                    out[-1].names.append(name)
                else:
                    out.append(Request(rtype, [name]))
            return out
        types = []
        for word in args[0].split(","):
            if word == "all":
                types += [t for t in self.api.registry if "all" in t.categories]
            elif word:
                types.append(self.resolve(word))
        return [Request(t, list(args[1:])) for t in types]

    def list_namespace(self, rtype) -> str | None:
        """The namespace a LIST asks for: None means all namespaces (or a cluster-scoped type)."""
        if not rtype.namespaced or self.all_namespaces:
            return None
        return self.namespace

    def object_namespace(self, rtype, obj: dict | None = None) -> str | None:
        if not rtype.namespaced:
            return None
        given = ((obj or {}).get("metadata") or {}).get("namespace")
        if given and self.explicit_namespace and given != self.explicit_namespace:
            raise KubectlError(
                f'error: the namespace from the provided object "{given}" does not match the namespace '
                f'"{self.explicit_namespace}". You must pass \'--namespace={given}\' to perform this operation.')
        return given or self.namespace

    def files(self) -> list[FileObject]:
        """Every object in the ``-f`` paths (files, directories, ``-`` for stdin), in order."""
        found: list[FileObject] = []
        for path in self.inv.flag("filename", []):
            for source, text in self._read(path):
                try:
                    objs = load_manifests(text) if text.strip() else []
                except ManifestError as e:
                    raise KubectlError(f"error: error parsing {source}: {e}") from None
                for obj in objs:
                    found.append(FileObject(obj, source, self._mapping(obj, source)))
        if not found:
            raise KubectlError("error: no objects passed to " + self.inv.verb)
        return found

    def _read(self, path: str):
        if path == "-":
            return [("STDIN", self.stdin or "")]
        if os.path.isdir(path):
            walk = os.walk(path) if self.inv.bool("recursive") else [(path, [], sorted(os.listdir(path)))]
            return [(os.path.join(d, f), open(os.path.join(d, f)).read()) for d, _, files in walk
                    for f in sorted(files) if f.endswith((".json", ".yaml", ".yml"))]
        if not os.path.exists(path):
            raise KubectlError(f'error: the path "{path}" does not exist')
        with open(path) as fh:
            return [(path, fh.read())]

    def _mapping(self, obj: dict, source: str):
        kind, version = obj.get("kind", ""), obj.get("apiVersion", "")
        name = (obj.get("metadata") or {}).get("name", "")
        ns = (obj.get("metadata") or {}).get("namespace", "")
        if not kind or not version:
            missing = "kind" if not kind else "apiVersion"
            raise KubectlError(f"error: error validating \"{source}\": error validating data: {missing} not set; "
                               "if you choose to ignore these errors, turn validation off with --validate=false")
        try:
            return self.api.registry.for_kind(version, kind)
        except UnknownResource:
            raise KubectlError(f'error: resource mapping not found for name: "{name}" namespace: "{ns}" from '
                               f'"{source}": no matches for kind "{kind}" in version "{version}"\n'
                               "ensure CRDs are installed first") from None
