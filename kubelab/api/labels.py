"""Label and field selectors: k8s.io/apimachinery/pkg/labels and pkg/fields.

A label selector is a list of requirements that must all hold::

    >>> s = parse_selector("tier in (web,api), !canary, env=prod")
    >>> str(s)                      # sorted by key, as Kubernetes prints it
    '!canary,env=prod,tier in (api,web)'
    >>> s.matches({"tier": "web", "env": "prod"})
    True

Three ways to get one, each with Kubernetes' special cases:

- ``parse_selector(text)`` (labels.Parse, what ``kubectl -l`` sends): the
  empty string matches everything.
- ``selector_from_label_selector(d)`` (metav1.LabelSelectorAsSelector, for the
  ``selector`` field of a Deployment, ReplicaSet, Job...): ``None`` matches
  nothing, ``{}`` matches everything.
- ``selector_from_set(d)`` (labels.SelectorFromSet, for a Service's
  ``spec.selector`` map): ``None`` and ``{}`` match everything.

Field selectors (``parse_field_selector``, fields.ParseSelector) compare one
field of an object with ``=``, ``==`` or ``!=``.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

__all__ = [
    "SelectorError", "Requirement", "Selector", "new_requirement",
    "parse_selector", "selector_from_set", "selector_from_label_selector",
    "FieldRequirement", "FieldSelector", "parse_field_selector",
    "is_qualified_name", "is_valid_label_value",
    "DOES_NOT_EXIST", "EQUALS", "DOUBLE_EQUALS", "IN", "NOT_EQUALS", "NOT_IN",
    "EXISTS", "GREATER_THAN", "LESS_THAN",
]

# selection.Operator values.
DOES_NOT_EXIST = "!"
EQUALS = "="
DOUBLE_EQUALS = "=="
IN = "in"
NOT_EQUALS = "!="
NOT_IN = "notin"
EXISTS = "exists"
GREATER_THAN = "gt"
LESS_THAN = "lt"

_BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)
_VALID_OPERATORS = _BINARY_OPERATORS + (EXISTS, DOES_NOT_EXIST)


class SelectorError(ValueError):
    """A selector that does not parse or does not validate."""


# -- label key and value validation (k8s.io/apimachinery/pkg/util/validation) --

_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME = re.compile(_QUALIFIED_NAME_FMT)
_QUALIFIED_NAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', "
                       "and must start and end with an alphanumeric character")
_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric "
                    "characters, '-', '_' or '.', and must start and end with an "
                    "alphanumeric character")
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case "
                          "alphanumeric characters, '-' or '.', and must start and end "
                          "with an alphanumeric character")


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    # validation.RegexError, double spaces included: "(e.g. 'MyName',  or 'my.name', ..."
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def _max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def is_qualified_name(value: str) -> list[str]:
    """validation.IsQualifiedName: why ``value`` is not a valid label key
    (``[prefix/]name``), or an empty list if it is."""
    return list(_qualified_name_errors(value))


@functools.lru_cache(maxsize=4096)
def _qualified_name_errors(value: str) -> tuple[str, ...]:
    parts = value.split("/")
    if len(parts) > 2:
        return ("a qualified name " + _regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT,
                                                    "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",)
    errs = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + e for e in _dns1123_subdomain_errors(prefix))
    if not name:
        errs.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        errs.append("name part " + _max_len_error(63))
    if not _QUALIFIED_NAME.fullmatch(name):
        errs.append("name part " + _regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT,
                                                "MyName", "my.name", "123-abc"))
    return tuple(errs)


def is_valid_label_value(value: str) -> list[str]:
    """validation.IsValidLabelValue: why ``value`` is not a valid label value
    (at most 63 characters, may be empty), or an empty list if it is."""
    return list(_label_value_errors(value))


@functools.lru_cache(maxsize=4096)
def _label_value_errors(value: str) -> tuple[str, ...]:
    errs = []
    if len(value.encode()) > 63:
        errs.append(_max_len_error(63))
    if value and not _QUALIFIED_NAME.fullmatch(value):
        errs.append(_regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT,
                                 "MyValue", "my_value", "12345"))
    return tuple(errs)


def _dns1123_subdomain_errors(value: str) -> list[str]:
    errs = []
    if len(value.encode()) > 253:
        errs.append(_max_len_error(253))
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def _invalid(path: str, value, detail: str) -> str:
    """field.Invalid(path, value, detail).Error()."""
    shown = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return f"{path}: Invalid value: {shown}: {detail}"


def _aggregate(errors: list[str]) -> str:
    """utilerrors.Aggregate.Error(): one message, or "[a, b]" without repeats."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


_INT64 = re.compile(r"[+-]?[0-9]+")


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None where Go returns an error."""
    if not _INT64.fullmatch(text):
        return None
    number = int(text)
    return number if -2**63 <= number < 2**63 else None


# -- requirements and selectors ------------------------------------------------------

class Requirement(NamedTuple):
    """One labels.Requirement: ``key``, an ``operator`` (EXISTS, IN, GREATER_THAN,
    ...) and its ``values``. Build validated ones with :func:`new_requirement`."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Requirement.Matches: NotIn and != also match when the key is absent;
        Gt and Lt compare integers and never match a non-integer label."""
        op, present = self.operator, self.key in labels
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return present and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return not present or labels[self.key] not in self.values
        if op == EXISTS:
            return present
        if op == DOES_NOT_EXIST:
            return not present
        if op in (GREATER_THAN, LESS_THAN) and present and len(self.values) == 1:
            have, bound = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
            if have is None or bound is None:
                return False
            return have > bound if op == GREATER_THAN else have < bound
        return False

    def __str__(self) -> str:
        op = self.operator
        if op == EXISTS:
            return self.key
        if op == DOES_NOT_EXIST:
            return "!" + self.key
        values = ",".join(sorted(self.values))
        if op in (IN, NOT_IN):
            return f"{self.key} {op} ({values})"
        symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op)
        return f"{self.key}{symbol}{values}"


def new_requirement(key: str, operator: str, values: Iterable[str] = ()) -> Requirement:
    """labels.NewRequirement: a Requirement, validated like Kubernetes.

    Raises SelectorError with Kubernetes' field errors, e.g. ``values: Invalid
    value: null: for 'in', 'notin' operators, values set can't be empty``.
    """
    values = tuple(values)
    shown = list(values) or None  # a Go nil slice marshals as null
    errs = []
    key_errs = is_qualified_name(key)
    if key_errs:
        errs.append(_invalid("key", key, "; ".join(key_errs)))
    if operator in (IN, NOT_IN):
        if not values:
            errs.append(_invalid("values", shown, "for 'in', 'notin' operators, values set can't be empty"))
    elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(values) != 1:
            errs.append(_invalid("values", shown, "exact-match compatibility requires one single value"))
    elif operator in (EXISTS, DOES_NOT_EXIST):
        if values:
            errs.append(_invalid("values", shown, "values set must be empty for exists and does not exist"))
    elif operator in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errs.append(_invalid("values", shown, "for 'Gt', 'Lt' operators, exactly one value is required"))
        for i, value in enumerate(values):
            if _parse_int64(value) is None:
                errs.append(_invalid(f"values[{i}]", value, "for 'Gt', 'Lt' operators, the value must be an integer"))
    else:
        supported = ", ".join(json.dumps(op) for op in _VALID_OPERATORS)
        errs.append(f"operator: Unsupported value: {json.dumps(operator)}: supported values: {supported}")
    for i, value in enumerate(values):
        value_errs = is_valid_label_value(value)
        if value_errs:
            errs.append(_invalid(f"values[{i}][{key}]", value, "; ".join(value_errs)))
    if errs:
        raise SelectorError(_aggregate(errs))
    return Requirement(key, operator, values)


class Selector:
    """A labels.Selector: requirements ANDed together, kept sorted by key.

    ``Selector()`` is labels.Everything() (matches all label sets);
    ``Selector.nothing()`` is labels.Nothing() (matches none, prints as "").
    """

    __slots__ = ("_requirements", "_nothing")

    def __init__(self, requirements: Iterable[Requirement] = ()):
        self._requirements = tuple(sorted(requirements, key=lambda r: r.key))
        self._nothing = False

    @classmethod
    def nothing(cls) -> Selector:
        selector = cls()
        selector._nothing = True
        return selector

    @property
    def requirements(self) -> list[Requirement]:
        return list(self._requirements)

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self._nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self._requirements)

    def empty(self) -> bool:
        """Selector.Empty(): true when the selector does not restrict anything."""
        return not self._nothing and not self._requirements

    def __str__(self) -> str:
        return ",".join(str(r) for r in self._requirements)

    def __repr__(self) -> str:
        if self._nothing:
            return "Selector.nothing()"
        return f"parse_selector({str(self)!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Selector):
            return NotImplemented
        return (self._nothing, self._requirements) == (other._nothing, other._requirements)

    def __hash__(self) -> int:
        return hash((self._nothing, self._requirements))


def selector_from_set(labels: Mapping[str, str] | None) -> Selector:
    """labels.SelectorFromSet: key=value for every entry; None or {} selects everything.
    Like Kubernetes, it does not validate (the server rejects bad values)."""
    return Selector(Requirement(k, EQUALS, (v,)) for k, v in (labels or {}).items())


_LABEL_SELECTOR_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def selector_from_label_selector(label_selector: Mapping | None) -> Selector:
    """metav1.LabelSelectorAsSelector: a Selector from a LabelSelector dict
    (``matchLabels`` and ``matchExpressions``).

    ``None`` selects nothing and ``{}`` selects everything. Raises
    SelectorError on the first invalid entry, e.g. ``"Foo" is not a valid pod
    selector operator``.
    """
    if label_selector is None:
        return Selector.nothing()
    match_labels = label_selector.get("matchLabels") or {}
    expressions = label_selector.get("matchExpressions") or []
    requirements = [new_requirement(k, EQUALS, [match_labels[k]]) for k in sorted(match_labels)]
    for expr in expressions:
        operator = _LABEL_SELECTOR_OPERATORS.get(expr.get("operator", ""))
        if operator is None:
            raise SelectorError(f'"{expr.get("operator", "")}" is not a valid pod selector operator')
        requirements.append(new_requirement(expr.get("key", ""), operator, expr.get("values") or ()))
    return Selector(requirements)


# -- the label selector parser (labels.Parse) -----------------------------------------

_SPECIAL = frozenset("=!(),<>")
_WHITESPACE = frozenset(" \t\r\n")
_IDENTIFIER, _END, _IN, _NOT_IN = "identifier", "end", "in", "notin"
_SYMBOLS = {"(": "(", ")": ")", ",": ",", "!": "!", "=": "=", "==": "==", "!=": "!=",
            ">": ">", "<": "<"}
_OPERATOR_TOKENS = {_IN: IN, _NOT_IN: NOT_IN, "=": EQUALS, "==": DOUBLE_EQUALS,
                    "!=": NOT_EQUALS, ">": GREATER_THAN, "<": LESS_THAN}


def _lex(text: str) -> list[tuple[str, str]]:
    """The selector Lexer: (token, literal) pairs ending with (_END, "")."""
    tokens, i, n = [], 0, len(text)
    while True:
        while i < n and text[i] in _WHITESPACE:
            i += 1
        if i >= n:
            tokens.append((_END, ""))
            return tokens
        start = i
        if text[i] in _SPECIAL:
            i += 1  # the longest run of symbols that is still an operator
            while i < n and text[start:i + 1] in _SYMBOLS:
                i += 1
            literal = text[start:i]
            tokens.append((_SYMBOLS[literal], literal))
        else:
            while i < n and text[i] not in _SPECIAL and text[i] not in _WHITESPACE:
                i += 1
            literal = text[start:i]
            tokens.append((literal if literal in (_IN, _NOT_IN) else _IDENTIFIER, literal))


class _Parser:
    """labels.Parser: a recursive-descent parser over the lexed tokens. In the
    "values" context the keywords in/notin are plain identifiers."""

    def __init__(self, text: str):
        self.tokens = _lex(text)
        self.position = 0

    def lookahead(self, values: bool = True) -> tuple[str, str]:
        token, literal = self.tokens[self.position]
        return (_IDENTIFIER if values and token in (_IN, _NOT_IN) else token), literal

    def consume(self, values: bool = True) -> tuple[str, str]:
        item = self.lookahead(values)
        self.position += 1
        return item

    def parse(self) -> list[Requirement]:
        requirements = []
        while True:
            token, literal = self.lookahead()
            if token == _END:
                return requirements
            if token not in (_IDENTIFIER, "!"):
                raise SelectorError(f"found '{literal}', expected: !, identifier, or 'end of string'")
            try:
                requirements.append(self.requirement())
            except SelectorError as err:
                raise SelectorError(f"unable to parse requirement: {err}") from None
            token, literal = self.consume()
            if token == _END:
                return requirements
            if token != ",":
                raise SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
            token, literal = self.lookahead()
            if token not in (_IDENTIFIER, "!"):
                raise SelectorError(f"found '{literal}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        key, operator = self.key_and_inferred_operator()
        if operator is not None:
            return new_requirement(key, operator)
        token, literal = self.consume(values=False)
        operator = _OPERATOR_TOKENS.get(token)
        if operator is None:
            raise SelectorError(f"found '{literal}', expected: {', '.join(_BINARY_OPERATORS)}")
        values = self.value_set() if operator in (IN, NOT_IN) else self.exact_value()
        return new_requirement(key, operator, sorted(values))

    def key_and_inferred_operator(self) -> tuple[str, str | None]:
        operator = None
        token, literal = self.consume()
        if token == "!":
            operator = DOES_NOT_EXIST
            token, literal = self.consume()
        if token != _IDENTIFIER:
            raise SelectorError(f"found '{literal}', expected: identifier")
        key_errs = is_qualified_name(literal)
        if key_errs:  # the parser validates with a nil field path
            raise SelectorError(_invalid("<nil>", literal, "; ".join(key_errs)))
        if operator is None and self.lookahead()[0] in (_END, ","):
            operator = EXISTS
        return literal, operator

    def value_set(self) -> set[str]:
        token, literal = self.consume()
        if token != "(":
            raise SelectorError(f"found '{literal}' expected: '('")
        token, literal = self.lookahead()
        if token == ")":  # "()" is the set holding the empty string
            self.consume()
            return {""}
        if token not in (_IDENTIFIER, ","):
            raise SelectorError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self.identifiers()
        self.consume()  # the ")" that identifiers() stopped at
        return values

    def identifiers(self) -> set[str]:
        """A comma-separated list in which empty entries are "" ("(a,,b)")."""
        values: set[str] = set()
        while True:
            token, literal = self.consume()
            if token == _IDENTIFIER:
                values.add(literal)
                next_token, next_literal = self.lookahead()
                if next_token == ")":
                    return values
                if next_token != ",":
                    raise SelectorError(f"found '{next_literal}', expected: ',' or ')'")
            elif token == ",":
                if not values:
                    values.add("")
                next_token = self.lookahead()[0]
                if next_token == ")":
                    values.add("")
                    return values
                if next_token == ",":
                    self.consume()
                    values.add("")
            else:
                raise SelectorError(f"found '{literal}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        if self.lookahead()[0] in (_END, ","):
            return {""}
        token, literal = self.consume()
        if token != _IDENTIFIER:
            raise SelectorError(f"found '{literal}', expected: identifier")
        return {literal}


def parse_selector(text: str) -> Selector:
    """labels.Parse: the selector syntax of ``kubectl get -l``::

        env=prod  env==prod  env!=prod  tier in (web,api)  tier notin (db)
        canary  !canary  replicas>2  replicas<5

    joined by commas (AND); whitespace around tokens is ignored; the empty
    string selects everything. Raises SelectorError with Kubernetes' message,
    e.g. ``unable to parse requirement: found '', expected: identifier``.
    """
    return Selector(_Parser(text).parse())


# -- field selectors (fields.ParseSelector) ------------------------------------------

class FieldRequirement(NamedTuple):
    """One fields.Requirement: ``field`` compared with EQUALS or NOT_EQUALS to ``value``."""

    field: str
    operator: str
    value: str

    def __str__(self) -> str:
        return f"{self.field}{self.operator}{_escape_field_value(self.value)}"


class FieldSelector:
    """A fields.Selector: terms ANDed together; no terms selects everything.

    simplified: any dotted path of the object can be selected on (Kubernetes
    supports a per-resource list of fields), and a missing field reads as "".
    """

    __slots__ = ("_requirements",)

    def __init__(self, requirements: Iterable[FieldRequirement] = ()):
        self._requirements = tuple(requirements)

    @property
    def requirements(self) -> list[FieldRequirement]:
        return list(self._requirements)

    def matches(self, obj: Mapping) -> bool:
        for term in self._requirements:
            equal = _field_value(obj, term.field) == term.value
            if equal != (term.operator == EQUALS):
                return False
        return True

    def requires(self, field: str) -> str | None:
        """RequiresExactMatch: the value an = term requires of ``field``, or None."""
        for term in self._requirements:
            if term.field == field and term.operator == EQUALS:
                return term.value
        return None

    def empty(self) -> bool:
        return not self._requirements

    def __str__(self) -> str:
        return ",".join(str(term) for term in self._requirements)

    def __repr__(self) -> str:
        return f"parse_field_selector({str(self)!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, FieldSelector):
            return NotImplemented
        return self._requirements == other._requirements

    def __hash__(self) -> int:
        return hash(self._requirements)


def parse_field_selector(text: str) -> FieldSelector:
    """fields.ParseSelector: ``field=value``, ``field==value`` or ``field!=value``
    terms joined by commas, e.g. ``spec.nodeName=node-1,status.phase!=Failed``.

    Terms are sorted as text; in a value, ``\\``, ``,`` and ``=`` are escaped
    with a backslash. Raises SelectorError, e.g. ``invalid selector: 'a';
    can't understand 'a'``.
    """
    terms = []
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        field, operator, value = split
        terms.append(FieldRequirement(field, EQUALS if operator == "==" else operator,
                                      _unescape_field_value(value)))
    return FieldSelector(terms)


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not backslash-escaped (the backslash is kept)."""
    if not text:
        return []
    terms, start, escaped = [], 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    """The first operator, trying != then == then = at each position."""
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op):]
    return None


def _escape_field_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _unescape_field_value(value: str) -> str:
    if not any(ch in value for ch in "\\,="):
        return value
    out, escaped = [], False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            # Go prints the rune as its number: "unescaped character in value: 61"
            raise SelectorError(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _field_value(obj: Mapping, path: str) -> str:
    """The field at a dotted path as the API server's field set holds it:
    strings as they are, booleans as "true"/"false", numbers in decimal."""
    value = obj
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return ""
        value = value.get(part)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return ""
