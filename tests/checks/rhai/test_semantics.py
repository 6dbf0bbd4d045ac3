"""Small scripts with the value (or error) Rhai gives them, per the Rhai book and rhai.md."""

from typing import Any

import pytest

from apps.checks.rhai import UNIT, Limits, RhaiError, RhaiRuntimeError, RhaiSyntaxError, compile_script

SCOPE = {
    "facts": {
        "list": [1, 2, 3],
        "names": ["b", "a", "c"],
        "empty": [],
        "m": {"a": 1, "b-c": "x", "nested": {"k": [10, 20]}},
        "s": "Hello",
        "null": None,
        "flag": True,
    },
    "values": {"n": 2, "name": "a"},
}

VALUES: list[tuple[str, Any]] = [
    # literals and types
    ("42", 42),
    ("0x1F + 0b11 + 0o7 + 1_000", 31 + 3 + 7 + 1000),
    ("1.5 + 1", 2.5),
    ('"a\\tb\\n\\u0041\\x42"', "a\tb\nAB"),
    ("'x'", "x"),
    ("()", UNIT),
    ("[1, 2, 3,]", [1, 2, 3]),
    ("[[1, 2], [3]]", [[1, 2], [3]]),
    ('#{a: 1, "b c": [2], }', {"a": 1, "b c": [2]}),
    ("#{}", {}),
    ("type_of(1)", "i64"),
    ("type_of(1.0)", "f64"),
    ('type_of("")', "string"),
    ("type_of('c')", "char"),
    ('type_of("abc"[0])', "char"),
    ("type_of([])", "array"),
    ("type_of(#{})", "map"),
    ("type_of(())", "()"),
    ("type_of(facts.null)", "()"),
    ("type_of(|x| x)", "Fn"),
    ("type_of(true)", "bool"),
    # arithmetic (i64 semantics, truncating division)
    ("7 / 2", 3),
    ("-7 / 2", -3),
    ("-7 % 3", -1),
    ("7.0 / 2", 3.5),
    ("2 ** 10", 1024),
    ("2 ** 3 ** 2", 512),
    ("1 + 2 * 3 - 4", 3),
    ("(1 + 2) * 3", 9),
    ("-(3)", -3),
    ("-9223372036854775808", -(2**63)),  # a minus sign stuck to a number is part of it
    ("type_of(-9223372036854775808)", "i64"),
    ("-9223372036854775807 - 1 == -9223372036854775808", True),
    ("-1.abs()", 1),
    ("- 1.abs()", -1),
    ("1 << 4 >> 2", 4),
    ("1 << 63", -(2**63)),
    ("-16 >> 2", -4),
    ("1 << -1", 0),
    ("6 & 3", 2),
    ("6 | 3", 7),
    ("6 ^ 3", 5),
    ("9223372036854775807", 2**63 - 1),
    ("-9223372036854775807 - 1", -(2**63)),
    # strings
    ('"a" + "b"', "ab"),
    ('"n=" + 1', "n=1"),
    ('1 + "x"', "1x"),
    ('"v" + 1.5', "v1.5"),
    ('"v" + 1.0', "v1.0"),
    ('"v" + true', "vtrue"),
    ('"v" + ()', "v"),
    ('"v" + [1, "a"]', 'v[1, "a"]'),
    ("'a' + 'b'", "ab"),
    ('"abc"[0] == "a"', True),
    ('"abc"[-1]', "c"),
    ('"abc".len', 3),
    ('"abc".len()', 3),
    ('"".is_empty', True),
    ('"a;b;;c".split(";")', ["a", "b", "", "c"]),
    ('"".split(";")', [""]),
    ('"a b".split(" ").len()', 2),
    ('"  a  b ".split()', ["a", "b"]),
    ('"abcd".split(1)', ["a", "bcd"]),
    ('"a,b,c".split(",", 2)', ["a", "b,c"]),
    ('"Hello".starts_with("He")', True),
    ('"Hello".ends_with("lo")', True),
    ('"Hello".contains("ell")', True),
    ("\"Hello\".contains('z')", False),
    ('"Hello".to_upper()', "HELLO"),
    ('"Hello".to_lower()', "hello"),
    ('"Hello".index_of("l")', 2),
    ('"Hello".index_of("z")', -1),
    ('"Hello".sub_string(1, 3)', "ell"),
    ('"Hello".sub_string(-2)', "lo"),
    ('let s = "  x "; s.trim(); s', "x"),
    ('let s = "aXa"; s.replace("a", "b"); s', "bXb"),
    ('"aXa".replace("a", "b")', UNIT),
    ('parse_int("42")', 42),
    ('parse_int(" -7 ")', -7),
    ('"12".parse_int()', 12),
    ('parse_float("1.5")', 1.5),
    ("(42).to_string()", "42"),
    ("to_string(42)", "42"),
    ("let s = \"abc\"; s[1] = 'X'; s", "aXc"),
    # template strings
    ("`plain`", "plain"),
    ("`a${1 + 1}b`", "a2b"),
    (
        '`${facts.s}, ${values.n * 2} ${[1, "x"]} ${#{b: 1, a: ()}} ${()}`',
        'Hello, 4 [1, "x"] #{"a": (), "b": 1} ',
    ),
    ('`${ `inner ${ "}" }` }`', "inner }"),
    ("`multi\nline`", "multi\nline"),
    ("`a``b`", "a`b"),
    ("`${1.5} ${2.0} ${true}`", "1.5 2.0 true"),
    # comparison and equality
    ("1 == 1.0", True),
    ("1 < 1.5", True),
    ('1 == "1"', False),
    ('1 != "1"', True),
    ('1 < "2"', False),
    ('"a" < "b"', True),
    ("'a' == \"a\"", True),
    ("() == ()", True),
    ("() != ()", False),
    ("facts.null == ()", True),
    ("0 == ()", False),
    ("false == ()", False),
    ('"" == ()', False),
    ("[] == ()", False),
    ("[1, 2] == [1, 2]", True),
    ("[1, 2] == [2, 1]", False),
    ("[1, [2]] == [1.0, [2]]", True),
    ("[1] == [1, 2]", False),
    ("#{a: 1, b: [2]} == #{b: [2], a: 1}", True),
    ("#{a: 1} == #{a: 2}", False),
    ("#{a: 1} != #{a: 1, b: 2}", True),
    ("true == 1", False),
    ("true > false", True),
    # logic
    ("true && false || true", True),
    ("!true || !false", True),
    ("false && facts.missing", False),
    ("true || facts.missing", True),
    ("true & false", False),
    ("false | true", True),
    ("1 < 2 & 2 < 3", True),
    # in
    ("2 in [1, 2]", True),
    ("2.0 in [1, 2]", True),
    ('"a" in ["a"]', True),
    ('"z" in ["a"]', False),
    ('"a" in #{a: 1}', True),
    ('"b" in #{a: 1}', False),
    ('"ell" in "Hello"', True),
    ("'H' in facts.s", True),
    ('"z" !in "Hello"', True),
    ("[1] in [[1], [2]]", True),
    ("3 in 1..4", True),
    ("3 in 1..=3", True),
    ("type_of(1..3)", "range"),
    ("type_of(1..=3)", "range="),
    ("type_of(2..)", "range"),
    # string slices: a negative start or end counts from the end, an open end is the end
    ('"hello"[1..3]', "el"),
    ('"hello"[1..-1]', "ell"),
    ('"hello"[-3..]', "llo"),
    ('"hello"[2..]', "llo"),
    ('"hello"[..2]', "he"),
    ('"hello"[..]', "hello"),
    ('"hello"[1..=2]', "el"),
    ('"hello"[1..=-1]', "ello"),
    ('"hello"[..=]', "hello"),
    ('"hello"[3..99]', "lo"),
    ('"hello"[9..]', ""),
    ('"hello"[3..1]', ""),
    ('"hello"[1..=1]', ""),  # Rhai: an inclusive slice needs its end after its start
    ('"hello"[1..-9]', ""),  # an end before the beginning is 0
    ('""[-9..]', ""),
    ('let i = 1; let s = "a b"; s[i + 1..]', "b"),
    ('"hello".sub_string(1..3)', "el"),
    ('"hello".sub_string(3..=1)', "l"),
    ("!(1 in [2])", True),
    # property access and indexing
    ("facts.m.a", 1),
    ('facts.m["b-c"]', "x"),
    ("facts.m.nested.k[1]", 20),
    ("facts.m.nested.k[-1]", 20),
    ("facts.list[values.n]", 3),
    ('facts["m"].a', 1),
    ('facts.m.contains("a")', True),
    ('facts.m.contains("zz")', False),
    ("facts.null?.x", UNIT),
    ("facts.null ?? 5", 5),
    ("facts.list.get(10)", UNIT),
    ('facts.m.get("zz")', UNIT),
    ("facts.list.len", 3),
    ("facts.empty.is_empty", True),
    ("is_empty(facts.empty)", True),
    ("len(facts.list)", 3),
    ("facts.m.len()", 3),
    # array methods
    ("facts.list.find(|x| x > 1)", 2),
    ("facts.list.find(|x| x > 5)", UNIT),
    ("facts.list.find(|x| x > 5) == ()", True),
    ("facts.list.filter(|x| x != 2)", [1, 3]),
    ("facts.list.filter(|x| x).len()", 0),
    ("facts.list.map(|x| x * 10)", [10, 20, 30]),
    ("facts.list.map(|x, i| i)", [0, 1, 2]),
    ("facts.list.all(|x| x > 0)", True),
    ("facts.empty.all(|x| false)", True),
    ("facts.list.some(|x| x == 3)", True),
    ("facts.list.contains(2)", True),
    ('facts.list.contains("2")', False),
    ("facts.list.index_of(3)", 2),
    ("facts.list.index_of(|x| x == 2)", 1),
    ("facts.list.reduce(|sum, x| sum + x, 0)", 6),
    ("facts.list.map(|| this * 2)", [2, 4, 6]),
    ("let a = facts.names; a.sort(); a", ["a", "b", "c"]),
    ("let a = [3, 1, 2]; a.sort(|x, y| y - x); a", [3, 2, 1]),
    ("[[1], [], [2, 3]].drain(|e| !e.is_empty)", [[1], [2, 3]]),
    ("let a = [1, 2, 3, 4]; let d = a.drain(|x| x % 2 == 0); [a, d]", [[1, 3], [2, 4]]),
    ("let a = [1, 2]; a.push(3); a += 4; a += [5]; a", [1, 2, 3, 4, 5]),
    ("[1, 2] + [3]", [1, 2, 3]),
    ("let a = [1, 2, 3]; a.insert(0, 0); a.remove(1); a.pop(); a", [0, 2]),
    ("let a = [1, 2, 3]; a[1] = 9; a[-1] = 8; a", [1, 9, 8]),
    ("let a = [[1]]; a[0].push(2); a", [[1, 2]]),
    ("let a = [1, 2, 3]; a.reverse(); a", [3, 2, 1]),
    # map methods (keys in Rhai's sorted order)
    ("#{b: 1, a: 2}.keys()", ["a", "b"]),
    ("#{b: 1, a: 2}.values()", [2, 1]),
    ('let m = #{}; m.set("k", 1); m.x = 2; m["y"] = 3; m', {"k": 1, "x": 2, "y": 3}),
    ("let m = #{a: #{}}; m.a.b = 1; m", {"a": {"b": 1}}),
    ('let m = #{a: 1}; m.remove("a"); m', {}),
    ("#{a: 1} + #{b: 2}", {"a": 1, "b": 2}),
    # statements, blocks and control flow
    ("let x = 1; x = x + 1; x", 2),
    ("let x; x", UNIT),
    ("let x = 5; { let x = 6; } x", 5),
    ("let x = 5; let x = x * 2; x", 10),
    ("let x = 1; x += 2; x *= 3; x -= 1; x /= 2; x", 4),
    ("{ 1; 2 }", 2),
    ("{ 1; 2; }", 2),
    ("1; 2;", 2),
    ("let x = 1;", UNIT),
    ("let x = { let y = 2; y * 3 }; x", 6),
    ("if true { 1 } else { 2 }", 1),
    ("if false { 1 }", UNIT),
    ("if false { 1 } else if true { 2 } else { 3 }", 2),
    ('let r = if 1 > 2 { "a" } else { "b" }; r', "b"),
    ('let r = if true { "a_b" } else { "" }.split("_")[0]; r', "a"),
    ("let n = 0; for x in facts.list { n += x } n", 6),
    ("let n = 0; for x in facts.list { if x == 2 { continue; } n += x; } n", 4),
    ("let n = 0; for x in facts.list { if x == 2 { break; } n += x; } n", 1),
    ('let s = ""; for (c, i) in "ab" { s += `${i}${c}`; } s', "0a1b"),
    ("let n = 0; for i in 0..5 { n += i; } n", 10),
    ("let n = 0; for i in 1..=3 { n += i; } n", 6),
    ("let n = 0; while n < 5 { n += 1; } n", 5),
    ("let n = 0; loop { n += 1; if n > 3 { break; } } n", 4),
    ("let n = 0; do { n += 1; } while n < 3; n", 3),
    ("let n = 0; do { n += 1; } until n >= 2; n", 2),
    ("for x in facts.list { if x == 2 { return x * 100; } } 0", 200),
    ("return", UNIT),
    ("return;", UNIT),
    ("if true { return true } false", True),
    ("// comment\n1 /* block /* nested */ */ + 1", 2),
    # closures
    ("let f = |x| x + 1; f.call(1)", 2),
    ("let f = |x| x + 1; f(1)", 2),
    ("let k = 10; let f = |x| x + k; f.call(1)", 11),
    ("let k = 10; let f = |x| x + k; k = 20; f.call(1)", 21),
    ("let n = 0; let inc = || { n += 1; }; inc.call(); inc.call(); n", 2),
    ("let m = #{}; [1, 2].for_each(|| m.set(`k${this}`, this * 2)); m", {"k1": 2, "k2": 4}),
    ("let a = [1, 2]; a.for_each(|| this *= 10); a", [10, 20]),
    ("let a = [#{v: 1}]; a.for_each(|| this.v = 5); a", [{"v": 5}]),
    ('let f = |x| { if x > 1 { return "big"; } "small" }; [f.call(1), f.call(2)]', ["small", "big"]),
    ("let b = |x| { let y = x; y; }; b.call(3)", 3),
    ("let adders = [1, 2].map(|n| |x| x + n); adders[1].call(10)", 12),
    ("facts.list.filter(|x| facts.list.some(|y| y == x + 1))", [1, 2]),
    ("values.name in facts.names", True),
    # value semantics: assignment copies, the scope is never changed
    ("let a = [1]; let b = a; b.push(2); [a, b]", [[1], [1, 2]]),
    ("let a = [1]; let b = a; a.push(2); [a, b]", [[1, 2], [1]]),
    ("let m = #{x: [1]}; let y = m.x; y.push(2); m", {"x": [1]}),
    ("let l = facts.list; l.push(4); facts.list", [1, 2, 3]),
    ("facts.list.push(4); facts.list.len()", 4),
    ("facts.m.nested.k.clear(); facts.m.nested.k", []),
    ("let a = [1, 2]; for x in a { a.push(x); } a", [1, 2, 1, 2]),
    ("let f = 0; let g = |n| if n == 0 { 0 } else { n + f.call(n - 1) }; f = g; g.call(4)", 10),
]


@pytest.mark.parametrize(("source", "expected"), VALUES)
def test_value(source: str, expected: Any) -> None:
    result = compile_script(source).evaluate(SCOPE)
    assert result == expected
    if expected is UNIT:
        assert result is UNIT
    else:
        assert type(result) is type(expected) or isinstance(result, str)


def test_scope_is_never_mutated() -> None:
    before = repr(SCOPE)
    for source in (
        "facts.list.push(4)",
        "facts.m.nested.k.clear()",
        "facts = 1",
        "facts.m.a = 5",
        "values.n += 1",
        "let l = facts.list; l.sort(|a, b| b - a); l",
    ):
        compile_script(source).evaluate(SCOPE)
    assert repr(SCOPE) == before


# (source, error class, kind, line, column, message part)
ERRORS: list[tuple[str, type[RhaiError], str, int, int, str]] = [
    ("facts.missing", RhaiRuntimeError, "property_not_found", 1, 7, "Property not found: missing"),
    ('facts.m["zz"]', RhaiRuntimeError, "property_not_found", 1, 8, "Property not found: zz"),
    ("let x = 1;\nlet y = facts.m\n  .nested.nope;", RhaiRuntimeError, "property_not_found", 3, 11, "nope"),
    ("nope + 1", RhaiRuntimeError, "variable_not_found", 1, 1, "Variable not found: nope"),
    ("1 / 0", RhaiRuntimeError, "arithmetic", 1, 3, "Division by zero"),
    ("5 % 0", RhaiRuntimeError, "arithmetic", 1, 3, "Division by zero"),
    ("9223372036854775807 + 1", RhaiRuntimeError, "arithmetic", 1, 21, "overflow"),
    ("-9223372036854775807 - 2", RhaiRuntimeError, "arithmetic", 1, 22, "overflow"),
    ("3037000500 * 3037000500", RhaiRuntimeError, "arithmetic", 1, 12, "overflow"),
    ("2 ** 64", RhaiRuntimeError, "arithmetic", 1, 3, "overflow"),
    ("1 << 64", RhaiRuntimeError, "arithmetic", 1, 3, "too many bits"),
    ("facts.list[3]", RhaiRuntimeError, "array_bounds", 1, 11, "out of bounds"),
    ("facts.list[-4]", RhaiRuntimeError, "array_bounds", 1, 11, "out of bounds"),
    ('"ab"[2]', RhaiRuntimeError, "string_bounds", 1, 5, "out of bounds"),
    ('facts.list["a"]', RhaiRuntimeError, "indexing_type", 1, 11, "integer"),
    ("facts.list.find(|x| x > 5).name", RhaiRuntimeError, "dot_expr", 1, 28, "Unknown property 'name'"),
    ("facts.m.len", RhaiRuntimeError, "property_not_found", 1, 9, "Property not found: len"),
    ("1 + true", RhaiRuntimeError, "function_not_found", 1, 3, "+ (i64, bool)"),
    ("facts.list.nope()", RhaiRuntimeError, "function_not_found", 1, 12, "nope (array)"),
    ('"x".find(|c| true)', RhaiRuntimeError, "function_not_found", 1, 5, "find (string, Fn)"),
    ("if 1 { 2 }", RhaiRuntimeError, "mismatch_data_type", 1, 4, "expecting bool"),
    ("1 && true", RhaiRuntimeError, "mismatch_data_type", 1, 1, "expecting bool"),
    ("true && 1", RhaiRuntimeError, "mismatch_data_type", 1, 9, "expecting bool"),
    ("!1", RhaiRuntimeError, "function_not_found", 1, 1, "! (i64)"),
    ('parse_int("x1")', RhaiRuntimeError, "arithmetic", 1, 1, "Error parsing integer"),
    ("for x in #{} {}", RhaiRuntimeError, "mismatch_data_type", 1, 10, "iterate"),
    ("this", RhaiRuntimeError, "runtime", 1, 1, "'this'"),
    ("let f = |x| x; f.call()", RhaiRuntimeError, "function_not_found", 1, 18, "parameter"),
    ('[1, "a"].sort()', RhaiRuntimeError, "function_not_found", 1, 10, "sort"),
    ("print(1)", RhaiRuntimeError, "function_not_found", 1, 1, "print (i64)"),
    # syntax
    ("let = 1", RhaiSyntaxError, "parsing", 1, 5, "variable name"),
    ("1 +", RhaiSyntaxError, "parsing", 1, 4, "end of script"),
    ("let x = 1 let y = 2", RhaiSyntaxError, "parsing", 1, 11, "';'"),
    ('"abc', RhaiSyntaxError, "parsing", 1, 1, "Unterminated string"),
    ("`abc ${1 + }`", RhaiSyntaxError, "parsing", 1, 12, "Unexpected"),
    ("[1, 2", RhaiSyntaxError, "parsing", 1, 6, "','"),
    ("#{a: 1, a: 2}", RhaiSyntaxError, "parsing", 1, 9, "Duplicated property"),
    ("break", RhaiSyntaxError, "parsing", 1, 1, "outside a loop"),
    ("fn f() { 1 }", RhaiSyntaxError, "parsing", 1, 1, "not supported"),
    ("1 = 2", RhaiSyntaxError, "parsing", 1, 3, "Cannot assign"),
    ("const x = 1; x = 2", RhaiSyntaxError, "parsing", 1, 14, "constant"),
    ("99999999999999999999", RhaiSyntaxError, "parsing", 1, 1, "too large"),
    ("9223372036854775808", RhaiSyntaxError, "parsing", 1, 1, "too large"),
    ("- 9223372036854775808", RhaiSyntaxError, "parsing", 1, 3, "too large"),
    ("1 -9223372036854775808", RhaiSyntaxError, "parsing", 1, 4, "too large"),
    ('"hello"[-6..]', RhaiRuntimeError, "string_bounds", 1, 8, "out of bounds"),
    ("facts.list[1..]", RhaiRuntimeError, "indexing_type", 1, 11, "not range"),
    ("1 /* open", RhaiSyntaxError, "parsing", 1, 3, "block comment"),
    ("x ยง 1", RhaiSyntaxError, "parsing", 1, 3, "Unexpected character"),
]


@pytest.mark.parametrize(("source", "cls", "kind", "line", "column", "part"), ERRORS)
def test_error(source: str, cls: type[RhaiError], kind: str, line: int, column: int, part: str) -> None:
    with pytest.raises(cls) as info:
        compile_script(source).evaluate(SCOPE)
    err = info.value
    assert (err.kind, err.line, err.column) == (kind, line, column), str(err)
    assert part in err.message
    assert str(err) == f"{err.message} (line {line}, column {column})"


def test_compile_is_cached() -> None:
    assert compile_script("1 + 1") is compile_script("1 + 1")


def test_limits_are_a_frozen_dataclass() -> None:
    limits = Limits()
    assert limits.max_operations > 0
    assert limits.max_call_depth > 0
    with pytest.raises(AttributeError):
        limits.max_operations = 1  # type: ignore[misc]


def test_none_in_scope_reads_as_unit() -> None:
    assert compile_script("x == ()").evaluate({"x": None}) is True
    assert compile_script("x").evaluate({"x": None}) is UNIT
    assert compile_script("x == ()").evaluate({"x": UNIT}) is True
