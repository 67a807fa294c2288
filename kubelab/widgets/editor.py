"""ApplyEditor: a YAML text area with Apply and Delete, as ``kubectl apply/delete -f``.

Apply goes through ``Cluster.apply`` (all documents are checked first, so a
mistake applies nothing); a rejected manifest shows the API server's message
and each field error with its path, as ``kubectl`` prints them. Beneath: what
``kubectl get`` says about the applied objects and everything they own, and
their Events.
"""
from __future__ import annotations

import ipywidgets as w

from .. import errors
from ..api.kinds import UnknownResource
from ..api.manifests import ManifestError, load_manifests
from ..kubectl.errors import api_error_text
from ..viz.eventlog import events_html, events_text, sorted_events
from ..viz.render import esc
from .base import View

__all__ = ["ApplyEditor"]

#: kinds whose objects a Deployment, Job, StatefulSet or DaemonSet owns
_DEPENDENT_KINDS = ("replicasets", "jobs", "pods")


class ApplyEditor(View):
    """Edit YAML, press Apply or Delete. ``run_seconds``: simulated seconds to run after
    a press, so what follows (Pods starting, or going) shows beneath."""

    css_class = "kl-applyeditor"

    def __init__(self, cluster, manifest: str = "", *, run_seconds: float = 10.0, namespace: str = "default"):
        self.run_seconds, self.namespace = run_seconds, namespace
        self.textarea = w.Textarea(value=manifest, layout=w.Layout(width="100%", height="220px"),
                                   placeholder="apiVersion: v1\nkind: Pod\n...")
        self.apply_button = w.Button(description="Apply", button_style="primary", icon="check")
        self.delete_button = w.Button(description="Delete", button_style="danger", icon="trash")
        self.outcome: list[str] = []                 # kubectl's lines: "deployment.apps/web created"
        self.error: str | None = None                # what kubectl would print for the failure
        self.errors: list[tuple[str, str]] = []      # the field errors: (path, message)
        self.objects: list[dict] = []                # the objects as applied
        super().__init__(cluster, [self.textarea, w.HBox([self.apply_button, self.delete_button])])
        self.apply_button.on_click(lambda _: self.apply())
        self.delete_button.on_click(lambda _: self.delete())
        self.redraw()

    @property
    def value(self) -> str:
        return self.textarea.value

    @value.setter
    def value(self, text: str) -> None:
        self.textarea.value = text

    # -- the buttons ----------------------------------------------------------------
    def apply(self) -> list[dict]:
        """Press Apply: returns the stored objects ([] if the manifest was rejected)."""
        self._reset()
        try:
            before = {self._key(o): self._resource_version(o) for o in load_manifests(self.value)
                      if self._known(o)}
            self.objects = self.cluster.apply(self.value, namespace=self.namespace)
        except (ManifestError, errors.ApiError) as e:
            self._fail(e)
            return []
        for obj in self.objects:
            rv = before.get(self._key(obj))
            verb = "created" if rv is None else ("unchanged" if rv == obj["metadata"]["resourceVersion"]
                                                 else "configured")
            self.outcome.append(f"{self._ref(obj)} {verb}")
        self._settle()
        return self.objects

    def delete(self) -> list[str]:
        """Press Delete: delete every object of the manifest; returns kubectl's lines."""
        self._reset()
        try:
            wanted = load_manifests(self.value)
        except ManifestError as e:
            self._fail(e)
            return []
        for obj in reversed(wanted):
            name = obj.get("metadata", {}).get("name", "")
            try:
                rtype = self._rtype(obj)
                self.cluster.delete(rtype.plural, name, namespace=self._ns(obj, rtype))
                self.outcome.append(f'{rtype.singular}{"." + rtype.group if rtype.group else ""} "{name}" deleted')
            except UnknownResource as e:
                self.outcome.append(f"error: {e}")
            except errors.ApiError as e:
                self.outcome.append(api_error_text(e))
        self._settle()
        return self.outcome

    # -- what it shows ------------------------------------------------------------------
    def render(self) -> str:
        if self.error is not None:
            if not self.errors:
                return f'<pre class="kl-error" style="color:#c62828">{esc(self.error)}</pre>'
            headline = self.error[:self.error.index(self.errors[0][0])].rstrip(" \n*")
            causes = "".join(f'<li><code class="kl-field">{esc(f)}</code>: {esc(m)}</li>' for f, m in self.errors)
            return f'<div class="kl-error" style="color:#c62828"><b>{esc(headline)}</b><ul>{causes}</ul></div>'
        outcome = "".join(f"<div>{esc(line)}</div>" for line in self.outcome)
        listing = self._listing()
        return (f'<div class="kl-outcome"><code>{outcome}</code></div>'
                + (f'<pre class="kl-objects">{esc(listing)}</pre>' if listing else "")
                + (events_html(self._events(), "events") if self.objects else ""))

    @property
    def text(self) -> str:
        if self.error is not None:
            return self.error
        parts = ["\n".join(self.outcome), self._listing()]
        if self.objects:
            parts.append("events:\n" + events_text(self._events()))
        return "\n\n".join(p for p in parts if p).rstrip()

    def summary(self) -> str:
        if self.error is not None:
            return f"rejected, {len(self.errors)} field errors"
        return f"{len(self.objects)} objects applied" if self.objects else "nothing applied"

    # -- helpers --------------------------------------------------------------------
    def _reset(self) -> None:
        self.outcome, self.error, self.errors, self.objects = [], None, [], []

    def _fail(self, e: Exception) -> None:
        if isinstance(e, errors.ApiError):
            self.errors = [(c.field, c.message) for c in e.causes if c.field]
            self.error = api_error_text(e)
        else:
            self.error = f"error: {e}"
        self.redraw()

    def _settle(self) -> None:
        self.cluster.run(seconds=self.run_seconds)
        self.redraw()

    def _known(self, obj: dict) -> bool:
        try:
            self._rtype(obj)
        except UnknownResource:
            return False         # Cluster.apply says so, in the API server's words
        return True

    def _rtype(self, obj: dict):
        return self.cluster.api.registry.for_kind(obj.get("apiVersion", ""), obj.get("kind", ""))

    def _ns(self, obj: dict, rtype) -> str | None:
        return (obj.get("metadata", {}).get("namespace") or self.namespace) if rtype.namespaced else None

    def _key(self, obj: dict) -> tuple:
        rtype = self._rtype(obj)
        return rtype.plural, self._ns(obj, rtype), obj.get("metadata", {}).get("name")

    def _resource_version(self, obj: dict) -> str | None:
        plural, ns, name = self._key(obj)
        try:
            return self.cluster.api.get(plural, name, namespace=ns)["metadata"]["resourceVersion"]
        except errors.NotFound:
            return None

    def _ref(self, obj: dict) -> str:
        rtype = self._rtype(obj)
        return f'{rtype.singular}{"." + rtype.group if rtype.group else ""}/{obj["metadata"]["name"]}'

    def _family(self) -> list[dict]:
        """The applied objects that still exist and, transitively, what they own."""
        family, uids = [], set()
        for obj in self.objects:
            plural, ns, name = self._key(obj)
            try:
                current = self.cluster.api.get(plural, name, namespace=ns)
            except errors.NotFound:
                continue
            family.append(current)
            uids.add(current["metadata"]["uid"])
        for kind in _DEPENDENT_KINDS:
            for dep in self.cluster.api.list(kind, namespace=self.namespace)["items"]:
                if {r.get("uid") for r in dep["metadata"].get("ownerReferences") or []} & uids:
                    family.append(dep)
                    uids.add(dep["metadata"]["uid"])
        return family

    def _listing(self) -> str:
        family = self._family()
        if not family:
            return ""
        namespaces = {o["metadata"].get("namespace") for o in family} - {None}
        ns = f" -n {namespaces.pop()}" if len(namespaces) == 1 else ""
        return str(self.cluster.kubectl("get " + " ".join(self._ref(o) for o in family) + ns)).rstrip()

    def _events(self) -> list[dict]:
        uids = {o["metadata"]["uid"] for o in self._family()}
        return sorted_events([e for e in self.cluster.api.list("events")["items"]
                              if (e.get("involvedObject") or {}).get("uid") in uids])
