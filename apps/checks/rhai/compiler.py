"""Turns the AST into nested Python closures ``f(frame) -> value`` and wraps them in a Program."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any

from .builtins import GETTERS, METHODS, MUTATORS, STR_MUTATORS
from .errors import Fail, Limits, RhaiRuntimeError, line_col
from .parser import Node, parse
from .runtime import NO_THIS, Break, Continue, Ctx, Return, invoke
from .values import (
    CONTAINERS,
    I64_MAX,
    UNIT,
    UNIT_TYPES,
    Char,
    FnPtr,
    InclusiveRange,
    add,
    arith,
    contains,
    display,
    eq,
    negate,
    not_found,
    ordered,
    type_name,
)

Code = Callable[[list[Any]], Any]
DEFAULT_LIMITS = Limits()
_STRS = (str, Char)
_SCALARS = frozenset((int, float, str, bool))
_ORDERED = frozenset((int, float, str, Char, bool))
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_SIZED = frozenset((list, dict, str, Char))
#: Methods that do not scan their receiver: no size-proportional charge.
_CHEAP = frozenset(
    (
        "len",
        "is_empty",
        "push",
        "pop",
        "get",
        "set",
        "type_of",
        "call",
        "insert",
        "shift",
        "remove",
        "append",
        "mixin",
        "truncate",
        "clear",
        "is_odd",
        "is_even",
        "is_zero",
    )
)


def _mismatch(v: Any, expected: str, pos: int) -> Fail:
    return Fail("mismatch_data_type", f"Data type incorrect: {type_name(v)} (expecting {expected})", pos)


def _at(e: Fail, pos: int) -> Fail:
    if e.pos is None:
        e.pos = pos
    return e


def get_prop(o: Any, name: str, pos: int) -> Any:
    """``o.name`` where ``o`` is not a map: a property getter such as ``len``."""
    getters = GETTERS.get(name)
    fn = getters.get(o.__class__) if getters else None
    if fn is None:
        raise Fail(
            "dot_expr",
            f"Unknown property '{name}' - a getter is not registered for type '{type_name(o)}'",
            pos,
        )
    return fn(o)


def index_get(o: Any, k: Any, pos: int) -> Any:
    c = o.__class__
    if c is dict:
        if k.__class__ not in _STRS:
            raise Fail("indexing_type", f"Map index must be a string, not {type_name(k)}", pos)
        try:
            return o[k]
        except KeyError:
            raise Fail("property_not_found", f"Property not found: {k}", pos) from None
    if c is list:
        if k.__class__ is not int:
            raise Fail("indexing_type", f"Array index must be an integer, not {type_name(k)}", pos)
        try:
            return o[k]
        except IndexError:
            message = f"Array index {k} out of bounds: only {len(o)} elements"
            raise Fail("array_bounds", message, pos) from None
    if c in _STRS:
        if k.__class__ is int:
            try:
                return Char(o[k])
            except IndexError:
                raise Fail("string_bounds", f"String index {k} out of bounds: only {len(o)} characters", pos) from None
        if k.__class__ is range or k.__class__ is InclusiveRange:
            return _slice(o, k, pos)
        raise Fail("indexing_type", f"String index must be an integer or a range, not {type_name(k)}", pos)
    raise Fail("indexing_type", f"Indexing is not supported for type '{type_name(o)}'", pos)


def _slice(s: str, k: range | InclusiveRange, pos: int) -> str:
    """``s[a..b]`` / ``s[a..=b]`` as Rhai does it: a negative start or end counts from the end; a
    negative start before the beginning is an error, a negative end before it means 0; an end past
    the string stops at its end; an inclusive range whose end is not after its start is empty
    unless it covers the whole string."""
    if not s:
        return ""
    inclusive = k.__class__ is InclusiveRange
    start, end = k.start, (k.end if inclusive else k.stop)  # type: ignore[union-attr]
    n = len(s)
    if start < 0:
        if -start > n:
            raise Fail("string_bounds", f"String index {start} out of bounds: only {n} characters", pos)
        start += n
    if end < 0:
        end = end + n if -end <= n else 0
    if not inclusive:
        return str(s[start:end])
    if start == 0 and end >= n - 1:
        return str(s)
    return str(s[start : end + 1]) if end > start else ""


def _is_lvalue(node: Node) -> bool:
    while node[0] in ("prop", "idx"):
        if node[4]:
            return False
        node = node[2]
    return node[0] in ("var", "glob", "this")


class Compiler:
    def c(self, node: Node) -> Code:
        return getattr(self, "c_" + node[0])(node)

    # -- values ------------------------------------------------------------------------------
    def c_lit(self, node: Node) -> Code:
        v = node[2]
        return lambda fr: v

    def c_tpl(self, node: Node) -> Code:
        pos = node[1]
        parts = tuple((p, True) if isinstance(p, str) else (self.c(p), False) for p in node[2])

        def f(fr: list[Any]) -> Any:
            s = "".join([p if literal else display(p(fr)) for p, literal in parts])
            if len(s) >= 64:
                try:
                    fr[0].check_size(s)
                    fr[0].charge(len(s))
                except Fail as e:
                    raise _at(e, pos) from None
            return s

        return f

    def c_arr(self, node: Node) -> Code:
        pos = node[1]
        items = tuple(self.c(x) for x in node[2])

        def f(fr: list[Any]) -> Any:
            try:
                return fr[0].check_size([g(fr) for g in items])
            except Fail as e:
                raise _at(e, pos) from None

        return f

    def c_map(self, node: Node) -> Code:
        pos = node[1]
        items = tuple((k, self.c(x)) for k, x in node[2])

        def f(fr: list[Any]) -> Any:
            try:
                return fr[0].check_size({k: g(fr) for k, g in items})
            except Fail as e:
                raise _at(e, pos) from None

        return f

    def c_closure(self, node: Node) -> Code:
        fn = node[2]
        body = self.c(fn.body)
        nparams = len(fn.params)
        boxed = tuple(j for j, d in enumerate(fn.params) if d.boxed)
        ntail = fn.nslots - nparams
        caps = tuple((inner.slot - nparams, 3 + outer.slot) for inner, outer in fn.captures)

        def f(fr: list[Any]) -> Any:
            tail = [None] * ntail
            for t, o in caps:
                tail[t] = fr[o]
            return FnPtr(body, nparams, boxed, tail)

        return f

    # -- variables ---------------------------------------------------------------------------
    def c_var(self, node: Node) -> Code:
        """Reading a variable as a value may share its array/map, so it gives up ownership."""
        d = node[2]
        i = 3 + d.slot
        if d.boxed:

            def f(fr: list[Any]) -> Any:
                v = fr[i][0]
                if fr[1] and v.__class__ in CONTAINERS:
                    fr[1].pop(id(v), None)
                return v

        else:

            def f(fr: list[Any]) -> Any:
                v = fr[i]
                if fr[1] and v.__class__ in CONTAINERS:
                    fr[1].pop(id(v), None)
                return v

        return f

    def c_glob(self, node: Node) -> Code:
        pos, name = node[1], node[2]

        def f(fr: list[Any]) -> Any:
            try:
                v = fr[0].scope[name]
            except KeyError:
                raise Fail("variable_not_found", f"Variable not found: {name}", pos) from None
            if fr[1] and v.__class__ in CONTAINERS:
                fr[1].pop(id(v), None)
            return v

        return f

    def c_this(self, node: Node) -> Code:
        pos = node[1]

        def f(fr: list[Any]) -> Any:
            v = fr[2]
            if v is NO_THIS:
                raise Fail("runtime", "'this' is not bound here", pos)
            return v

        return f

    def peek(self, node: Node) -> Code:
        """Read for a property, index or method base: nothing escapes, ownership is kept."""
        if node[0] == "var":
            i = 3 + node[2].slot
            if node[2].boxed:
                return lambda fr: fr[i][0]
            return lambda fr: fr[i]
        if node[0] == "glob":
            pos, name = node[1], node[2]

            def f(fr: list[Any]) -> Any:
                try:
                    return fr[0].scope[name]
                except KeyError:
                    raise Fail("variable_not_found", f"Variable not found: {name}", pos) from None

            return f
        return self.c(node)

    # -- access ------------------------------------------------------------------------------
    def c_prop(self, node: Node) -> Code:
        if node[4]:  # a?.b
            obj = self.peek(node[2])
            pos, name = node[1], node[3]

            def safe(fr: list[Any]) -> Any:
                o = obj(fr)
                if o.__class__ in UNIT_TYPES:
                    return UNIT
                if o.__class__ is dict:
                    try:
                        return o[name]
                    except KeyError:
                        raise Fail("property_not_found", f"Property not found: {name}", pos) from None
                return get_prop(o, name, pos)

            return safe
        chain: list[tuple[str, int]] = []
        while node[0] == "prop" and not node[4]:
            chain.append((node[3], node[1]))
            node = node[2]
        chain.reverse()
        root = self.peek(node)
        if len(chain) == 1 and node[0] == "var" and not node[2].boxed:
            # `x.name` on a plain local (closure parameters): the commonest access, kept flat
            name, pos = chain[0]
            i = 3 + node[2].slot

            def local(fr: list[Any]) -> Any:
                o = fr[i]
                if o.__class__ is dict:
                    try:
                        return o[name]
                    except KeyError:
                        raise Fail("property_not_found", f"Property not found: {name}", pos) from None
                return get_prop(o, name, pos)

            return local
        if len(chain) == 1:
            name, pos = chain[0]

            def one(fr: list[Any]) -> Any:
                o = root(fr)
                if o.__class__ is dict:
                    try:
                        return o[name]
                    except KeyError:
                        raise Fail("property_not_found", f"Property not found: {name}", pos) from None
                return get_prop(o, name, pos)

            return one
        names = tuple(chain)

        def many(fr: list[Any]) -> Any:
            o = root(fr)
            for name, pos in names:
                if o.__class__ is dict:
                    try:
                        o = o[name]
                    except KeyError:
                        raise Fail("property_not_found", f"Property not found: {name}", pos) from None
                else:
                    o = get_prop(o, name, pos)
            return o

        return many

    def c_idx(self, node: Node) -> Code:
        pos = node[1]
        obj = self.peek(node[2])
        key = self.c(node[3])
        safe = node[4]

        def f(fr: list[Any]) -> Any:
            o = obj(fr)
            k = key(fr)
            if o.__class__ is dict and k.__class__ is str:
                try:
                    return o[k]
                except KeyError:
                    raise Fail("property_not_found", f"Property not found: {k}", pos) from None
            if safe and o.__class__ in UNIT_TYPES:
                return UNIT
            return index_get(o, k, pos)

        return f

    def c_method(self, node: Node) -> Code:
        pos, recv_node, name, arg_nodes, safe = node[1:]
        args = tuple(self.c(a) for a in arg_nodes)
        table = {cls: fn for (cls, n), fn in METHODS.get(name, {}).items() if n == len(args)}
        setv = None
        if (name in MUTATORS or name in STR_MUTATORS) and _is_lvalue(recv_node):
            recv, setv = self.lvalue(recv_node)
        elif name in MUTATORS:
            get = self.c(recv_node)

            def recv(fr: list[Any]) -> Any:
                v = get(fr)
                return v.copy() if v.__class__ in CONTAINERS else v  # a temporary: never the caller's

        else:
            recv = self.peek(recv_node)
        return self._call(pos, name, recv, args, table, setv, safe)

    def c_call(self, node: Node) -> Code:
        pos, name, arg_nodes, decl = node[1:]
        args = tuple(self.c(a) for a in arg_nodes)
        if decl is not None:  # a variable holding a closure: f(x) is f.call(x)
            fp = self.peek(("var", pos, decl))

            def call_var(fr: list[Any]) -> Any:
                try:
                    return invoke(fr[0], fp(fr), tuple(a(fr) for a in args))
                except Fail as e:
                    raise _at(e, pos) from None

            return call_var
        if not args:

            def no_args(fr: list[Any]) -> Any:
                raise Fail("function_not_found", f"Function not found: {name} ()", pos)

            return no_args
        # a free function is the method on its first argument, which it receives by value
        table = {cls: fn for (cls, n), fn in METHODS.get(name, {}).items() if n == len(args) - 1}
        first = self.c(arg_nodes[0])
        if name in MUTATORS:

            def recv(fr: list[Any]) -> Any:
                v = first(fr)
                return v.copy() if v.__class__ in CONTAINERS else v

        else:
            recv = first
        return self._call(pos, name, recv, args[1:], table, None, False)

    def _call(
        self,
        pos: int,
        name: str,
        recv: Code,
        args: tuple[Code, ...],
        table: dict[type, Any],
        setv: Callable[[list[Any], Any], None] | None,
        safe: bool,
    ) -> Code:
        str_mutator = name in STR_MUTATORS
        scans = name not in _CHEAP

        def f(fr: list[Any]) -> Any:
            o = recv(fr)
            fn = table.get(o.__class__)
            if fn is None:
                if safe and o.__class__ in UNIT_TYPES:
                    return UNIT
                raise _at(not_found(name, o, *[a(fr) for a in args]), pos)
            try:
                if scans and o.__class__ in _SIZED and len(o) >= 64:
                    fr[0].charge(len(o))
                if not args:
                    r = fn(fr[0], o)
                elif len(args) == 1:
                    r = fn(fr[0], o, args[0](fr))
                else:
                    r = fn(fr[0], o, *[a(fr) for a in args])
                if str_mutator and o.__class__ in _STRS:
                    new, r = r
                    if setv is not None:
                        setv(fr, new)
                return r
            except Fail as e:
                raise _at(e, pos) from None

        return f

    # -- operators ---------------------------------------------------------------------------
    def c_unary(self, node: Node) -> Code:
        pos, op, operand = node[1], node[2], self.c(node[3])
        if op == "!":

            def f(fr: list[Any]) -> Any:
                v = operand(fr)
                if v is True or v is False:
                    return not v
                raise _at(not_found("!", v), pos)

        elif op == "-":

            def f(fr: list[Any]) -> Any:
                try:
                    return negate(operand(fr))
                except Fail as e:
                    raise _at(e, pos) from None

        else:

            def f(fr: list[Any]) -> Any:
                v = operand(fr)
                if v.__class__ is int or v.__class__ is float:
                    return v
                raise _at(not_found("+", v), pos)

        return f

    def c_bin(self, node: Node) -> Code:
        pos, op, lnode, rnode = node[1:]
        lf, rf = self.c(lnode), self.c(rnode)
        if op in ("==", "!="):
            return self._equality(op == "==", lf, rnode, rf, pos)
        if op in _COMPARE:
            pyop = _COMPARE[op]

            def cmp(fr: list[Any]) -> Any:
                a = lf(fr)
                b = rf(fr)
                if (a.__class__ is b.__class__ and a.__class__ in _ORDERED) or ordered(a, b):
                    return pyop(a, b)
                return False

            return cmp
        if op in ("in", "!in"):
            want = op == "in"

            def member(fr: list[Any]) -> Any:
                a = lf(fr)
                try:
                    b = rf(fr)
                    if b.__class__ in _SIZED and len(b) >= 64:
                        fr[0].charge(len(b))
                    return contains(b, a) is want
                except Fail as e:
                    raise _at(e, pos) from None

            return member
        if op == "+":

            def plus(fr: list[Any]) -> Any:
                a = lf(fr)
                b = rf(fr)
                try:
                    r = add(a, b, fr[0])
                    if r.__class__ in _SIZED and len(r) >= 64:
                        fr[0].charge(len(r))
                    return r
                except Fail as e:
                    raise _at(e, pos) from None

            return plus

        def other(fr: list[Any]) -> Any:
            a = lf(fr)
            b = rf(fr)
            try:
                return arith(op, a, b)
            except Fail as e:
                raise _at(e, pos) from None

        return other

    def _equality(self, want: bool, lf: Code, rnode: Node, rf: Code, pos: int) -> Code:
        if rnode[0] == "lit" and rnode[2] is UNIT:
            return lambda fr: (lf(fr).__class__ in UNIT_TYPES) is want
        if rnode[0] == "lit" and rnode[2].__class__ in _STRS:
            s = rnode[2]

            def eq_str(fr: list[Any]) -> Any:
                v = lf(fr)
                return (v.__class__ in _STRS and v == s) is want

            return eq_str

        def f(fr: list[Any]) -> Any:
            a = lf(fr)
            b = rf(fr)
            if a.__class__ is b.__class__ and a.__class__ in _SCALARS:
                return (a == b) is want
            if a.__class__ in CONTAINERS and len(a) >= 64:
                try:
                    fr[0].charge(len(a))
                except Fail as e:
                    raise _at(e, pos) from None
            return eq(a, b) is want

        return f

    def _bool(self, node: Node) -> Code:
        g = self.c(node)
        pos = node[1]

        def f(fr: list[Any]) -> Any:
            v = g(fr)
            if v is True or v is False:
                return v
            raise _mismatch(v, "bool", pos)

        return f

    def c_and(self, node: Node) -> Code:
        lf, rf = self._bool(node[2]), self._bool(node[3])
        return lambda fr: lf(fr) and rf(fr)

    def c_or(self, node: Node) -> Code:
        lf, rf = self._bool(node[2]), self._bool(node[3])
        return lambda fr: lf(fr) or rf(fr)

    def c_coalesce(self, node: Node) -> Code:
        lf, rf = self.c(node[2]), self.c(node[3])

        def f(fr: list[Any]) -> Any:
            v = lf(fr)
            return rf(fr) if v.__class__ in UNIT_TYPES else v

        return f

    def c_range(self, node: Node) -> Code:
        pos, lf, rf, inclusive = node[1], self.c(node[2]), self.c(node[3]), node[4]

        def f(fr: list[Any]) -> Any:
            # An open end (``a..``, ``..b``, ``..``) is a ``()``: from 0, to the largest integer.
            a = lf(fr)
            a = 0 if a.__class__ in UNIT_TYPES else a
            b = rf(fr)
            b = I64_MAX if b.__class__ in UNIT_TYPES else b
            if a.__class__ is not int or b.__class__ is not int:
                raise _at(not_found("..=" if inclusive else "..", a, b), pos)
            return InclusiveRange(a, b) if inclusive else range(a, b)

        return f

    # -- statements --------------------------------------------------------------------------
    def c_block(self, node: Node) -> Code:
        stmts = tuple(self.c(s) for s in node[2])
        if not stmts:
            return lambda fr: UNIT
        if len(stmts) == 1:
            return stmts[0]
        if len(stmts) == 2:
            a, b = stmts

            def two(fr: list[Any]) -> Any:
                a(fr)
                return b(fr)

            return two
        head, last = stmts[:-1], stmts[-1]

        def many(fr: list[Any]) -> Any:
            for s in head:
                s(fr)
            return last(fr)

        return many

    def c_let(self, node: Node) -> Code:
        d, init = node[2], node[3]
        i = 3 + d.slot
        g = self.c(init) if init is not None else (lambda fr: UNIT)
        if d.boxed:

            def boxed(fr: list[Any]) -> Any:
                fr[i] = [g(fr)]
                return UNIT

            return boxed

        def plain(fr: list[Any]) -> Any:
            fr[i] = g(fr)
            return UNIT

        return plain

    def c_if(self, node: Node) -> Code:
        cond = self.c(node[2])
        cpos = node[2][1]
        then = self.c(node[3])
        other = self.c(node[4]) if node[4] is not None else (lambda fr: UNIT)

        def f(fr: list[Any]) -> Any:
            c = cond(fr)
            if c is True:
                return then(fr)
            if c is False:
                return other(fr)
            raise _mismatch(c, "bool", cpos)

        return f

    def c_for(self, node: Node) -> Code:
        pos, var, idx, src_node, body_node = node[1:]
        src = self.c(src_node)
        body = self.c(body_node)
        vi = 3 + var.slot
        vbox = var.boxed
        ii = 3 + idx.slot if idx is not None else None
        ibox = idx is not None and idx.boxed

        def f(fr: list[Any]) -> Any:
            items = src(fr)
            c = items.__class__
            if c in _STRS:
                items = [Char(ch) for ch in items]
            elif c is InclusiveRange:
                items = items.as_range()
            elif c is not list and c is not range:
                message = f"Cannot iterate over type '{type_name(items)}'"
                raise Fail("mismatch_data_type", message, src_node[1])
            ctx = fr[0]
            for n, x in enumerate(items):
                ctx.ops += 1
                if ctx.ops > ctx.max_ops:
                    raise Fail("too_many_operations", "too many operations", pos)
                fr[vi] = [x] if vbox else x
                if ii is not None:
                    fr[ii] = [n] if ibox else n
                try:
                    body(fr)
                except Continue:
                    continue
                except Break:
                    break
            return UNIT

        return f

    def c_while(self, node: Node) -> Code:
        pos, cond_node, body_node, kind = node[1:]
        cond = self._bool(cond_node) if cond_node is not None else (lambda fr: True)
        body = self.c(body_node)
        until = kind == "do-until"
        test_first = kind in ("while", "loop")

        def f(fr: list[Any]) -> Any:
            ctx = fr[0]
            if test_first and not cond(fr):
                return UNIT
            while True:
                ctx.ops += 1
                if ctx.ops > ctx.max_ops:
                    raise Fail("too_many_operations", "too many operations", pos)
                try:
                    body(fr)
                except Continue:
                    pass
                except Break:
                    break
                if cond(fr) is until:
                    break
            return UNIT

        return f

    def c_break(self, node: Node) -> Code:
        def f(fr: list[Any]) -> Any:
            raise Break

        return f

    def c_continue(self, node: Node) -> Code:
        def f(fr: list[Any]) -> Any:
            raise Continue

        return f

    def c_return(self, node: Node) -> Code:
        g = self.c(node[2]) if node[2] is not None else (lambda fr: UNIT)

        def f(fr: list[Any]) -> Any:
            raise Return(g(fr))

        return f

    def c_assign(self, node: Node) -> Code:
        pos, op, target, value_node = node[1:]
        value = self.c(value_node)
        _, setv = self.lvalue(target)
        if op == "=":

            def assign(fr: list[Any]) -> Any:
                try:
                    setv(fr, value(fr))
                except Fail as e:
                    raise _at(e, pos) from None
                return UNIT

            return assign
        read = self.c(target)
        getm, _ = self.lvalue(target)
        binop = op[:-1]

        def update(fr: list[Any]) -> Any:
            try:
                cur = read(fr)
                v = value(fr)
                if binop != "+":
                    setv(fr, arith(binop, cur, v))
                elif cur.__class__ is list:  # array += item pushes, array += array appends, in place
                    target = getm(fr)
                    if v.__class__ is list:
                        target.extend(v)
                    else:
                        target.append(v)
                    fr[0].grown(target, v)
                elif cur.__class__ is dict and v.__class__ is dict:
                    target = getm(fr)
                    target.update(v)
                    fr[0].grown(target, v)
                else:
                    setv(fr, add(cur, v, fr[0]))
            except Fail as e:
                raise _at(e, pos) from None
            return UNIT

        return update

    # -- assignable locations ----------------------------------------------------------------
    def lvalue(self, node: Node) -> tuple[Code, Callable[[list[Any], Any], None]]:
        """(get for mutation, set) for a variable/property/index path. The getter copies an
        array or map the script does not own yet (see runtime.py) and stores the copy back."""
        tag = node[0]
        if tag == "var":
            return self._lv_var(node[2])
        if tag == "glob":
            return self._lv_glob(node[1], node[2])
        if tag == "this":
            return self._lv_this(node[1])
        if tag == "prop":
            return self._lv_prop(node)
        return self._lv_idx(node)

    def _lv_var(self, d: Any) -> tuple[Code, Callable[[list[Any], Any], None]]:
        i = 3 + d.slot
        if d.boxed:

            def getm(fr: list[Any]) -> Any:
                cell = fr[i]
                v = cell[0]
                if v.__class__ in CONTAINERS and id(v) not in fr[1]:
                    v = v.copy()
                    fr[1][id(v)] = v
                    cell[0] = v
                return v

            def setv(fr: list[Any], v: Any) -> None:
                fr[i][0] = v

            return getm, setv

        def getm_plain(fr: list[Any]) -> Any:
            v = fr[i]
            if v.__class__ in CONTAINERS and id(v) not in fr[1]:
                v = v.copy()
                fr[1][id(v)] = v
                fr[i] = v
            return v

        def setv_plain(fr: list[Any], v: Any) -> None:
            fr[i] = v

        return getm_plain, setv_plain

    def _lv_glob(self, pos: int, name: str) -> tuple[Code, Callable[[list[Any], Any], None]]:
        def getm(fr: list[Any]) -> Any:
            scope = fr[0].scope
            try:
                v = scope[name]
            except KeyError:
                raise Fail("variable_not_found", f"Variable not found: {name}", pos) from None
            if v.__class__ in CONTAINERS and id(v) not in fr[1]:
                v = v.copy()
                fr[1][id(v)] = v
                scope[name] = v
            return v

        def setv(fr: list[Any], v: Any) -> None:
            scope = fr[0].scope
            if name not in scope:
                raise Fail("variable_not_found", f"Variable not found: {name}", pos)
            scope[name] = v

        return getm, setv

    def _lv_this(self, pos: int) -> tuple[Code, Callable[[list[Any], Any], None]]:
        def getm(fr: list[Any]) -> Any:
            v = fr[2]
            if v is NO_THIS:
                raise Fail("runtime", "'this' is not bound here", pos)
            if v.__class__ in CONTAINERS:  # an element of another container: copy, written back later
                v = v.copy()
                fr[2] = v
            return v

        def setv(fr: list[Any], v: Any) -> None:
            if fr[2] is NO_THIS:
                raise Fail("runtime", "'this' is not bound here", pos)
            fr[2] = v

        return getm, setv

    def _lv_prop(self, node: Node) -> tuple[Code, Callable[[list[Any], Any], None]]:
        pos, name = node[1], node[3]
        parent, _ = self.lvalue(node[2])

        def getm(fr: list[Any]) -> Any:
            p = parent(fr)
            if p.__class__ is not dict:
                return get_prop(p, name, pos)
            try:
                v = p[name]
            except KeyError:
                raise Fail("property_not_found", f"Property not found: {name}", pos) from None
            if v.__class__ in CONTAINERS:
                v = v.copy()
                p[name] = v
            return v

        def setv(fr: list[Any], v: Any) -> None:
            p = parent(fr)
            if p.__class__ is not dict:
                raise Fail("dot_expr", f"Cannot set property '{name}' of type '{type_name(p)}'", pos)
            p[name] = v
            if len(p) > fr[0].max_map:
                raise Fail("data_too_large", "map too large", pos)

        return getm, setv

    def _lv_idx(self, node: Node) -> tuple[Code, Callable[[list[Any], Any], None]]:
        pos = node[1]
        parent, parent_set = self.lvalue(node[2])
        key = self.c(node[3])

        def getm(fr: list[Any]) -> Any:
            p = parent(fr)
            k = key(fr)
            v = index_get(p, k, pos)
            if v.__class__ in CONTAINERS:
                v = v.copy()
                p[k] = v
            return v

        def setv(fr: list[Any], v: Any) -> None:
            p = parent(fr)
            k = key(fr)
            c = p.__class__
            if c is list:
                index_get(p, k, pos)  # index type and bounds
                p[k] = v
            elif c is dict:
                if k.__class__ not in _STRS:
                    raise Fail("indexing_type", f"Map index must be a string, not {type_name(k)}", pos)
                p[k] = v
                if len(p) > fr[0].max_map:
                    raise Fail("data_too_large", "map too large", pos)
            elif c in _STRS:
                index_get(p, k, pos)
                if k.__class__ is not int or v.__class__ not in _STRS or len(v) != 1:
                    raise Fail("mismatch_data_type", f"Cannot set a string index to {type_name(v)}", pos)
                j = k % len(p)
                parent_set(fr, p[:j] + v + p[j + 1 :])
            else:
                index_get(p, k, pos)

        return getm, setv


class Program:
    """A compiled script; evaluate it any number of times (it holds no per-run state)."""

    __slots__ = ("_run", "_tail", "source")

    def __init__(self, source: str, run: Code, nslots: int) -> None:
        self.source = source
        self._run = run
        self._tail = [None] * nslots

    def evaluate(self, scope: dict[str, object], limits: Limits | None = None) -> object:
        """Run with ``scope`` as the top-level variables (never mutated); returns the value of the
        last statement (or of ``return``), ``UNIT`` for ``()``. Raises :class:`RhaiRuntimeError`."""
        ctx = Ctx(dict(scope), limits or DEFAULT_LIMITS)
        fr = [ctx, ctx.owned, NO_THIS, *self._tail]
        try:
            v = self._run(fr)
        except Return as r:
            v = r.value
        except Fail as e:
            raise self._error(e.message, e.pos, e.kind) from None
        except RecursionError:
            raise self._error("call stack too deep", None, "stack_overflow") from None
        return UNIT if v is None else v

    def _error(self, message: str, pos: int | None, kind: str) -> RhaiRuntimeError:
        return RhaiRuntimeError(message, *line_col(self.source, pos or 0), kind=kind)

    def __repr__(self) -> str:
        return f"<rhai.Program {self.source[:40]!r}>"


@functools.lru_cache(maxsize=4096)
def compile_script(source: str) -> Program:
    """Parse and compile ``source`` (cached by text). Raises :class:`RhaiSyntaxError`."""
    fn = parse(source, DEFAULT_LIMITS.max_expr_depth)
    return Program(source, Compiler().c(fn.body), fn.nslots)
