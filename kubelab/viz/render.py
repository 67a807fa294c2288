"""Rendering a graphviz diagram to SVG, with an HTML fallback when ``dot`` is missing.

Every diagram in kubelab is a :class:`Diagram`: its DOT source (built with the
``graphviz`` package, deterministic) and an HTML rendering of the same facts.
Notebooks show the SVG when graphviz's ``dot`` program is installed, and the
HTML with a one-line hint when it is not, so a chapter never breaks on a laptop
without graphviz.
"""
from __future__ import annotations

import html

__all__ = ["Diagram", "DOT_MISSING_HINT", "esc", "to_svg"]

DOT_MISSING_HINT = ("graphviz's dot program is not installed, so this is the HTML view; install graphviz "
                    "(apt install graphviz, brew install graphviz or conda install graphviz) for the diagram.")


def esc(text) -> str:
    """HTML-escape any value (quotes too: the text may sit in an attribute)."""
    return html.escape(str(text), quote=True)


_SVG_CACHE: dict[str, str] = {}     # DOT source -> SVG: a widget re-renders the same picture often


def to_svg(source: str) -> str | None:
    """The SVG text of a DOT source, or None when the ``dot`` program is not installed."""
    svg = _SVG_CACHE.get(source)
    if svg is None:
        import graphviz

        try:
            out = graphviz.Source(source).pipe(format="svg", encoding="utf-8")
        except graphviz.ExecutableNotFound:
            return None
        svg = out[out.index("<svg"):]   # drop the XML prolog and DOCTYPE: the SVG sits inside HTML
        if len(_SVG_CACHE) >= 64:
            del _SVG_CACHE[next(iter(_SVG_CACHE))]
        _SVG_CACHE[source] = svg
    return svg


class Diagram:
    """A diagram: ``.source`` (DOT), ``.svg`` (None without ``dot``) and ``.html``
    (the SVG, or the fallback HTML with the hint); notebooks display ``.html``."""

    def __init__(self, source: str, fallback_html: str, title: str = "diagram"):
        self.source, self.fallback_html, self.title = source, fallback_html, title

    @property
    def svg(self) -> str | None:
        return to_svg(self.source)

    @property
    def html(self) -> str:
        svg = self.svg
        if svg is not None:
            return f'<div class="kl-diagram">{svg}</div>'
        return f'<div class="kl-diagram"><p class="kl-hint"><i>{esc(DOT_MISSING_HINT)}</i></p>{self.fallback_html}</div>'

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<{self.title}: {len(self.source.splitlines())} lines of DOT>"
