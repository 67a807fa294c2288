"""Resource quantities: k8s.io/apimachinery/pkg/api/resource.Quantity.

A quantity is an exact fixed-point number such as ``100m`` (a tenth of a CPU),
``128Mi`` (128 * 2**20 bytes) or ``1e3``. It remembers which of the three
notations it was written in (decimal SI suffix, binary SI suffix, decimal
exponent) and prints itself back in that notation's canonical form, exactly
as ``Quantity.String()`` does::

    >>> str(parse_quantity("1.5Gi")), str(parse_quantity("0.1")), str(parse_quantity("1000"))
    ('1536Mi', '100m', '1k')

Values are kept as an integer count of nano-units (10**-9): like Kubernetes,
parsing rounds anything finer up, away from zero, to the next nano-unit
("0.9n" is "1n"), so every quantity is an exact integer of nanos.

simplified: inputs over 1000 characters or 10**1000 in magnitude are rejected.
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal

__all__ = [
    "Quantity", "QuantityError", "parse_quantity",
    "DECIMAL_SI", "BINARY_SI", "DECIMAL_EXPONENT",
]

# The three resource.Format values.
DECIMAL_SI = "DecimalSI"              # 12M  = 12 * 10**6
BINARY_SI = "BinarySI"                # 12Mi = 12 * 2**20
DECIMAL_EXPONENT = "DecimalExponent"  # 12e6

_REGEX_TEXT = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_FORMAT_WRONG = "quantities must match the regular expression '" + _REGEX_TEXT + "'"
_SUFFIX_WRONG = "unable to parse quantity's suffix"
_TOO_LARGE = "kubelab keeps quantities to at most 1000 digits"

# Kubernetes' hand-written scanner (parseQuantityString) accepts exactly this:
# a sign, digits, an optional fraction, then suffix letters, a sign and digits.
_SCAN = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)")
_EXPONENT = re.compile(r"[+-]?[0-9]+")

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9,
                     "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIX_FOR = {exp: s for s, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIX_FOR = {0: "", **{exp // 10: s for s, exp in _BINARY_SUFFIXES.items()}}

_NANO = 10**9
_MAX_INT32 = 2**31 - 1
_MAX_INT64 = 2**63 - 1
_MAX_DIGITS = 1000


class QuantityError(ValueError):
    """A string that is not a quantity (resource.ErrFormatWrong, ErrSuffix)."""

    def __init__(self, value, reason: str):
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        super().__init__(f"invalid quantity {shown}: {reason}")
        self.value = value
        self.reason = reason


class Quantity:
    """An exact amount of a resource, as resource.Quantity.

    ``Quantity("250m")`` is the same as ``parse_quantity("250m")``. Quantities
    are immutable; ``+``, ``-``, unary ``-`` and ``*`` by an int return new ones
    (Add, Sub, Neg, Mul), and they compare and hash by value, so
    ``Quantity("1Gi") == Quantity("1073741824")``.
    """

    __slots__ = ("_nanos", "_format", "_text")

    def __new__(cls, value: str | int | float | Quantity = 0) -> Quantity:
        return parse_quantity(value)

    @classmethod
    def _make(cls, nanos: int, fmt: str, text: str | None = None) -> Quantity:
        q = object.__new__(cls)
        object.__setattr__(q, "_nanos", nanos)
        object.__setattr__(q, "_format", fmt)
        object.__setattr__(q, "_text", text)
        return q

    def __setattr__(self, name, value):
        raise AttributeError("Quantity is immutable")

    def __reduce__(self):
        # Serialise as Kubernetes does: through the string form.
        return parse_quantity, (str(self),)

    @property
    def format(self) -> str:
        """DECIMAL_SI, BINARY_SI or DECIMAL_EXPONENT: the notation str() uses."""
        return self._format

    def __str__(self) -> str:
        # Quantity.String(): a string parsed in canonical form is returned as
        # written (so "+1" stays "+1"); anything else is canonicalised once.
        if self._text is None:
            object.__setattr__(self, "_text", _canonical(self._nanos, self._format))
        return self._text

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    # -- accessors -------------------------------------------------------------

    def value(self) -> int:
        """Value(): the amount in whole units, rounded away from zero ("1500m" -> 2)."""
        return _round_away(self._nanos, _NANO)

    def milli_value(self) -> int:
        """MilliValue(): the amount in thousandths, rounded away from zero."""
        return _round_away(self._nanos, 10**6)

    def as_decimal(self) -> Decimal:
        """AsDec(): the exact value (compute with it under enough precision)."""
        return Decimal(f"{self._nanos}E-9")

    def as_float(self) -> float:
        """AsApproximateFloat64(): the nearest float."""
        return self._nanos / _NANO

    def __bool__(self) -> bool:
        return self._nanos != 0

    # -- arithmetic (a zero left operand takes the right operand's format) ----

    def __add__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = self._format if self._nanos else other._format
        return Quantity._make(self._nanos + other._nanos, fmt)

    def __radd__(self, other: int) -> Quantity:
        # Lets sum() start from 0.
        if other == 0 and not isinstance(other, bool):
            return self
        return NotImplemented

    def __sub__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = self._format if self._nanos else other._format
        return Quantity._make(self._nanos - other._nanos, fmt)

    def __neg__(self) -> Quantity:
        return Quantity._make(-self._nanos, self._format)

    def __mul__(self, factor: int) -> Quantity:
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Quantity._make(self._nanos * factor, self._format)

    __rmul__ = __mul__

    # -- comparison (Cmp) -----------------------------------------------------

    def __eq__(self, other) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos == other._nanos

    def __hash__(self) -> int:
        return hash(self._nanos)

    def __lt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos < other._nanos

    def __le__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos <= other._nanos

    def __gt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos > other._nanos

    def __ge__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos >= other._nanos


def parse_quantity(value: str | int | float | Quantity) -> Quantity:
    """ParseQuantity: a Quantity from a string, or from a number as a manifest's
    JSON/YAML would carry it (``cpu: 2``, ``cpu: 0.5``).

    Raises QuantityError naming the input: ``invalid quantity "1.5.5":
    quantities must match the regular expression '...'``.
    """
    if isinstance(value, Quantity):
        return value
    if isinstance(value, str):
        return _parse(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _parse(repr(value))
    raise QuantityError(value, "must be a string or a number")


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> Quantity:
    if text == "0":
        return Quantity._make(0, DECIMAL_SI, "0")
    if not text:
        raise QuantityError(text, _FORMAT_WRONG)
    if len(text) > _MAX_DIGITS:
        raise QuantityError(text, _TOO_LARGE)
    match = _SCAN.fullmatch(text)
    if match is None:
        raise QuantityError(text, _FORMAT_WRONG)
    sign, whole, fraction, suffix = match.groups()
    fraction = fraction or ""
    base, exponent, fmt = _interpret(text, suffix)
    number = whole.lstrip("0") or "0"  # the scanner drops leading zeros
    keep = text if _is_canonical_text(fmt, exponent, number, fraction) else None

    digits = (number + fraction).lstrip("0")
    if not digits:
        nanos = 0
    elif base == 10:
        nanos = _decimal_nanos(text, digits, exponent - len(fraction))
    else:
        # Binary multiples: exact, rounded up to a nano-unit, capped at 2**63-1
        # (the cap applies to BinarySI only), and a fraction of one unit is
        # shown as decimal ("0.5Ki" is 512, but 0.1024 would be "102400u").
        numerator = (int(digits) << exponent) * _NANO
        nanos = min(-(-numerator // 10**len(fraction)), _MAX_INT64 * _NANO)
        if nanos < _NANO:
            fmt = DECIMAL_SI
    if sign == "-":
        nanos = -nanos
    return Quantity._make(nanos, fmt, keep)


def _interpret(text: str, suffix: str) -> tuple[int, int, str]:
    """suffixer.interpret: (base, exponent, format) of a suffix."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and _EXPONENT.fullmatch(suffix[1:]):
        exponent = int(suffix[1:])
        if -_MAX_INT32 <= exponent <= _MAX_INT32:  # the exponent is an int32 scale
            return 10, exponent, DECIMAL_EXPONENT
    raise QuantityError(text, _SUFFIX_WRONG)


def _decimal_nanos(text: str, digits: str, scale: int) -> int:
    """int(digits) * 10**scale in nano-units, rounded up (away from zero)."""
    if len(digits) + scale > _MAX_DIGITS:
        raise QuantityError(text, _TOO_LARGE)
    shift = scale + 9
    if shift >= 0:
        return int(digits) * 10**shift
    if len(digits) <= -shift:
        return 1  # a non-zero amount below one nano-unit
    kept, dropped = digits[:shift], digits[shift:]
    return int(kept) + (dropped.strip("0") != "")


def _is_canonical_text(fmt: str, exponent: int, number: str, fraction: str) -> bool:
    """Whether ParseQuantity keeps the input as the quantity's string: its
    int64 fast path does so when the digits are already in canonical form."""
    if fmt == BINARY_SI:
        fits = not fraction and 15 - len(number) - exponent * 3 // 10 - 1 >= 0
        return fits and int(number) & 0x07 != 0
    scale = exponent - len(fraction)
    if 18 - len(number) - len(fraction) < 0 or scale < -9:
        return False
    shifted = number + fraction
    return scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"


def _canonical(nanos: int, fmt: str) -> str:
    """CanonicalizeBytes: the largest suffix that keeps the value exact, with
    no fractional digits. A binary quantity under 1024 in magnitude or with a
    fraction of a unit prints as decimal; one past "Ei" falls back to an
    exponent, like a decimal one past "E" (1000E prints as "1e21")."""
    if nanos == 0:
        return "0"
    sign = "-" if nanos < 0 else ""
    if fmt == BINARY_SI:
        if abs(nanos) >= 1024 * _NANO and nanos % _NANO == 0:
            amount, power = abs(nanos) // _NANO, 0
            while amount % 1024 == 0:
                amount //= 1024
                power += 1
            if power in _BINARY_SUFFIX_FOR:
                return f"{sign}{amount}{_BINARY_SUFFIX_FOR[power]}"
            fmt = DECIMAL_EXPONENT
        else:
            fmt = DECIMAL_SI
    digits = str(abs(nanos))
    mantissa = digits.rstrip("0")
    exponent = len(digits) - len(mantissa) - 9
    spare = exponent % 3  # make the exponent a multiple of 3, rounding down
    mantissa += "0" * spare
    exponent -= spare
    suffix = _DECIMAL_SUFFIX_FOR.get(exponent) if fmt == DECIMAL_SI else None
    if suffix is None:
        suffix = f"e{exponent}" if exponent else ""
    return f"{sign}{mantissa}{suffix}"


def _round_away(nanos: int, unit: int) -> int:
    whole = -(-abs(nanos) // unit)
    return whole if nanos >= 0 else -whole
