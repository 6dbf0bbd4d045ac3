"""A sandboxed evaluator for the subset of Rhai (https://rhai.rs) that check expectations use.

Pure Python, no Django. ``compile_script(source)`` parses once (cached by source text) and returns a
:class:`Program`; ``program.evaluate(scope, limits)`` runs it against a fresh copy of the scope.

Design: a hand-written tokenizer (one compiled regular expression plus small scanners for strings
and template strings) feeds a recursive-descent statement parser with a Pratt expression parser;
the parser resolves variables to frame slots, and the AST is compiled once into nested Python
closures. A parsing library would add a dependency and a generic parse tree to walk on every
evaluation; closures over pre-resolved slots do the minimum work per node, which is what the
throughput target needs. Operations are counted per loop iteration and per call (every way to
run code repeatedly), so no script can hang; data sizes are checked where data grows.

Values are plain Python data (see ``values.py``); the interpreter only ever touches those types,
indexes dicts/lists and calls its own functions: no attribute access, no I/O, no imports.
A top-level ``()`` result is returned as ``UNIT``; inside arrays and maps a ``()`` may be ``UNIT``
or ``None`` (JSON null from facts), which read the same. Arrays and maps have Rhai's value
semantics (assignment copies), implemented copy-on-first-write (see ``runtime.py``); the caller's
scope is never mutated. Errors carry Rhai's error kind in ``RhaiError.kind``.

Supported: ``let``/``const``, assignment and compound assignment to variables, properties and
indexes; ``if``/``else`` (statement and expression), ``for x in``/``for (x, i) in`` over arrays,
strings and ranges, ``while``, ``loop``, ``do``, ``break``, ``continue``, ``return``; block values;
comments; all literals incl. template strings, chars, ``#{}`` maps; Rhai's operators and
precedence incl. ``in``/``!in``, ``?.``/``?[``/``??``, ranges (open-ended too); strict map properties; closures
with shared capture, ``this`` binding, ``f(x)``/``f.call(x)``; the functions in ``builtins.py``.
Not supported (none is used by the catalog): ``fn`` definitions, ``switch``, ``throw``/``try``,
modules/``import``, ``Fn("name")`` and ``curry``, BLOBs, timestamps, decimal.
"""

from .compiler import Program, compile_script
from .errors import Limits, RhaiError, RhaiRuntimeError, RhaiSyntaxError
from .values import UNIT

__all__ = [
    "UNIT",
    "Limits",
    "Program",
    "RhaiError",
    "RhaiRuntimeError",
    "RhaiSyntaxError",
    "compile_script",
]
