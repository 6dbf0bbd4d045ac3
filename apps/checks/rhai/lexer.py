"""Tokenizer: one compiled regular expression for the common tokens, hand-written scanners for
strings, chars, block comments and template strings (whose ``${...}`` parts are tokenized
recursively, so a ``}`` inside a nested string does not end the interpolation)."""

from __future__ import annotations

import re
from typing import Any

from .values import I64_MAX, Char

#: A token: (kind, value, offset). ``kind`` is the operator or keyword text itself, or one of
#: ``num``, ``str``, ``chr``, ``tpl``, ``id``, ``eof``. A ``tpl`` value is a list of parts, each a
#: literal ``str`` or a ``(tokens, offset)`` pair for an interpolated block.
Token = tuple[str, Any, int]

KEYWORDS = frozenset(
    [
        "let",
        "const",
        "if",
        "else",
        "for",
        "in",
        "while",
        "loop",
        "do",
        "until",
        "break",
        "continue",
        "return",
        "true",
        "false",
        "this",
    ]
)
#: Reserved by Rhai but outside the supported subset: reported at parse time.
UNSUPPORTED = frozenset(
    [
        "fn",
        "private",
        "import",
        "export",
        "as",
        "switch",
        "throw",
        "try",
        "catch",
        "global",
        "var",
        "static",
        "shared",
        "sync",
    ]
)

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r\n\f\v]+|//[^\n]*)
  | (?P<num>0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+
      |[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\.\.=|\.\.|\?\.|\?\[|\?\?|\#\{|::|=>|\*\*=?|<<=?|>>=?|&&|\|\|
      |[-+*/%&|^=!<>]=|[-+*/%&|^=!<>()\[\]{},;.:?@\#$~])
    """,
    re.X,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0", "`": "`"}
_HEX_LEN = {"x": 2, "u": 4, "U": 8}


class LexError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def _number(text: str, pos: int) -> int | float:
    t = text.replace("_", "")
    try:
        if t[:2] in ("0x", "0o", "0b"):
            value = int(t[2:], {"x": 16, "o": 8, "b": 2}[t[1]])
        elif "." in t or "e" in t or "E" in t:
            return float(t)
        else:
            value = int(t)
    except ValueError:
        raise LexError(f"Invalid number: {text}", pos) from None
    if value > I64_MAX + 1:  # I64_MAX + 1 is left to the parser: it is valid after a minus sign
        raise LexError(f"Integer too large: {text}", pos)
    return value


def _quoted(src: str, pos: int, quote: str) -> tuple[str, int]:
    """Scan a "string" or 'c'haracter body starting after the quote; return (text, end offset)."""
    out: list[str] = []
    i = pos
    n = len(src)
    while True:
        j = i
        while j < n and src[j] not in (quote, "\\", "\n"):
            j += 1
        out.append(src[i:j])
        if j >= n or src[j] == "\n":
            raise LexError("Unterminated string literal", pos - 1)
        if src[j] == quote:
            return "".join(out), j + 1
        # backslash escape
        if j + 1 >= n:
            raise LexError("Unterminated string literal", pos - 1)
        e = src[j + 1]
        if e == "\n":  # line continuation: skip the newline and the next line's indentation
            i = j + 2
            while i < n and src[i] in " \t":
                i += 1
            continue
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i = j + 2
            continue
        if e in _HEX_LEN:
            digits = src[j + 2 : j + 2 + _HEX_LEN[e]]
            try:
                if len(digits) != _HEX_LEN[e]:
                    raise ValueError
                out.append(chr(int(digits, 16)))
            except ValueError:
                raise LexError(f"Invalid escape sequence: \\{e}{digits}", j) from None
            i = j + 2 + _HEX_LEN[e]
            continue
        raise LexError(f"Invalid escape sequence: \\{e}", j)


def _template(src: str, pos: int) -> tuple[list[Any], int]:
    """Scan a back-tick string starting after the opening back-tick. Doubled back-ticks are a
    literal back-tick; ``${ ... }`` is an interpolated block; no other escapes."""
    parts: list[Any] = []
    buf: list[str] = []
    i = pos
    n = len(src)
    while i < n:
        c = src[i]
        if c == "`":
            if src.startswith("`", i + 1):
                buf.append("`")
                i += 2
                continue
            if buf:
                parts.append("".join(buf))
            return parts, i + 1
        if c == "$" and src.startswith("{", i + 1):
            if buf:
                parts.append("".join(buf))
                buf = []
            toks, end = tokenize(src, i + 2, in_braces=True)
            parts.append((toks, i + 2))
            i = end + 1
            continue
        buf.append(c)
        i += 1
    raise LexError("Unterminated string literal", pos - 1)


def _block_comment(src: str, pos: int) -> int:
    depth = 1
    i = pos + 2
    while depth:
        a = src.find("/*", i)
        b = src.find("*/", i)
        if b < 0:
            raise LexError("Unterminated block comment", pos)
        if 0 <= a < b:
            depth += 1
            i = a + 2
        else:
            depth -= 1
            i = b + 2
    return i


def tokenize(src: str, pos: int = 0, in_braces: bool = False) -> tuple[list[Token], int]:
    """Tokens from ``pos`` to the end, or (``in_braces``) to the first unbalanced ``}``, whose
    offset is returned as the end; the list always ends with an ``eof`` token."""
    toks: list[Token] = []
    append = toks.append
    match = _TOKEN_RE.match
    n = len(src)
    depth = 0
    i = pos
    while i < n:
        c = src[i]
        if c == '"':
            text, i2 = _quoted(src, i + 1, '"')
            append(("str", text, i))
            i = i2
            continue
        if c == "'":
            text, i2 = _quoted(src, i + 1, "'")
            if len(text) != 1:
                raise LexError("Invalid character literal", i)
            append(("chr", Char(text), i))
            i = i2
            continue
        if c == "`":
            parts, i2 = _template(src, i + 1)
            append(("tpl", parts, i))
            i = i2
            continue
        if c == "/" and src.startswith("/*", i):
            i = _block_comment(src, i)
            continue
        if c == "!" and src.startswith("in", i + 1) and not _is_ident_char(src, i + 3):
            append(("!in", "!in", i))
            i += 3
            continue
        m = match(src, i)
        if m is None:
            raise LexError(f"Unexpected character {c!r}", i)
        kind = m.lastgroup
        text = m.group()
        if kind == "op":
            if text == "{" or text == "#{":
                depth += 1
            elif text == "}":
                if in_braces and depth == 0:
                    append(("eof", None, i))
                    return toks, i
                depth -= 1
            append((text, text, i))
        elif kind == "id":
            append((text if text in KEYWORDS else "id", text, i))
        elif kind == "num":
            append(("num", _number(text, i), i))
        i = m.end()
    if in_braces:
        raise LexError("Unterminated string interpolation: missing '}'", pos)
    append(("eof", None, n))
    return toks, n


def _is_ident_char(src: str, i: int) -> bool:
    return i < len(src) and (src[i].isalnum() or src[i] == "_")
