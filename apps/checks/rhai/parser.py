"""Recursive-descent parser for statements, Pratt parser for expressions.

The parser also resolves every variable name to a :class:`Decl` (a frame slot) while it still
knows the lexical scopes, and marks the variables that closures capture: those live in a cell
(a one-element list) so that the closure and the enclosing code share them, as in Rhai.
The AST is made of tuples ``(tag, offset, ...)``; ``compiler.py`` turns it into closures.
"""

from __future__ import annotations

from typing import Any

from .errors import RhaiSyntaxError, line_col
from .lexer import UNSUPPORTED, LexError, Token, tokenize
from .values import I64_MAX, UNIT

Node = tuple[Any, ...]

#: Binary operators: (left binding power, right binding power). Rhai's precedences; ``**`` is
#: right-associative.
BINARY = {
    "??": (20, 21),
    "||": (30, 31),
    "|": (30, 31),
    "^": (30, 31),
    "&&": (60, 61),
    "&": (60, 61),
    "==": (90, 91),
    "!=": (90, 91),
    "<": (110, 111),
    "<=": (110, 111),
    ">": (110, 111),
    ">=": (110, 111),
    "in": (130, 131),
    "!in": (130, 131),
    "..": (140, 141),
    "..=": (140, 141),
    "+": (150, 151),
    "-": (150, 151),
    "*": (180, 181),
    "/": (180, 181),
    "%": (180, 181),
    "**": (191, 190),
    "<<": (210, 211),
    ">>": (210, 211),
}
ASSIGN_OPS = frozenset(("=", "+=", "-=", "*=", "/=", "%=", "**=", "&=", "|=", "^=", "<<=", ">>="))
_SELF_TERMINATED = frozenset(("if", "for", "while", "block"))
#: Tokens after which `..` / `..=` has no end.
_RANGE_OPEN_END = frozenset(("]", ")", "}", ",", ";", "=>"))


class Decl:
    """A variable: its frame slot, and whether it lives in a shared cell."""

    __slots__ = ("boxed", "const", "name", "slot")

    def __init__(self, name: str, slot: int, const: bool = False, boxed: bool = False) -> None:
        self.name = name
        self.slot = slot
        self.const = const
        self.boxed = boxed


class FnInfo:
    """One function body (the script or a closure) and its frame layout."""

    __slots__ = ("blocks", "body", "captures", "loops", "nslots", "params", "parent")

    def __init__(self, parent: FnInfo | None) -> None:
        self.parent = parent
        self.blocks: list[dict[str, Decl]] = [{}]
        self.nslots = 0
        self.params: list[Decl] = []
        self.captures: list[tuple[Decl, Decl]] = []  # (slot in this frame, variable outside)
        self.loops = 0
        self.body: Node = ("lit", 0, UNIT)

    def declare(self, name: str, const: bool = False) -> Decl:
        d = Decl(name, self.nslots, const)
        self.nslots += 1
        self.blocks[-1][name] = d
        return d


def _resolve(fn: FnInfo, name: str) -> Decl | None:
    for block in reversed(fn.blocks):
        d = block.get(name)
        if d is not None:
            return d
    if fn.parent is None:
        return None
    outer = _resolve(fn.parent, name)
    if outer is None:
        return None
    outer.boxed = True
    d = Decl(name, fn.nslots, outer.const, boxed=True)
    fn.nslots += 1
    fn.blocks[0][name] = d
    fn.captures.append((d, outer))
    return d


class Parser:
    def __init__(self, source: str, max_depth: int) -> None:
        self.src = source
        self.max_depth = max_depth
        self.depth = 0
        try:
            self.toks, _ = tokenize(source)
        except LexError as e:
            raise self.error(e.message, e.pos) from None
        self.i = 0
        self.fn = FnInfo(None)

    # -- helpers -----------------------------------------------------------------------------
    def error(self, message: str, pos: int) -> RhaiSyntaxError:
        return RhaiSyntaxError(message, *line_col(self.src, pos))

    def peek(self) -> Token:
        return self.toks[self.i]

    def next(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def accept(self, kind: str) -> bool:
        if self.toks[self.i][0] == kind:
            self.i += 1
            return True
        return False

    def expect(self, kind: str, what: str | None = None) -> Token:
        t = self.toks[self.i]
        if t[0] != kind:
            raise self.error(f"Expecting {what or repr(kind)}, found {_describe(t)}", t[2])
        self.i += 1
        return t

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise self.error("Expression exceeds maximum nesting depth", pos)

    # -- statements --------------------------------------------------------------------------
    def script(self) -> FnInfo:
        stmts = self.statements("eof")
        self.fn.body = ("block", 0, stmts)
        return self.fn

    def statements(self, end: str) -> list[Node]:
        stmts: list[Node] = []
        while True:
            t = self.peek()
            if t[0] == end:
                return stmts
            if t[0] == ";":
                self.i += 1
                continue
            s = self.statement()
            stmts.append(s)
            t = self.peek()
            if t[0] == ";":
                self.i += 1
            elif t[0] != end and s[0] not in _SELF_TERMINATED:
                raise self.error(f"Expecting ';' to terminate this statement, found {_describe(t)}", t[2])

    def block(self) -> Node:
        t = self.expect("{", "'{' to start a block")
        self.enter(t[2])
        self.fn.blocks.append({})
        stmts = self.statements("}")
        self.fn.blocks.pop()
        self.i += 1
        self.depth -= 1
        return ("block", t[2], stmts)

    def statement(self) -> Node:
        t = self.peek()
        k = t[0]
        if k in ("let", "const"):
            self.i += 1
            name = self.expect("id", "a variable name")
            init = None
            if self.accept("="):
                init = self.expr()
            elif k == "const":
                raise self.error("Expecting '=' to initialize the constant", self.peek()[2])
            d = self.fn.declare(name[1], const=(k == "const"))
            return ("let", t[2], d, init)
        if k == "{":
            return self.block()
        if k == "if":
            return self.if_()
        if k == "for":
            return self.for_()
        if k in ("while", "loop", "do"):
            return self.loop()
        if k in ("break", "continue"):
            self.i += 1
            if not self.fn.loops:
                raise self.error(f"'{k}' outside a loop", t[2])
            return (k, t[2])
        if k == "return":
            self.i += 1
            value = None if self.peek()[0] in (";", "}", "eof") else self.expr()
            return ("return", t[2], value)
        e = self.expr()
        op = self.peek()
        if op[0] in ASSIGN_OPS:
            self.i += 1
            self.check_target(e, op[2])
            return ("assign", op[2], op[0], e, self.expr())
        return e

    def check_target(self, e: Node, pos: int) -> None:
        root = e
        while root[0] in ("prop", "idx"):
            if root[4]:
                raise self.error("'?.' and '?[' cannot be assigned to", root[1])
            root = root[2]
        if root[0] == "var":
            if root[2].const:
                raise self.error(f"Cannot assign to constant '{root[2].name}'", root[1])
            return
        if root[0] in ("glob", "this"):
            return
        raise self.error("Cannot assign to this expression", pos)

    def if_(self) -> Node:
        t = self.next()
        cond = self.expr()
        then = self.block()
        other = None
        if self.accept("else"):
            other = self.if_() if self.peek()[0] == "if" else self.block()
        return ("if", t[2], cond, then, other)

    def for_(self) -> Node:
        t = self.next()
        if self.accept("("):
            name = self.expect("id", "a variable name")
            self.expect(",")
            index = self.expect("id", "a variable name for the index")
            self.expect(")")
        else:
            name = self.expect("id", "a variable name")
            index = None
        self.expect("in", "'in'")
        source = self.expr()
        self.fn.blocks.append({})
        var = self.fn.declare(name[1])
        idx = self.fn.declare(index[1]) if index else None
        self.fn.loops += 1
        body = self.block()
        self.fn.loops -= 1
        self.fn.blocks.pop()
        return ("for", t[2], var, idx, source, body)

    def loop(self) -> Node:
        t = self.next()
        self.fn.loops += 1
        if t[0] == "loop":
            cond, body, kind = None, self.block(), "loop"
        elif t[0] == "while":
            cond = self.expr()
            body, kind = self.block(), "while"
        else:
            body = self.block()
            kw = self.next()
            if kw[0] not in ("while", "until"):
                raise self.error("Expecting 'while' or 'until' after a 'do' block", kw[2])
            cond, kind = self.expr(), "do-" + kw[0]
        self.fn.loops -= 1
        return ("while", t[2], cond, body, kind)

    # -- expressions -------------------------------------------------------------------------
    def expr(self, min_bp: int = 0) -> Node:
        t0 = self.peek()
        self.enter(t0[2])
        lhs = self.unary()
        chain = 0
        while True:
            t = self.peek()
            bp = BINARY.get(t[0])
            if bp is None or bp[0] < min_bp:
                break
            self.i += 1
            op = t[0]
            if op in ("..", "..="):
                n = self.peek()
                # As in Rhai, a range may be open at its end: `s[2..]`, `(a..=)`.
                rhs = ("lit", n[2], UNIT) if n[0] in _RANGE_OPEN_END else self.expr(bp[1])
                lhs = ("range", t[2], lhs, rhs, op == "..=")
            else:
                rhs = self.expr(bp[1])
                if op == "&&":
                    lhs = ("and", t[2], lhs, rhs)
                elif op == "||":
                    lhs = ("or", t[2], lhs, rhs)
                elif op == "??":
                    lhs = ("coalesce", t[2], lhs, rhs)
                else:
                    lhs = ("bin", t[2], op, lhs, rhs)
            chain += 1
            if self.depth + chain > self.max_depth:
                raise self.error("Expression exceeds maximum nesting depth", t[2])
        self.depth -= 1
        return lhs

    def unary(self) -> Node:
        t = self.peek()
        if t[0] in ("-", "+", "!"):
            self.i += 1
            n = self.peek()
            if t[0] == "-" and n[0] == "num" and n[2] == t[2] + 1:
                # As in Rhai's tokenizer, a minus sign stuck to a number is part of the number, so
                # -9223372036854775808 is the smallest integer and -1.abs() is 1.
                self.i += 1
                return self.postfix(("lit", t[2], -n[1]))
            self.enter(t[2])
            operand = self.unary()
            self.depth -= 1
            if t[0] == "-" and operand[0] == "lit" and operand[2].__class__ in (int, float):
                return ("lit", t[2], -operand[2])
            return ("unary", t[2], t[0], operand)
        return self.postfix(self.primary())

    def postfix(self, e: Node) -> Node:
        chain = 0
        while True:
            t = self.peek()
            k = t[0]
            if k == "." or k == "?.":
                self.i += 1
                name = self.next()
                if name[0] not in ("id",) and name[0] not in _KEYWORD_PROPS:
                    raise self.error(f"Expecting a property name, found {_describe(name)}", name[2])
                if self.peek()[0] == "(":
                    e = ("method", name[2], e, name[1], self.args(), k == "?.")
                else:
                    e = ("prop", name[2], e, name[1], k == "?.")
            elif k == "[" or k == "?[":
                self.i += 1
                index = self.expr()
                self.expect("]", "']'")
                e = ("idx", t[2], e, index, k == "?[")
            else:
                return e
            chain += 1
            if self.depth + chain > self.max_depth:
                raise self.error("Expression exceeds maximum nesting depth", t[2])

    def args(self) -> list[Node]:
        self.expect("(")
        args: list[Node] = []
        while not self.accept(")"):
            args.append(self.expr())
            if not self.accept(","):
                self.expect(")", "',' or ')'")
                break
        return args

    def primary(self) -> Node:
        t = self.next()
        k = t[0]
        pos = t[2]
        if k == "num" and t[1].__class__ is int and t[1] > I64_MAX:
            raise self.error(f"Integer too large: {t[1]}", pos)
        if k == "num" or k == "str" or k == "chr":
            return ("lit", pos, t[1])
        if k == "true" or k == "false":
            return ("lit", pos, k == "true")
        if k == "id":
            name = t[1]
            if name in UNSUPPORTED:
                raise self.error(f"'{name}' is not supported", pos)
            if self.peek()[0] == "(":
                return ("call", pos, name, self.args(), _resolve(self.fn, name))
            if self.peek()[0] == "::":
                raise self.error("Modules ('::') are not supported", self.peek()[2])
            d = _resolve(self.fn, name)
            return ("var", pos, d) if d is not None else ("glob", pos, name)
        if k == "(":
            if self.accept(")"):
                return ("lit", pos, UNIT)
            e = self.expr()
            self.expect(")", "')'")
            return e
        if k == "[":
            items: list[Node] = []
            while not self.accept("]"):
                items.append(self.expr())
                if not self.accept(","):
                    self.expect("]", "',' or ']'")
                    break
            return ("arr", pos, items)
        if k == "#{":
            return self.map_literal(pos)
        if k == "tpl":
            return self.template(t)
        if k == "this":
            return ("this", pos)
        if k == "if":
            self.i -= 1
            return self.if_()
        if k == "{":
            self.i -= 1
            return self.block()
        if k == "|" or k == "||":
            return self.closure(t)
        if k == ".." or k == "..=":  # a range open at its start, `..3`, starts at 0
            self.i -= 1
            return ("lit", pos, 0)
        raise self.error(f"Unexpected {_describe(t)}", pos)

    def map_literal(self, pos: int) -> Node:
        entries: list[tuple[str, Node]] = []
        seen: set[str] = set()
        while not self.accept("}"):
            key = self.next()
            if key[0] not in ("id", "str") and key[0] not in _KEYWORD_PROPS:
                raise self.error(f"Expecting a property name, found {_describe(key)}", key[2])
            if key[1] in seen:
                raise self.error(f"Duplicated property '{key[1]}' in object map literal", key[2])
            seen.add(key[1])
            self.expect(":", "':'")
            entries.append((key[1], self.expr()))
            if not self.accept(","):
                self.expect("}", "',' or '}'")
                break
        return ("map", pos, entries)

    def template(self, t: Token) -> Node:
        parts: list[Any] = []
        for part in t[1]:
            if isinstance(part, str):
                parts.append(part)
                continue
            toks, offset = part
            saved = self.toks, self.i
            self.toks, self.i = toks, 0
            self.fn.blocks.append({})
            stmts = self.statements("eof")
            self.fn.blocks.pop()
            self.toks, self.i = saved
            parts.append(("block", offset, stmts))
        return ("tpl", t[2], parts)

    def closure(self, t: Token) -> Node:
        fn = FnInfo(self.fn)
        if t[0] == "|":
            while not self.accept("|"):
                p = self.expect("id", "a parameter name")
                if any(d.name == p[1] for d in fn.params):
                    raise self.error(f"Duplicated parameter '{p[1]}'", p[2])
                fn.params.append(fn.declare(p[1]))
                if not self.accept(","):
                    self.expect("|", "',' or '|'")
                    break
        self.fn = fn
        outer_depth = self.depth
        self.enter(t[2])
        fn.body = self.statement()  # Rhai allows `|| x = 1` as well as expressions and blocks
        self.depth = outer_depth
        self.fn = fn.parent  # type: ignore[assignment]
        return ("closure", t[2], fn)


#: Keywords that are also valid property / map-key names (``x.type``, ``#{in: 1}``).
_KEYWORD_PROPS = frozenset(
    (
        "true",
        "false",
        "this",
        "in",
        "for",
        "if",
        "else",
        "let",
        "const",
        "loop",
        "while",
        "do",
        "until",
        "break",
        "continue",
        "return",
    )
)


def _describe(t: Token) -> str:
    if t[0] == "eof":
        return "end of script"
    if t[0] == "str":
        return "a string"
    if t[0] == "tpl":
        return "a template string"
    if t[0] == "num":
        return f"number {t[1]}"
    return f"'{t[1]}'"


def parse(source: str, max_depth: int) -> FnInfo:
    try:
        return Parser(source, max_depth).script()
    except RecursionError:  # only reachable through deeply nested template strings
        raise RhaiSyntaxError("Expression exceeds maximum nesting depth", 1, 1) from None
