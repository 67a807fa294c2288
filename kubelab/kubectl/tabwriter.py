"""Go's text/tabwriter (elastic tabstops), which kubectl uses for every table.

``kubectl get`` writes with minwidth 6, padding 3 (printers.GetNewTabWriter);
``kubectl describe`` with minwidth 0, padding 2. A cell is text ended by a tab;
the text after a line's last tab is not aligned. Consecutive lines that have a
cell in column *k* form a block whose width is its widest cell plus padding.
"""
from __future__ import annotations

__all__ = ["tabwrite"]


def tabwrite(text: str, *, minwidth: int = 6, padding: int = 3) -> str:
    """Align tab-separated ``text`` as Go's tabwriter.Writer (pad char ' ', flags 0)."""
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    _format(lines, 0, len(lines), [], out, minwidth, padding)
    return "\n".join(out)


def _format(lines, line0, line1, widths, out, minwidth, padding):
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write(lines, line0, this, widths, out)
        line0 = this
        width = minwidth
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + padding)
            this += 1
        _format(lines, line0, this, widths + [width], out, minwidth, padding)
        line0 = this
    _write(lines, line0, line1, widths, out)


def _write(lines, line0, line1, widths, out):
    for cells in lines[line0:line1]:
        parts = []
        for j, cell in enumerate(cells):
            parts.append(cell)
            if j < len(widths) and j < len(cells) - 1:
                parts.append(" " * (widths[j] - len(cell)))
        out.append("".join(parts))
