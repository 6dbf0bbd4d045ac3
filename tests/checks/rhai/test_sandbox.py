"""Hostile scripts end with a limit error, quickly, and cannot reach Python."""

import time

import pytest

from apps.checks.rhai import Limits, RhaiRuntimeError, RhaiSyntaxError, compile_script

HOSTILE = [
    ("loop { }", "too many operations"),
    ("while true { let x = 1; }", "too many operations"),
    ("let n = 0; for i in 0..9223372036854775807 { n += 1; }", "too many operations"),
    ("let a = [1]; loop { a.push(1); }", "array too large"),
    ("let a = []; loop { a.push(1); a.clear(); }", "too many operations"),
    ("let f = 0; f = || f.call(); f.call()", "call stack too deep"),
    ("let f = 0; f = |n| n + f.call(n + 1); f.call(0)", "call stack too deep"),
    ("let f = 0; f = |x| [x].map(|y| f.call(y)); f.call(1)", "call stack too deep"),
    ('let s = "xxxxxxxxxx"; loop { s += s; }', "string too long"),
    ('let s = "xxxxxxxxxx"; loop { s = `${s}${s}`; }', "string too long"),
    ("let a = [1, 2]; loop { a += a; }", "array too large"),
    ("let a = [1]; loop { a = [a, a]; }", "array too large"),
    ("let a = [1]; loop { a.push(a); }", "array too large"),
    ("let m = #{}; for i in 0..1000000 { m.set(`${i}`, i); }", "map too large"),
    ("let a = [1]; for i in 0..30 { a = a + a; } a.len()", "array too large"),
]
SMALL = Limits(max_operations=20_000, max_string_length=10_000, max_array_size=5_000, max_map_size=500)


@pytest.mark.parametrize(("source", "message"), HOSTILE)
def test_hostile_script_stops_with_limit_error(source: str, message: str) -> None:
    start = time.perf_counter()
    with pytest.raises(RhaiRuntimeError) as info:
        compile_script(source).evaluate({}, SMALL)
    assert message in info.value.message
    assert time.perf_counter() - start < 5


def test_default_limits_stop_a_loop() -> None:
    with pytest.raises(RhaiRuntimeError, match="too many operations") as info:
        compile_script("let x = 0;\nloop { x += 1; }").evaluate({})
    assert info.value.kind == "too_many_operations"
    assert (info.value.line, info.value.column) == (2, 1)


def test_deep_recursion_with_default_limits() -> None:
    with pytest.raises(RhaiRuntimeError, match="call stack too deep") as info:
        compile_script("let f = 0; f = |n| f.call(n + 1); f.call(0)").evaluate({})
    assert info.value.kind == "stack_overflow"


def test_deeply_nested_source_is_a_syntax_error() -> None:
    with pytest.raises(RhaiSyntaxError, match="nesting"):
        compile_script("(" * 500 + "1" + ")" * 500)
    with pytest.raises(RhaiSyntaxError, match="nesting"):
        compile_script("1" + " + 1" * 5000)
    with pytest.raises(RhaiSyntaxError, match="nesting"):
        compile_script("x" + ".a" * 5000)
    with pytest.raises(RhaiSyntaxError, match="nesting"):
        compile_script("`${" * 2000 + "1" + "}`" * 2000)


@pytest.mark.parametrize(
    "source",
    [
        "facts.__class__",
        "facts.__dict__",
        '"".__class__',
        "facts.keys.__globals__",
        'facts["__class__"]',
        "type_of.__code__",
        'import "os"',
        'eval("1")',
        "print(1)",
        "debug(1)",
        'Fn("print")',
    ],
)
def test_no_way_to_python(source: str) -> None:
    with pytest.raises((RhaiRuntimeError, RhaiSyntaxError)):
        compile_script(source).evaluate({"facts": {"a": 1}})


def test_python_objects_in_scope_are_not_touched() -> None:
    class Secret:
        password = "x"

    with pytest.raises(RhaiRuntimeError):
        compile_script("obj.password").evaluate({"obj": Secret()})
    with pytest.raises(RhaiRuntimeError):
        compile_script("obj.len()").evaluate({"obj": Secret()})


@pytest.mark.parametrize(
    "source",
    [
        "let a = []; for i in 0..5000 { a.push(i); } for i in 0..100000 { a.contains(-1); }",
        "let a = []; for i in 0..5000 { a.push(i); } let b = a; b.push(0); for i in 0..100000 { a == b; }",
        "let a = []; for i in 0..5000 { a.push(i); } for i in 0..100000 { -1 in a; }",
        'let s = "x"; for i in 0..5000 { s += "x"; } for i in 0..100000 { let t = s + "y"; }',
        'let s = "x"; for i in 0..5000 { s += "x"; } for i in 0..100000 { let t = `${s}`; }',
    ],
)
def test_work_on_big_data_costs_operations(source: str) -> None:
    start = time.perf_counter()
    with pytest.raises(RhaiRuntimeError, match="too many operations"):
        compile_script(source).evaluate({})
    assert time.perf_counter() - start < 5


def test_foreign_objects_are_compared_by_identity_only() -> None:
    class Sneaky:
        def __eq__(self, other: object) -> bool:
            raise AssertionError("foreign code ran")

        __hash__ = object.__hash__

    a, b = Sneaky(), Sneaky()
    assert compile_script("a == b").evaluate({"a": a, "b": b}) is False
    assert compile_script("a == a").evaluate({"a": a}) is True
    assert compile_script("[a].contains(b)").evaluate({"a": a, "b": b}) is False
    assert compile_script("`${a}`").evaluate({"a": a}) == "<Sneaky>"
