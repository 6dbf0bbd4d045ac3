"""The standard functions the catalog needs (and their close relatives), with Rhai's semantics.

Every function is ``fn(ctx, receiver, *args)`` and is reachable both as a method
(``x.len()``) and as a free function (``len(x)``), as in Rhai. ``MUTATORS`` change an array or map
receiver in place; ``STR_MUTATORS`` return ``(new_string, result)`` and the caller stores the
new string back (Python strings are immutable).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from functools import cmp_to_key
from typing import Any

from .errors import Fail
from .runtime import Ctx, callback, invoke, invoke_this
from .values import (
    I64_MAX,
    I64_MIN,
    UNIT,
    UNIT_TYPES,
    Char,
    FnPtr,
    InclusiveRange,
    contains,
    debug,
    display,
    eq,
    not_found,
    type_name,
)

Impl = Callable[..., Any]
METHODS: dict[str, dict[tuple[type, int], Impl]] = {}
GETTERS: dict[str, dict[type, Callable[[Any], Any]]] = {}
MUTATORS: set[str] = set()
STR_MUTATORS: set[str] = set()

STR = (str, Char)
ARR = (list,)
MAP = (dict,)
INT = (int,)
FLOAT = (float,)
ALL = (int, float, bool, str, Char, list, dict, *UNIT_TYPES, FnPtr, range, InclusiveRange)


def reg(name: str, kinds: Iterable[type], nargs: int, fn: Impl, getter: bool = False) -> None:
    table = METHODS.setdefault(name, {})
    for k in kinds:
        table[(k, nargs)] = fn
        if getter:
            GETTERS.setdefault(name, {})[k] = lambda v, fn=fn: fn(None, v)


def _arr_index(a: list[Any], i: int) -> int | None:
    """Rhai array position: negative counts from the end; None when out of bounds."""
    n = len(a)
    if i < 0:
        i += n
    return i if 0 <= i < n else None


def _need(cls: tuple[type, ...], name: str, recv: Any, *args: Any) -> None:
    if any(a.__class__ not in cls for a in args):
        raise not_found(name, recv, *args)


# -- generic ------------------------------------------------------------------------------------
reg("type_of", ALL, 0, lambda c, v: type_name(v))
reg("to_string", ALL, 0, lambda c, v: display(v))
reg("to_debug", ALL, 0, lambda c, v: debug(v))
reg("is_empty", STR + ARR + MAP, 0, lambda c, v: len(v) == 0, getter=True)
reg("len", STR + ARR + MAP, 0, lambda c, v: len(v), getter=True)
GETTERS["len"].pop(dict)  # a map property is always a key lookup
GETTERS["is_empty"].pop(dict)


def _contains(c: Ctx, v: Any, item: Any) -> bool:
    return contains(v, item)


reg("contains", STR + ARR + MAP, 1, _contains)


def _get(c: Ctx, v: Any, k: Any) -> Any:
    if v.__class__ is dict:
        _need(STR, "get", v, k)
        return v.get(k, UNIT)
    _need(INT, "get", v, k)
    j = _arr_index(v, k)
    if j is None:
        return UNIT
    return Char(v[j]) if v.__class__ in STR else v[j]


reg("get", STR + ARR + MAP, 1, _get)

# -- arrays ---------------------------------------------------------------------------------------


def _set(c: Ctx, v: Any, k: Any, x: Any) -> Any:
    if v.__class__ is dict:
        _need(STR, "set", v, k)
        v[k] = x
        return c.grown(v, x)
    _need(INT, "set", v, k)
    j = _arr_index(v, k)
    if j is not None:
        v[j] = x
    return c.grown(v, x)


def _push(c: Ctx, a: list[Any], x: Any) -> Any:
    a.append(x)
    return c.grown(a, x)


def _append(c: Ctx, a: list[Any], x: Any) -> Any:
    if x.__class__ is list:
        a.extend(x)
    else:
        a.append(x)
    return c.grown(a, x)


def _insert(c: Ctx, a: list[Any], i: Any, x: Any) -> Any:
    _need(INT, "insert", a, i)
    if i < 0:
        i = max(0, i + len(a))
    a.insert(i, x)
    return c.grown(a, x)


def _pop(c: Ctx, a: list[Any]) -> Any:
    return a.pop() if a else UNIT


def _shift(c: Ctx, a: list[Any]) -> Any:
    return a.pop(0) if a else UNIT


def _remove(c: Ctx, v: Any, k: Any) -> Any:
    if v.__class__ is dict:
        _need(STR, "remove", v, k)
        return v.pop(k, UNIT)
    _need(INT, "remove", v, k)
    j = _arr_index(v, k)
    return UNIT if j is None else v.pop(j)


def _clear(c: Ctx, v: Any) -> Any:
    v.clear()
    return UNIT


def _truncate(c: Ctx, a: list[Any], n: Any) -> Any:
    _need(INT, "truncate", a, n)
    del a[max(n, 0) :]
    return UNIT


def _reverse(c: Ctx, a: list[Any]) -> Any:
    a.reverse()
    return UNIT


for _name, _fn, _n in (
    ("set", _set, 2),
    ("push", _push, 1),
    ("append", _append, 1),
    ("insert", _insert, 2),
    ("pop", _pop, 0),
    ("shift", _shift, 0),
    ("remove", _remove, 1),
    ("clear", _clear, 0),
    ("truncate", _truncate, 1),
    ("reverse", _reverse, 0),
):
    reg(_name, ARR + MAP if _name in ("set", "remove", "clear") else ARR, _n, _fn)
    MUTATORS.add(_name)


# Predicates: a closure result other than ``true`` (non-booleans included) counts as false.


def _find(c: Ctx, a: list[Any], f: Any) -> Any:
    call = callback(c, f, not_found("find", a, f))
    for i, x in enumerate(a):
        if call(x, i) is True:
            return x
    return UNIT


def _find_map(c: Ctx, a: list[Any], f: Any) -> Any:
    call = callback(c, f, not_found("find_map", a, f))
    for i, x in enumerate(a):
        r = call(x, i)
        if r is not UNIT and r is not None:
            return r
    return UNIT


def _filter(c: Ctx, a: list[Any], f: Any) -> Any:
    call = callback(c, f, not_found("filter", a, f))
    return [x for i, x in enumerate(a) if call(x, i) is True]


def _map(c: Ctx, a: list[Any], f: Any) -> Any:
    call = callback(c, f, not_found("map", a, f))
    return [call(x, i) for i, x in enumerate(a)]


def _all(c: Ctx, a: list[Any], f: Any) -> bool:
    call = callback(c, f, not_found("all", a, f))
    return all(call(x, i) is True for i, x in enumerate(a))


def _some(c: Ctx, a: list[Any], f: Any) -> bool:
    call = callback(c, f, not_found("some", a, f))
    return any(call(x, i) is True for i, x in enumerate(a))


def _for_each(c: Ctx, a: list[Any], f: Any) -> Any:
    """Calls ``f`` with ``this`` bound to each element (or the element as the first argument);
    changes to ``this`` are written back into the array, as Rhai binds it by reference."""
    if f.__class__ is not FnPtr or f.nparams > 2:
        raise not_found("for_each", a, f)
    n = f.nparams
    for i in range(len(a)):
        if i >= len(a):
            break
        args = () if n == 0 else (a[i],) if n == 1 else (a[i], i)
        _, this = invoke_this(c, f, args, a[i])
        if i < len(a):
            a[i] = this
    return UNIT


def _reduce(c: Ctx, a: list[Any], f: Any, init: Any = UNIT) -> Any:
    if f.__class__ is not FnPtr or f.nparams not in (2, 3):
        raise not_found("reduce", a, f)
    acc = init
    for i, x in enumerate(a):
        acc = invoke(c, f, (acc, x) if f.nparams == 2 else (acc, x, i))
    return acc


def _index_of(c: Ctx, v: Any, x: Any, start: Any = 0) -> int:
    _need(INT, "index_of", v, start)
    if v.__class__ in STR:
        _need(STR, "index_of", v, x)
        if start < 0:
            start = max(0, start + len(v))
        return v.find(x, start)
    if start < 0:
        start = max(0, start + len(v))
    if x.__class__ is FnPtr:
        call = callback(c, x, not_found("index_of", v, x))
        for i in range(start, len(v)):
            if call(v[i], i) is True:
                return i
        return -1
    for i in range(start, len(v)):
        if eq(v[i], x):
            return i
    return -1


_SORTABLE = {int: int, float: float, str: str, Char: str, bool: bool}


def _sort(c: Ctx, a: list[Any], f: Any = None) -> Any:
    if f is None:
        if len(a) > 1:
            kinds = {_SORTABLE.get(x.__class__) for x in a}
            if len(kinds) != 1 or None in kinds:
                raise Fail(
                    "function_not_found",
                    "sort() cannot be called with elements of different types (or unsortable ones)",
                )
            a.sort()
        return UNIT
    if f.__class__ is not FnPtr or f.nparams != 2:
        raise not_found("sort", a, f)

    def cmp(x: Any, y: Any) -> int:
        r = invoke(c, f, (x, y))
        if r.__class__ is not int:
            raise Fail("mismatch_data_type", f"sort comparer must return i64, not {type_name(r)}")
        return r

    a.sort(key=cmp_to_key(cmp))
    return UNIT


def _drain(c: Ctx, a: list[Any], f: Any, length: Any = None) -> Any:
    """``drain(predicate)`` removes and returns the matching elements; ``drain(start, len)`` a slice."""
    if length is None:
        call = callback(c, f, not_found("drain", a, f))
        keep: list[Any] = []
        out: list[Any] = []
        for i, x in enumerate(a):
            (out if call(x, i) is True else keep).append(x)
        a[:] = keep
        return out
    _need(INT, "drain", a, f, length)
    start = f if f >= 0 else max(0, f + len(a))
    out = a[start : start + max(length, 0)]
    del a[start : start + max(length, 0)]
    return out


def _retain(c: Ctx, a: list[Any], f: Any) -> Any:
    call = callback(c, f, not_found("retain", a, f))
    keep: list[Any] = []
    out: list[Any] = []
    for i, x in enumerate(a):
        (keep if call(x, i) is True else out).append(x)
    a[:] = keep
    return out


def _dedup(c: Ctx, a: list[Any]) -> Any:
    out: list[Any] = []
    for x in a:
        if not out or not eq(out[-1], x):
            out.append(x)
    a[:] = out
    return UNIT


def _extract(c: Ctx, a: list[Any], start: Any, length: Any = I64_MAX) -> Any:
    _need(INT, "extract", a, start, length)
    if start < 0:
        start = max(0, start + len(a))
    return a[start : start + max(length, 0)]


for _name, _fn, _ns in (
    ("find", _find, (1,)),
    ("find_map", _find_map, (1,)),
    ("filter", _filter, (1,)),
    ("map", _map, (1,)),
    ("all", _all, (1,)),
    ("some", _some, (1,)),
    ("reduce", _reduce, (1, 2)),
    ("index_of", _index_of, (1, 2)),
    ("extract", _extract, (1, 2)),
):
    for _n in _ns:
        reg(_name, ARR, _n, _fn)
for _name, _fn, _ns in (
    ("for_each", _for_each, (1,)),
    ("sort", _sort, (0, 1)),
    ("drain", _drain, (1, 2)),
    ("retain", _retain, (1,)),
    ("dedup", _dedup, (0,)),
):
    for _n in _ns:
        reg(_name, ARR, _n, _fn)
    MUTATORS.add(_name)

# -- maps -----------------------------------------------------------------------------------------
reg("keys", MAP, 0, lambda c, m: sorted(m))  # Rhai maps are ordered by key
reg("values", MAP, 0, lambda c, m: [m[k] for k in sorted(m)])


def _mixin(c: Ctx, m: dict[str, Any], other: Any) -> Any:
    _need(MAP, "mixin", m, other)
    m.update(other)
    return c.grown(m, other)


reg("mixin", MAP, 1, _mixin)
MUTATORS.add("mixin")

# -- strings --------------------------------------------------------------------------------------


def _starts_with(c: Ctx, s: str, p: Any) -> bool:
    _need(STR, "starts_with", s, p)
    return s.startswith(p)


def _ends_with(c: Ctx, s: str, p: Any) -> bool:
    _need(STR, "ends_with", s, p)
    return s.endswith(p)


def _case(convert: Callable[[str], str]) -> Impl:
    def fn(c: Ctx, s: str) -> str:
        r = convert(s)
        return Char(r) if s.__class__ is Char and len(r) == 1 else r

    return fn


reg("starts_with", STR, 1, _starts_with)
reg("ends_with", STR, 1, _ends_with)
reg("to_lower", STR, 0, _case(str.lower))
reg("to_upper", STR, 0, _case(str.upper))
reg("to_chars", STR, 0, lambda c, s: [Char(ch) for ch in s])
reg("index_of", STR, 1, _index_of)
reg("index_of", STR, 2, _index_of)


def _split(c: Ctx, s: str, sep: Any = None, n: Any = None) -> list[Any]:
    if sep is None:
        return s.split()
    if sep.__class__ is int and n is None:
        i = sep if sep >= 0 else max(0, sep + len(s))
        return [s[:i], s[i:]]
    _need(STR, "split", s, sep)
    if n is not None:
        _need(INT, "split", s, n)
    if sep == "":
        parts = ["", *s, ""]
        if n is not None and n >= 1 and len(parts) > n:
            parts = [*parts[: n - 1], "".join(parts[n - 1 :])]
        return parts
    return s.split(sep) if n is None else s.split(sep, max(n, 1) - 1)


for _n in (0, 1, 2):
    reg("split", STR, _n, _split)


def _sub_string(c: Ctx, s: str, start: Any, length: Any = None) -> str:
    if (start.__class__ is range or start.__class__ is InclusiveRange) and length is None:
        # Rhai: from max(start, 0) for as many characters as the range spans (a reversed range
        # spans none, or one if it is inclusive).
        inclusive = start.__class__ is InclusiveRange
        first = max(start.start, 0)
        length = max(start.end if inclusive else start.stop, first) - first + inclusive
        start = first
    _need(INT, "sub_string", s, start)
    if start < 0:
        start = max(0, start + len(s))
    if length is None:
        return s[start:]
    _need(INT, "sub_string", s, start, length)
    return s[start : start + max(length, 0)]


reg("sub_string", STR, 1, _sub_string)
reg("sub_string", STR, 2, _sub_string)


def _parse_int(c: Ctx, s: str, radix: Any = 10) -> int:
    _need(INT, "parse_int", s, radix)
    text = s.strip()
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[: radix if 2 <= radix <= 36 else 10]
    body = text[1:] if text[:1] in ("+", "-") else text
    if not (2 <= radix <= 36) or not body or any(ch not in digits for ch in body.lower()):
        raise Fail("arithmetic", f"Error parsing integer number '{s}': invalid digit found in string")
    value = int(text, radix)
    if not I64_MIN <= value <= I64_MAX:
        raise Fail("arithmetic", f"Error parsing integer number '{s}': number too large for i64")
    return value


_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|nan)", re.I)


def _parse_float(c: Ctx, s: str) -> float:
    text = s.strip()
    if not _FLOAT_RE.fullmatch(text):
        raise Fail("arithmetic", f"Error parsing floating-point number '{s}': invalid float literal")
    return float(text)


reg("parse_int", STR, 0, _parse_int)
reg("parse_int", STR, 1, _parse_int)
reg("parse_float", STR, 0, _parse_float)


def _trim(c: Ctx, s: str) -> tuple[str, Any]:
    return s.strip(), UNIT


def _replace(c: Ctx, s: str, old: Any, new: Any) -> tuple[str, Any]:
    _need(STR, "replace", s, old, new)
    r = s.replace(old, new) if old else s
    if len(r) > c.max_str:
        raise Fail("data_too_large", "string too long")
    return r, UNIT


def _str_truncate(c: Ctx, s: str, n: Any) -> tuple[str, Any]:
    _need(INT, "truncate", s, n)
    return s[: max(n, 0)], UNIT


for _name, _fn, _n in (
    ("trim", _trim, 0),
    ("replace", _replace, 2),
    ("truncate", _str_truncate, 1),
    ("clear", lambda c, s: ("", UNIT), 0),
    ("make_lower", lambda c, s: (s.lower(), UNIT), 0),
    ("make_upper", lambda c, s: (s.upper(), UNIT), 0),
):
    reg(_name, STR, _n, _fn)
    STR_MUTATORS.add(_name)

# -- numbers --------------------------------------------------------------------------------------


def _to_int(c: Ctx | None, x: Any) -> int:
    if x.__class__ is float:
        if math.isnan(x) or not I64_MIN <= x <= I64_MAX:
            raise Fail("arithmetic", f"Integer overflow: to_int({display(x)})")
        return int(x)
    if x.__class__ is Char:
        return ord(x)
    return x


reg("to_int", (int, float, Char), 0, _to_int)
reg("to_float", INT + FLOAT, 0, lambda c, x: float(x))
reg("abs", INT, 0, lambda c, x: -x if x < 0 and x != I64_MIN else x if x >= 0 else _overflow("abs", x))
reg("abs", FLOAT, 0, lambda c, x: abs(x))
reg("sign", INT + FLOAT, 0, lambda c, x: (x > 0) - (x < 0))
reg("is_odd", INT, 0, lambda c, x: x % 2 == 1, getter=True)
reg("is_even", INT, 0, lambda c, x: x % 2 == 0, getter=True)
reg("is_zero", INT + FLOAT, 0, lambda c, x: x == 0, getter=True)


def _round(x: float) -> float:
    """Half away from zero, like Rust's ``f64::round``."""
    return math.copysign(math.floor(abs(x) + 0.5), x)


for _name, _fn in (("floor", math.floor), ("ceiling", math.ceil), ("round", _round), ("int", math.trunc)):
    reg(_name, FLOAT, 0, lambda c, x, f=_fn: float(f(x)) if math.isfinite(x) else x, getter=True)
reg("fraction", FLOAT, 0, lambda c, x: x - math.trunc(x) if math.isfinite(x) else math.nan, getter=True)
reg("is_nan", FLOAT, 0, lambda c, x: math.isnan(x), getter=True)
reg("is_finite", FLOAT, 0, lambda c, x: math.isfinite(x), getter=True)
reg("is_infinite", FLOAT, 0, lambda c, x: math.isinf(x), getter=True)


def _overflow(name: str, x: Any) -> Any:
    raise Fail("arithmetic", f"Arithmetic overflow: {name}({display(x)})")


def _minmax(pick: Callable[[Any, Any], Any], name: str) -> Impl:
    def fn(c: Ctx, a: Any, b: Any) -> Any:
        if a.__class__ not in (int, float) or b.__class__ not in (int, float):
            raise not_found(name, a, b)
        if a.__class__ is not b.__class__:
            a, b = float(a), float(b)
        return pick(a, b)

    return fn


reg("max", INT + FLOAT, 1, _minmax(max, "max"))
reg("min", INT + FLOAT, 1, _minmax(min, "min"))

# -- closures ---------------------------------------------------------------------------------------
for _n in range(8):
    reg("call", (FnPtr,), _n, lambda c, f, *args: invoke(c, f, args))
