"""ArchitectureTrace: apply a manifest and see, as a sequence diagram, what the
control plane did about it: the API server's writes, the watch events that woke
each component, the controllers, the scheduler and the kubelets, in order.

The diagram is drawn from the engine's audit log and store history
(:mod:`kubelab.viz.trace`), not by hand.
"""
from __future__ import annotations

import ipywidgets as w

from .. import errors
from ..api.manifests import ManifestError
from ..kubectl.errors import api_error_text
from ..viz.render import esc
from ..viz.trace import Trace
from .base import View

__all__ = ["ArchitectureTrace"]


class ArchitectureTrace(View):
    """A manifest, an "Apply and trace" button, and the sequence diagram of what followed.
    ``seconds``: how long to run after the apply (None: until the cluster settles)."""

    css_class = "kl-trace"
    live = False

    def __init__(self, cluster, manifest: str = "", *, seconds: float | None = None, events: bool = False):
        self.seconds = seconds
        self.textarea = w.Textarea(value=manifest, layout=w.Layout(width="100%", height="160px"))
        self.button = w.Button(description="Apply and trace", button_style="primary", icon="play")
        self.events_box = w.Checkbox(value=events, description="show Events")
        self.trace: Trace | None = None
        self.error: str | None = None
        self._span: tuple[int, int] | None = None
        super().__init__(cluster, [self.textarea, w.HBox([self.button, self.events_box])])
        self.button.on_click(lambda _: self.run())
        self.events_box.observe(lambda change: self._retrace(), names="value")
        self.redraw()

    def run(self) -> Trace | None:
        """Press "Apply and trace"."""
        start, self.error = self.cluster.store.revision, None
        try:
            self.cluster.apply(self.textarea.value)
        except (ManifestError, errors.ApiError) as e:
            self.trace, self._span = None, None
            self.error = api_error_text(e) if isinstance(e, errors.ApiError) else f"error: {e}"
            self.redraw()
            return None
        self.cluster.run(self.seconds)
        self._span = (start, self.cluster.store.revision)
        self._retrace()
        return self.trace

    def _retrace(self) -> None:
        if self._span is not None:
            try:
                self.trace = Trace.between(self.cluster, *self._span, events=self.events_box.value)
            except errors.Gone as e:        # the traced revisions were compacted meanwhile
                self.trace, self._span, self.error = None, None, api_error_text(e)
        self.redraw()

    @property
    def steps(self):
        return self.trace.steps if self.trace is not None else []

    @property
    def svg(self) -> str | None:
        return self.trace.diagram().svg if self.trace is not None else None

    def render(self) -> str:
        if self.error is not None:
            return f'<pre class="kl-error" style="color:#c62828">{esc(self.error)}</pre>'
        if self.trace is None:
            return '<p class="kl-empty">Press "Apply and trace".</p>'
        return self.trace.diagram().html

    @property
    def text(self) -> str:
        if self.error is not None:
            return self.error
        return str(self.trace) if self.trace is not None else "nothing traced yet"

    def summary(self) -> str:
        return repr(self.trace)[1:-1] if self.trace is not None else "nothing traced yet"
