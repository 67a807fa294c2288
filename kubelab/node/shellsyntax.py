"""The grammar of kubelab's tiny ``sh``: words, operators and the parse tree.

A script parses into a list of and-or lists; nodes are tuples:

* ``("andor", [(op, pipeline), ...])`` — ``op`` is "", "&&" or "||";
* ``("pipe", [command, ...], negated)``;
* ``("simple", assignments, words, redirections)``;
* ``("while", condition, body, is_until)``, ``("for", name, words, body)``,
  ``("if", [(condition, body), ...], else_body)``.

A word is a list of segments ``(kind, value, quoted)``: ``text``, ``var``
(``$X``, ``${X}``, ``$?``), ``cmd`` (``$(...)``) or ``arith`` (``$((...))``);
quoted segments are not split into fields.
"""
from __future__ import annotations

import re

__all__ = ["parse", "literal", "ShellSyntaxError", "NAME"]


class ShellSyntaxError(ValueError):
    pass


_OPS = ("&&", "||", ";;", ";", "|", "&", "\n", "(", ")")
_REDIR = re.compile(r"(\d?)(>>|>&|>|<)")
_KEYWORDS = {"while", "until", "do", "done", "for", "in", "if", "then", "elif", "else", "fi"}
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# -- lexing ------------------------------------------------------------------
def _tokens(src: str):
    """Yield ("op", text) or ("word", segments); a segment is (kind, value, quoted)."""
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in " \t":
            i += 1
            continue
        if c == "#":
            while i < n and src[i] != "\n":
                i += 1
            continue
        if c == "\\" and src[i + 1:i + 2] == "\n":
            i += 2
            continue
        op = next((o for o in _OPS if src.startswith(o, i)), None)
        if op:
            yield ("op", op)
            i += len(op)
            continue
        m = _REDIR.match(src, i)
        if m:
            yield ("redir", (m.group(2), int(m.group(1)) if m.group(1) else None))
            i = m.end()
            continue
        segs, i = _word(src, i)
        yield ("word", segs)


def _word(src: str, i: int):
    segs, n, buf = [], len(src), []

    def flush(quoted=False):
        if buf:
            segs.append(("text", "".join(buf), quoted))
            buf.clear()
    while i < n and src[i] not in " \t\n;&|()<>" :
        c = src[i]
        if c == "'":
            end = src.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("unterminated quoted string")
            flush()
            segs.append(("text", src[i + 1:end], True))
            i = end + 1
        elif c == '"':
            flush()
            i = _double(src, i + 1, segs)
        elif c == "\\" and i + 1 < n:
            flush()
            segs.append(("text", src[i + 1], True))
            i += 2
        elif c == "$":
            flush()
            i = _dollar(src, i, segs, False)
        else:
            buf.append(c)
            i += 1
    flush()
    return segs, i


def _double(src: str, i: int, segs: list) -> int:
    buf = []
    segs.append(("text", "", True))            # "" is still a word
    while True:
        if i >= len(src):
            raise ShellSyntaxError("unterminated quoted string")
        c = src[i]
        if c == '"':
            if buf:
                segs.append(("text", "".join(buf), True))
            return i + 1
        if c == "\\" and src[i + 1:i + 2] in ('"', "\\", "$", "`"):
            buf.append(src[i + 1])
            i += 2
        elif c == "$":
            if buf:
                segs.append(("text", "".join(buf), True))
                buf = []
            i = _dollar(src, i, segs, True)
        else:
            buf.append(c)
            i += 1


def _dollar(src: str, i: int, segs: list, quoted: bool) -> int:
    if src.startswith("$((", i):
        end = src.find("))", i)
        if end < 0:
            raise ShellSyntaxError("missing '))'")
        segs.append(("arith", src[i + 3:end], quoted))
        return end + 2
    if src.startswith("$(", i):
        depth, j = 1, i + 2
        while j < len(src) and depth:
            depth += {"(": 1, ")": -1}.get(src[j], 0)
            j += 1
        if depth:
            raise ShellSyntaxError("missing ')'")
        segs.append(("cmd", src[i + 2:j - 1], quoted))
        return j
    if src.startswith("${", i):
        end = src.find("}", i)
        if end < 0:
            raise ShellSyntaxError("missing '}'")
        segs.append(("var", src[i + 2:end], quoted))
        return end + 1
    m = NAME.match(src, i + 1)
    if m:
        segs.append(("var", m.group(0), quoted))
        return m.end()
    if src[i + 1:i + 2] and src[i + 1] in "?$#0":
        segs.append(("var", src[i + 1], quoted))
        return i + 2
    segs.append(("text", "$", quoted))
    return i + 1


# -- parsing -----------------------------------------------------------------
def literal(word) -> str | None:
    if word and all(kind == "text" and not quoted for kind, _, quoted in word):
        return "".join(v for _, v, _ in word)
    return None


class _Parser:
    def __init__(self, src: str):
        self.toks = list(_tokens(src))
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", None)

    def keyword(self):
        kind, value = self.peek()
        return literal(value) if kind == "word" else None

    def expect(self, word: str) -> None:
        if self.keyword() != word:
            found = self.keyword() or self.peek()[1] or "end of file"
            raise ShellSyntaxError(f"unexpected {found!r} (expecting {word!r})".replace("'\\n'", "newline"))
        self.i += 1

    def skip_newlines(self) -> None:
        while self.peek() in (("op", "\n"), ("op", ";")):
            self.i += 1

    def seq(self, stop=()) -> list:
        items = []
        self.skip_newlines()
        while self.peek()[0] != "eof" and self.keyword() not in stop and self.peek() != ("op", ")"):
            items.append(self.and_or())
            kind, value = self.peek()
            if kind == "op" and value == "&":
                raise ShellSyntaxError("background jobs ('&') are not supported")
            self.skip_newlines()
        return items

    def and_or(self):
        parts = [("", self.pipeline())]
        while self.peek() in (("op", "&&"), ("op", "||")):
            op = self.peek()[1]
            self.i += 1
            self.skip_newlines()
            parts.append((op, self.pipeline()))
        return ("andor", parts)

    def pipeline(self):
        negate = self.keyword() == "!"
        if negate:
            self.i += 1
        cmds = [self.command()]
        while self.peek() == ("op", "|"):
            self.i += 1
            self.skip_newlines()
            cmds.append(self.command())
        return ("pipe", cmds, negate)

    def command(self):
        kw = self.keyword()
        if kw in ("while", "until"):
            self.i += 1
            cond = self.seq(stop=("do",))
            self.expect("do")
            body = self.seq(stop=("done",))
            self.expect("done")
            return ("while", cond, body, kw == "until")
        if kw == "for":
            self.i += 1
            kind, name = self.peek()
            if kind != "word" or not NAME.fullmatch(literal(name) or ""):
                raise ShellSyntaxError("bad for loop variable")
            self.i += 1
            words = []
            self.skip_newlines() if self.keyword() != "in" else None
            if self.keyword() == "in":
                self.i += 1
                while self.peek()[0] == "word":
                    words.append(self.peek()[1])
                    self.i += 1
            self.skip_newlines()
            self.expect("do")
            body = self.seq(stop=("done",))
            self.expect("done")
            return ("for", literal(name), words, body)
        if kw == "if":
            self.i += 1
            branches, otherwise = [], None
            while True:
                cond = self.seq(stop=("then",))
                self.expect("then")
                branches.append((cond, self.seq(stop=("elif", "else", "fi"))))
                kw = self.keyword()
                self.i += 1
                if kw == "elif":
                    continue
                if kw == "else":
                    otherwise = self.seq(stop=("fi",))
                    self.expect("fi")
                elif kw != "fi":
                    raise ShellSyntaxError("unexpected end of file (expecting 'fi')")
                return ("if", branches, otherwise)
        if kw in _KEYWORDS:
            raise ShellSyntaxError(f"unexpected {kw!r}")
        return self.simple()

    def simple(self):
        assigns, words, redirs = [], [], []
        while True:
            kind, value = self.peek()
            if kind == "redir":
                self.i += 1
                target_kind, target = self.peek()
                if target_kind != "word":
                    raise ShellSyntaxError("unexpected redirection")
                self.i += 1
                redirs.append((value[0], value[1], target))
            elif kind == "word":
                lit = value[0]
                if not words and lit[0] == "text" and not lit[2] and "=" in lit[1] \
                        and NAME.fullmatch(lit[1].split("=", 1)[0]):
                    name, rest = lit[1].split("=", 1)
                    assigns.append((name, [("text", rest, False)] + value[1:]))
                else:
                    words.append(value)
                self.i += 1
            else:
                break
        if not (assigns or words or redirs):
            found = self.peek()[1]
            raise ShellSyntaxError(f"unexpected {found!r}" if found else "unexpected end of file")
        return ("simple", assigns, words, redirs)


def parse(src: str) -> list:
    """Parse a script into a list of and-or lists (raises ShellSyntaxError)."""
    p = _Parser(src)
    items = p.seq()
    if p.peek()[0] != "eof":
        raise ShellSyntaxError(f"unexpected {p.peek()[1]!r}")
    return items


# -- running -----------------------------------------------------------------
