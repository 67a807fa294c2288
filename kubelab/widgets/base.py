"""What every kubelab widget shares: an ipywidgets box whose last child is an HTML
pane, a plain-text reading of what it shows, a short deterministic repr, and a
refresh whenever its cluster has moved on.

Widgets are thin views: they read the cluster through its public API and call
its verbs; all behaviour stays in the engine. A view redraws when asked
(``refresh()``), after each notebook cell (an IPython ``post_execute`` hook)
and on each tick of a live driver, but only if the store's revision changed.
"""
from __future__ import annotations

import weakref

import ipywidgets as w

__all__ = ["View", "refresh_views"]

_VIEWS: "weakref.WeakSet[View]" = weakref.WeakSet()
_hooked = False


class View(w.VBox):
    """A widget over one cluster. Subclasses implement :meth:`render` (HTML) and
    :attr:`text`, and may set ``live = False`` to draw only when asked."""

    css_class = "kl-view"
    live = True

    def __init__(self, cluster, controls=(), **kwargs):
        self.cluster = cluster
        self.pane = w.HTML()
        self._drawn_at: int | None = None
        super().__init__(children=[*controls, self.pane], **kwargs)
        self.add_class("kl-widget")
        self.add_class(self.css_class)
        if self.live:
            _VIEWS.add(self)
            _hook_ipython()

    # -- drawing -----------------------------------------------------------------
    def render(self) -> str:
        raise NotImplementedError

    def refresh(self, *, force: bool = False) -> None:
        """Redraw if the cluster changed since the last drawing (always, with ``force``)."""
        revision = self.cluster.store.revision if self.cluster is not None else None
        if force or revision is None or revision != self._drawn_at:
            self.pane.value = self.render()
            self._drawn_at = revision

    def redraw(self) -> None:
        self.refresh(force=True)

    # -- reading what is shown ------------------------------------------------------
    @property
    def html(self) -> str:
        """The HTML the widget shows now."""
        return self.pane.value

    @property
    def text(self) -> str:
        raise NotImplementedError

    def summary(self) -> str:
        return ""

    def __repr__(self) -> str:
        summary = self.summary()
        return f"<{type(self).__name__}{': ' + summary if summary else ''}>"


def refresh_views(cluster=None) -> None:
    """Redraw every live view (of ``cluster`` only, if given) whose cluster changed."""
    for view in list(_VIEWS):
        if cluster is None or view.cluster is cluster:
            view.refresh()


def _hook_ipython() -> None:
    """Refresh the views after each cell, so a cell that runs the cluster updates them."""
    global _hooked
    if _hooked:
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    if ip is not None:
        ip.events.register("post_execute", refresh_views)
        _hooked = True
