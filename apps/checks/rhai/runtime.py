"""Per-evaluation state, control-flow signals and closure calls.

A frame is a Python list: ``[ctx, owned, this, slot0, slot1, ...]``. ``owned`` maps ``id()`` to the
arrays/maps that exactly one variable holds and that the script may therefore mutate in place;
anything else (facts, values, an element of another container, a value two variables share) is
copied on its first mutation. That keeps Rhai's value semantics (assignment copies) without
copying on every read, and never mutates the caller's data.
"""

from __future__ import annotations

from typing import Any

from .errors import Fail, Limits
from .values import CONTAINERS, UNIT, FnPtr, measure, type_name

#: ``this`` outside a method-style call.
NO_THIS: Any = object()


class Ctx:
    __slots__ = ("depth", "max_arr", "max_depth", "max_map", "max_ops", "max_str", "ops", "owned", "scope")

    def __init__(self, scope: dict[str, Any], limits: Limits) -> None:
        self.scope = scope
        self.owned: dict[int, Any] = {}
        self.ops = 0
        self.depth = 0
        self.max_ops = limits.max_operations
        self.max_depth = limits.max_call_depth
        self.max_str = limits.max_string_length
        self.max_arr = limits.max_array_size
        self.max_map = limits.max_map_size

    def charge(self, size: int) -> None:
        """Work proportional to data size (scanning, comparing, copying) costs one operation per
        64 items, so a loop over a cheap-looking call on big data is stopped too."""
        self.ops += size >> 6
        if self.ops > self.max_ops:
            raise Fail("too_many_operations", "too many operations")

    def check_size(self, v: Any) -> Any:
        """Reject a container or string (and what it holds) beyond the size limits. Walking a
        container costs operations (one per 64 items), so repeated checks cannot hang either."""
        c = v.__class__
        if c is str:
            if len(v) > self.max_str:
                raise Fail("data_too_large", "string too long")
        elif c in CONTAINERS:
            if c is dict and len(v) > self.max_map:
                raise Fail("data_too_large", "map too large")
            n = measure(v, self.max_arr)
            if n > self.max_arr:
                raise Fail("data_too_large", "array too large")
            if n >= 64:
                self.charge(n)
        return v

    def grown(self, target: Any, added: Any) -> Any:
        """After ``added`` went into ``target`` (push, insert, set, ``+=``)."""
        if len(target) > (self.max_map if target.__class__ is dict else self.max_arr):
            raise Fail("data_too_large", "map too large" if target.__class__ is dict else "array too large")
        if added.__class__ in CONTAINERS:
            self.check_size(added)
        return UNIT


class Return(Exception):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Break(Exception):
    pass


class Continue(Exception):
    pass


def invoke(ctx: Ctx, fp: Any, args: tuple[Any, ...], this: Any = NO_THIS) -> Any:
    """Call a closure with positional arguments (and optionally ``this``)."""
    return invoke_this(ctx, fp, args, this)[0]


def invoke_this(ctx: Ctx, fp: Any, args: tuple[Any, ...], this: Any = NO_THIS) -> tuple[Any, Any]:
    """Call a closure; also return the final value of ``this`` (``for_each`` writes it back)."""
    if fp.__class__ is not FnPtr:
        raise Fail("function_not_found", f"Function not found: {type_name(fp)} is not a function")
    if len(args) != fp.nparams:
        raise Fail(
            "function_not_found",
            f"Function not found: closure with {fp.nparams} parameter(s) called with {len(args)}",
        )
    ctx.ops += 1
    if ctx.ops > ctx.max_ops:
        raise Fail("too_many_operations", "too many operations")
    if ctx.depth >= ctx.max_depth:
        raise Fail("stack_overflow", "call stack too deep")
    fr = [ctx, ctx.owned, this, *args]
    for j in fp.boxed_params:
        fr[3 + j] = [fr[3 + j]]
    fr += fp.tail
    ctx.depth += 1
    try:
        return fp.body(fr), fr[2]
    except Return as r:
        return r.value, fr[2]
    finally:
        ctx.depth -= 1


def callback(ctx: Ctx, fp: Any, fail: Fail) -> Any:
    """Adapt a closure given to an array method: ``|x|``, ``|x, index|`` or ``||`` with ``this``.
    The returned ``call(element, index)`` is :func:`invoke` inlined: it is the hot path of
    ``find``/``filter``/``map``/``all``/``some`` over facts."""
    if fp.__class__ is not FnPtr or fp.nparams > 2:
        raise fail
    n = fp.nparams
    body = fp.body
    tail = fp.tail
    boxed = fp.boxed_params
    owned = ctx.owned
    if n == 1 and not boxed:
        # One frame for all the calls: slots are lexically scoped, so a call never reads a value
        # left by the previous one, and closures made inside capture cells, not the frame.
        frame = [ctx, owned, NO_THIS, None, *tail]

        def call1(x: Any, i: int) -> Any:
            ctx.ops += 1
            if ctx.ops > ctx.max_ops:
                raise Fail("too_many_operations", "too many operations")
            if ctx.depth >= ctx.max_depth:
                raise Fail("stack_overflow", "call stack too deep")
            frame[3] = x
            ctx.depth += 1
            try:
                return body(frame)
            except Return as r:
                return r.value
            finally:
                ctx.depth -= 1

        return call1

    def call(x: Any, i: int) -> Any:
        ctx.ops += 1
        if ctx.ops > ctx.max_ops:
            raise Fail("too_many_operations", "too many operations")
        if ctx.depth >= ctx.max_depth:
            raise Fail("stack_overflow", "call stack too deep")
        if n == 1:
            fr = [ctx, owned, NO_THIS, x, *tail]
        elif n == 2:
            fr = [ctx, owned, NO_THIS, x, i, *tail]
        else:
            fr = [ctx, owned, x, *tail]
        for j in boxed:
            fr[3 + j] = [fr[3 + j]]
        ctx.depth += 1
        try:
            return body(fr)
        except Return as r:
            return r.value
        finally:
            ctx.depth -= 1

    return call
