"""kubectl's command line: the verbs it knows, pflag's flag syntax, and cobra's
texts for an unknown command (with "Did you mean this?") or flag."""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from ..api.duration import parse_duration
from .errors import KubectlError

__all__ = ["COMMANDS", "Invocation", "parse"]

#: kubectl's top-level commands in the order cobra registers them (kubectl --help).
COMMANDS = (
    "create", "expose", "run", "set", "explain", "get", "edit", "delete", "rollout", "scale", "autoscale",
    "certificate", "cluster-info", "top", "cordon", "uncordon", "drain", "taint", "describe", "logs", "attach",
    "exec", "port-forward", "proxy", "cp", "auth", "debug", "events", "diff", "apply", "patch", "replace", "wait",
    "kustomize", "label", "annotate", "completion", "api-resources", "api-versions", "config", "plugin", "version",
)
#: cobra's Command.SuggestFor, as kubectl v1.32 answers ``kubectl list`` / ``ps`` / ``rm``.
_SUGGEST_FOR = {"get": ("list", "ps"), "delete": ("rm",), "wait": ("list", "ps")}

#: long name -> (shorthand, takes a value, repeatable, value when given bare)
_FLAGS = {
    "namespace": ("n", True, False, None), "all-namespaces": ("A", False, False, None),
    "selector": ("l", True, False, None), "field-selector": ("", True, False, None),
    "output": ("o", True, False, None), "show-labels": ("", False, False, None),
    "filename": ("f", True, True, None), "recursive": ("R", False, False, None),
    "dry-run": ("", True, False, "client"), "overwrite": ("", False, False, None),
    "all": ("", False, False, None), "label-columns": ("L", True, True, None),
    "no-headers": ("", False, False, None), "ignore-not-found": ("", False, False, None),
    "sort-by": ("", True, False, None), "namespaced": ("", True, False, "true"),
    "force": ("", False, False, None), "grace-period": ("", True, False, None),
    "now": ("", False, False, None), "wait": ("", False, False, None), "cascade": ("", True, False, "background"),
    "validate": ("", True, False, "strict"), "save-config": ("", False, False, None),
    "show-kind": ("", False, False, None), "show-events": ("", True, False, "true"),
    "field-manager": ("", True, False, None), "resource-version": ("", True, False, None),
    "watch": ("w", False, False, None), "verbs": ("", True, True, None), "api-group": ("", True, False, None),
    "template": ("", True, False, None), "kubeconfig": ("", True, False, None), "context": ("", True, False, None),
    "v": ("v", True, False, None), "local": ("", False, False, None),
    "image": ("", True, True, None), "port": ("", True, False, None), "from-literal": ("", True, True, None),
    "from-file": ("", True, True, None), "tcp": ("", True, True, None), "node-port": ("", True, False, None),
    "clusterip": ("", True, False, None), "schedule": ("", True, False, None), "restart": ("", True, False, None),
    "labels": ("", True, False, None), "env": ("", True, True, None), "command": ("", False, False, None),
    "image-pull-policy": ("", True, False, None), "expose": ("", False, False, None),
    "type": ("", True, False, None), "target-port": ("", True, False, None), "name": ("", True, False, None),
    "protocol": ("", True, False, None), "patch": ("p", True, False, None), "patch-file": ("", True, False, None),
    "replicas": ("", True, False, None), "revision": ("", True, False, None),
    "to-revision": ("", True, False, None), "timeout": ("", True, False, None),
    # kubectl drain
    "ignore-daemonsets": ("", False, False, None), "delete-emptydir-data": ("", False, False, None),
    "delete-local-data": ("", False, False, None), "disable-eviction": ("", False, False, None),
    "pod-selector": ("", True, False, None), "skip-wait-for-delete-timeout": ("", True, False, None),
    "ignore-errors": ("", False, False, None), "chunk-size": ("", True, False, None),
    # kubectl top
    "containers": ("", False, False, None), "sum": ("", False, False, None),
    "show-capacity": ("", False, False, None), "use-protocol-buffers": ("", False, False, None),
    # kubectl autoscale
    "min": ("", True, False, None), "max": ("", True, False, None), "cpu-percent": ("", True, False, None),
    # kubectl set env
    "from": ("", True, False, None), "prefix": ("", True, False, None), "keys": ("", True, True, None),
    "list": ("", False, False, None),
}
#: flags a command defines its own way (cobra: each command has its own flag set)
_VERB_FLAGS = {
    "set": {"containers": ("c", True, False, None), "env": ("e", True, True, None)},    # set env -c, -e
}


def _flags(verb: str) -> dict:
    """The flag table of ``verb`` (before the verb: the global one)."""
    return {**_FLAGS, **_VERB_FLAGS.get(verb, {})}


@dataclass
class Invocation:
    """A parsed command line: the verb, its positional arguments and its flags."""

    verb: str
    args: list[str] = field(default_factory=list)
    flags: dict = field(default_factory=dict)
    command: list[str] = field(default_factory=list)   # the words after "--"

    def flag(self, name: str, default=None):
        return self.flags.get(name, default)

    def bool(self, name: str) -> bool:
        value = self.flags.get(name, False)
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "t")

    def duration(self, name: str, default: float) -> float:
        """A Go duration flag (``--timeout=5m``) in seconds; kubectl's error for a bad one."""
        value = self.flags.get(name)
        if value is None:
            return default
        try:
            return parse_duration(str(value))
        except ValueError as e:
            raise KubectlError(f'error: invalid argument "{value}" for "--{name}" flag: {e}') from None


def parse(command: str) -> Invocation:
    """Split a command line (``kubectl`` itself optional) into an :class:`Invocation`."""
    try:
        words = shlex.split(command)
    except ValueError as e:
        raise KubectlError(f"error: {e}") from None
    if words and words[0] == "kubectl":
        words = words[1:]
    positional, flags, after_dash = [], {}, []
    i = 0
    verb = None
    while i < len(words):
        word = words[i]
        if word == "--":
            after_dash = words[i + 1:]
            break
        if word.startswith("-") and word != "-":
            i = _parse_flag(words, i, flags, verb or "")
            continue
        if verb is None:
            verb = word
        else:
            positional.append(word)
        i += 1
    if verb is None:
        raise KubectlError(_root_help_hint())
    if verb not in COMMANDS:
        raise KubectlError(_unknown_command(verb))
    return Invocation(verb, positional, flags, after_dash)


def _parse_flag(words, i, flags, verb) -> int:
    word = words[i]
    where = f"See 'kubectl {verb} --help' for usage." if verb else "See 'kubectl --help' for usage."
    table = _flags(verb)
    if word.startswith("--"):
        name, eq, value = word[2:].partition("=")
        if name not in table:
            raise KubectlError(f"error: unknown flag: --{name}\n{where}")
        return _take(words, i, flags, table, name, value if eq else None, f"--{name}", where)
    short = word[1]
    shorthands = {spec[0]: long for long, spec in table.items() if spec[0]}
    if short not in shorthands:
        raise KubectlError(f"error: unknown shorthand flag: '{short}' in {word}\n{where}")
    name = shorthands[short]
    rest = word[2:]
    if not table[name][1]:
        flags[name] = True
        if rest:                        # combined booleans: -Aw
            return _parse_flag(words[:i] + ["-" + rest] + words[i + 1:], i, flags, verb)
        return i + 1
    value = rest[1:] if rest.startswith("=") else rest
    return _take(words, i, flags, table, name, value or None, f"-{short}", where, shorthand=True)


def _take(words, i, flags, table, name, value, shown, where, shorthand=False) -> int:
    short, takes_value, repeated, bare = table[name]
    nxt = i + 1
    if not takes_value:
        flags[name] = True if value is None else value.lower() in ("true", "1", "t")
        return nxt
    if value is None:
        if bare is not None and not shorthand:
            value = bare
        elif nxt < len(words):
            value, nxt = words[nxt], nxt + 1
        else:
            label = f"'{short}' in -{short}" if shorthand else shown
            raise KubectlError(f"error: flag needs an argument: {label}\n{where}")
    if repeated:
        whole = name in ("filename", "image", "from-literal", "from-file", "env")   # stringArray flags
        flags.setdefault(name, []).extend([value] if whole else [v for v in value.split(",") if v])
    else:
        flags[name] = value
    return nxt


def _levenshtein(a: str, b: str) -> int:
    a, b = a.lower(), b.lower()
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _unknown_command(word: str) -> str:
    """cobra's "unknown command" error with SuggestionsFor (distance <= 2 or a prefix)."""
    suggestions = []
    for cmd in COMMANDS:
        if _levenshtein(word, cmd) <= 2 or cmd.startswith(word.lower()):
            suggestions.append(cmd)
        if any(word.lower() == s for s in _SUGGEST_FOR.get(cmd, ())):
            suggestions.append(cmd)
    text = f'error: unknown command "{word}" for "kubectl"'
    if suggestions:
        text += "\n\nDid you mean this?\n" + "".join(f"\t{s}\n" for s in suggestions)
    return text


def _root_help_hint() -> str:
    """simplified: kubectl without a command prints its whole help; kubelab points at a first command."""
    return "error: no command given: try 'kubectl get pods'\nSee 'kubectl --help' for usage."
