"""Public error types, the evaluation limits, and the internal failure signal."""

from __future__ import annotations

from dataclasses import dataclass


class RhaiError(Exception):
    """A parse or evaluation error, positioned (1-based) in the script source.

    ``kind`` names the Rhai error variant in snake case (``parsing``, ``property_not_found``,
    ``variable_not_found``, ``function_not_found``, ``mismatch_data_type``, ``arithmetic``,
    ``array_bounds``, ``too_many_operations``, ...), as the checks engine reports it.
    """

    def __init__(self, message: str, line: int, column: int, kind: str = "runtime") -> None:
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column
        self.kind = kind

    def __str__(self) -> str:
        return f"{self.message} (line {self.line}, column {self.column})"


class RhaiSyntaxError(RhaiError):
    """The script does not parse."""

    def __init__(self, message: str, line: int, column: int, kind: str = "parsing") -> None:
        super().__init__(message, line, column, kind)


class RhaiRuntimeError(RhaiError):
    """The script failed while running (including every limit breach)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Sandbox limits. Rhai itself (as the checks engine configures it) has no operation or size
    limits; ours are generous enough for any real check and small enough to stop abuse fast."""

    max_operations: int = 100_000
    max_call_depth: int = 64
    max_string_length: int = 1_000_000
    max_array_size: int = 100_000
    max_map_size: int = 100_000
    #: Nesting of the syntax tree, checked at parse time (``compile_script`` uses the default).
    max_expr_depth: int = 128


class Fail(Exception):
    """Raised inside the interpreter; ``pos`` (a source offset) is filled in by the nearest node
    that knows where it is, and ``Program`` turns it into a :class:`RhaiRuntimeError`."""

    __slots__ = ("kind", "message", "pos")

    def __init__(self, kind: str, message: str, pos: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.pos = pos


def line_col(source: str, pos: int) -> tuple[int, int]:
    """1-based (line, column) of a source offset; columns count characters."""
    pos = max(0, min(pos, len(source)))
    line = source.count("\n", 0, pos) + 1
    return line, pos - (source.rfind("\n", 0, pos) + 1) + 1
