"""Rhai values as plain Python data, and the operators on them.

int (i64), float (f64), bool, str, :class:`Char` (a one-character ``str``), list (array), dict (object
map), ``UNIT`` / ``None`` (both read as ``()``), :class:`FnPtr` (closures), ``range`` (``a..b``) and
:class:`InclusiveRange` (``a..=b``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import Fail

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1


class _Unit:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNIT"

    def __bool__(self) -> bool:
        return False


#: Rhai's ``()``. ``None`` (JSON null in facts) reads the same everywhere.
UNIT: Any = _Unit()


@dataclass(frozen=True, slots=True)
class InclusiveRange:
    """Rhai's ``a..=b``: kept apart from ``range(a, b + 1)`` because a string sliced by it counts
    a negative end, and an empty span, differently."""

    start: int
    end: int

    def as_range(self) -> range:
        return range(self.start, self.end + 1)


class Char(str):
    """A Rhai ``char``: a one-character string that keeps its own type name."""

    __slots__ = ()


class FnPtr:
    """A closure: compiled body, parameter count and the frame tail (captured cells + locals)."""

    __slots__ = ("body", "boxed_params", "nparams", "tail")

    def __init__(self, body: Any, nparams: int, boxed_params: tuple[int, ...], tail: list[Any]) -> None:
        self.body = body
        self.nparams = nparams
        self.boxed_params = boxed_params
        self.tail = tail


_NONE_T = type(None)
_UNIT_T = type(UNIT)
UNIT_TYPES = (_NONE_T, _UNIT_T)
CONTAINERS = frozenset((list, dict))
_TYPE_NAMES = {
    int: "i64",
    float: "f64",
    bool: "bool",
    str: "string",
    Char: "char",
    list: "array",
    dict: "map",
    _NONE_T: "()",
    _UNIT_T: "()",
    FnPtr: "Fn",
    range: "range",
    InclusiveRange: "range=",
}
_NUM = frozenset((int, float))
_STRS = frozenset((str, Char))
_ORDERED = frozenset((int, float, str, Char, bool))


def type_name(v: object) -> str:
    """Rhai's ``type_of``; anything that is not a Rhai value is reported by its Python name."""
    return _TYPE_NAMES.get(v.__class__) or f"?{v.__class__.__name__}"


def fmt_float(f: float) -> str:
    """Rhai's float display: ``1.0``, ``0.5``, exponent form only for very large or small values."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    a = abs(f)
    if a == 0:
        return "0.0"
    if a > 1e15 or a < 1e-10:
        text = format(Decimal(repr(f)).normalize(), "e").replace("e+", "e")
        mantissa, _, exp = text.partition("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{exp}"
    text = repr(f)
    return text if "." in text else text + ".0"


def display(v: object) -> str:
    """``to_string`` / template-string text of a value."""
    c = v.__class__
    if c is str or c is Char:
        return v  # type: ignore[return-value]
    if c is int:
        return str(v)
    if c is bool:
        return "true" if v else "false"
    if c is _NONE_T or c is _UNIT_T:
        return ""
    if c is float:
        return fmt_float(v)  # type: ignore[arg-type]
    return debug(v)


def _quote(s: str, q: str) -> str:
    out = [q]
    for ch in s:
        if ch == q or ch == "\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 32:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    out.append(q)
    return "".join(out)


def debug(v: object) -> str:
    """Rhai's debug text: strings quoted, ``()`` spelt out, maps as ``#{"k": v}`` in key order."""
    c = v.__class__
    if c is str:
        return _quote(v, '"')  # type: ignore[arg-type]
    if c is Char:
        return _quote(v, "'")  # type: ignore[arg-type]
    if c is _NONE_T or c is _UNIT_T:
        return "()"
    if c is list:
        return "[" + ", ".join([debug(x) for x in v]) + "]"  # type: ignore[attr-defined]
    if c is dict:
        items = sorted(v.items())  # type: ignore[attr-defined]
        return "#{" + ", ".join([_quote(k, '"') + ": " + debug(x) for k, x in items]) + "}"
    if c is FnPtr:
        return "Fn(<closure>)"
    if c is range:
        if v.step != 1:  # type: ignore[attr-defined]
            return repr(v)
        return f"{v.start}..{v.stop}"  # type: ignore[attr-defined]
    if c is InclusiveRange:
        return f"{v.start}..={v.end}"  # type: ignore[attr-defined]
    if c in _TYPE_NAMES:
        return display(v)
    return f"<{c.__name__}>"


def eq(a: object, b: object) -> bool:
    """Rhai ``==``: values of different types are unequal, except int/float and char/string."""
    ca = a.__class__
    cb = b.__class__
    if ca is cb:
        if ca is list:
            if a is b:
                return True
            return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
        if ca is dict:
            if a is b:
                return True
            if len(a) != len(b):  # type: ignore[arg-type]
                return False
            return all(k in b and eq(x, b[k]) for k, x in a.items())  # type: ignore[attr-defined,operator,index]
        if ca in _ORDERED or ca in UNIT_TYPES:
            return a == b
        return a is b  # closures, ranges, foreign objects: never run a foreign __eq__
    if ca in _NUM and cb in _NUM:
        return a == b
    if ca in _STRS and cb in _STRS:
        return a == b
    return ca in UNIT_TYPES and cb in UNIT_TYPES


def ordered(a: object, b: object) -> bool:
    """Whether ``<``/``>``... are defined between the two values (else Rhai answers false)."""
    ca = a.__class__
    cb = b.__class__
    if ca is cb:
        return ca in _ORDERED
    return (ca in _NUM and cb in _NUM) or (ca in _STRS and cb in _STRS)


def _sig(name: str, *args: object) -> str:
    return f"{name} ({', '.join(type_name(a) for a in args)})"


def not_found(name: str, *args: object) -> Fail:
    return Fail("function_not_found", f"Function not found: {_sig(name, *args)}")


def check_int(r: int, op: str, a: object, b: object) -> int:
    if I64_MIN <= r <= I64_MAX:
        return r
    raise Fail("arithmetic", f"Arithmetic overflow: {display(a)} {op} {display(b)}")


def _int_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _shift(a: int, left: int, op: str) -> int:
    """Rust's checked shifts as Rhai uses them: a negative amount shifts the other way, 64 bits
    or more is an error, bits shifted out of an i64 are lost (no overflow error)."""
    if abs(left) >= 64:
        raise Fail("arithmetic", f"Shift by too many bits: {a} {op} {abs(left)}")
    if left < 0:
        return a >> -left
    r = (a << left) & 0xFFFF_FFFF_FFFF_FFFF
    return r - (1 << 64) if r > I64_MAX else r


def add(a: Any, b: Any, ctx: Any) -> Any:
    """``+``: numbers, string concatenation (with any other value's text, ``()`` adding nothing),
    array concatenation and map merging. ``ctx`` supplies the size limits."""
    ca = a.__class__
    cb = b.__class__
    if ca is int and cb is int:
        return check_int(a + b, "+", a, b)
    if ca in _NUM and cb in _NUM:
        return float(a) + float(b)
    if ca in _STRS or cb in _STRS:
        if ca is FnPtr or cb is FnPtr:
            raise not_found("+", a, b)
        s = display(a) + display(b)
        if len(s) > ctx.max_str:
            raise Fail("data_too_large", "string too long")
        return s
    if ca is list and cb is list:
        return ctx.check_size(a + b)
    if ca is dict and cb is dict:
        r = {**a, **b}
        if len(r) > ctx.max_map:
            raise Fail("data_too_large", "map too large")
        return r
    raise not_found("+", a, b)


def arith(op: str, a: Any, b: Any) -> Any:
    """``- * / % **`` and the bit operators, with i64 overflow and division checks."""
    ca = a.__class__
    cb = b.__class__
    if ca is int and cb is int:
        if op == "-":
            r = a - b
        elif op == "*":
            r = a * b
        elif op == "/" or op == "%":
            if b == 0:
                raise Fail("arithmetic", f"Division by zero: {a} {op} {b}")
            q = _int_div(a, b)
            r = q if op == "/" else a - b * q
        elif op == "**":
            if b < 0:
                raise Fail("arithmetic", f"Integer raised to a negative power: {a} ** {b}")
            if b > 64 and abs(a) > 1:
                raise Fail("arithmetic", f"Arithmetic overflow: {a} ** {b}")
            r = a**b
        elif op == "&":
            return a & b
        elif op == "|":
            return a | b
        elif op == "^":
            return a ^ b
        elif op == "<<" or op == ">>":
            return _shift(a, b if op == "<<" else -b, op)
        else:  # pragma: no cover - the parser only produces the operators above
            raise not_found(op, a, b)
        return check_int(r, op, a, b)
    if ca is bool and cb is bool and op in ("&", "|", "^"):
        if op == "&":
            return a and b
        if op == "|":
            return a or b
        return a != b
    if ca in _NUM and cb in _NUM and op in ("-", "*", "/", "%", "**"):
        x = float(a)
        y = float(b)
        try:
            if op == "-":
                return x - y
            if op == "*":
                return x * y
            if op == "/":
                return x / y
            if op == "%":
                return math.fmod(x, y)
            return x**y
        except ZeroDivisionError:
            if op == "%" or x == 0 or math.isnan(x):
                return math.nan
            return math.copysign(math.inf, x) * math.copysign(1.0, y)
        except (OverflowError, ValueError):
            return math.inf if op == "**" else math.nan
    raise not_found(op, a, b)


def negate(a: Any) -> Any:
    c = a.__class__
    if c is int:
        return check_int(-a, "-", 0, a)
    if c is float:
        return -a
    raise not_found("-", a)


def contains(container: Any, item: Any) -> bool:
    """The ``in`` operator and the ``contains`` method."""
    c = container.__class__
    if c is list:
        ci = item.__class__
        if ci is str or ci is int or ci is bool:
            for x in container:
                if x.__class__ is ci:
                    if x == item:
                        return True
                elif eq(x, item):
                    return True
            return False
        return any(eq(x, item) for x in container)
    if c is dict:
        if item.__class__ in _STRS:
            return item in container
        raise not_found("contains", container, item)
    if c in _STRS:
        if item.__class__ in _STRS:
            return item in container
        raise not_found("contains", container, item)
    if c is range:
        return item.__class__ is int and item in container
    if c is InclusiveRange:
        return item.__class__ is int and item in container.as_range()
    raise not_found("contains", container, item)


def measure(v: Any, budget: int) -> int:
    """Array elements plus map entries in ``v``, nested ones included; stops once past ``budget``
    (so a value built by doubling a shared array cannot make this, or printing it, explode)."""
    total = 0
    stack = [v]
    while stack:
        x = stack.pop()
        total += len(x)
        if total > budget:
            return total
        for y in x.values() if x.__class__ is dict else x:
            if y.__class__ in CONTAINERS:
                stack.append(y)
    return total
