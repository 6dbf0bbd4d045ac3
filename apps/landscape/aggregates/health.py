"""Health values and their aggregation (spec §4).

Order of weight: passing < warning < critical < unknown. ``unknown`` is the heaviest, so "we do not
know" is never hidden behind a green; callers drop sub-healths that must not count while unknown.
"""

from collections.abc import Iterable

PASSING, WARNING, CRITICAL, UNKNOWN = "passing", "warning", "critical", "unknown"
HEALTHS = (PASSING, WARNING, CRITICAL, UNKNOWN)


def worst(healths: Iterable[str | None]) -> str:
    """The heaviest of ``healths`` (``None`` = not applicable, skipped); nothing left → unknown."""
    present = [health for health in healths if health is not None]
    return max(present, key=HEALTHS.index) if present else UNKNOWN


def worst_known(healths: Iterable[str | None]) -> str:
    """Worst of the sub-healths that are set and not unknown; nothing left → unknown."""
    return worst(health for health in healths if health != UNKNOWN)


_DISPSTATUS = {"GREEN": PASSING, "YELLOW": WARNING, "RED": CRITICAL, "GRAY": UNKNOWN}


def from_dispstatus(dispstatus: str | None) -> str:
    """SAPControl ``dispstatus`` (``SAPControl-GREEN``…) as a health; anything else is unknown."""
    colour = (dispstatus or "").rsplit("-", 1)[-1].upper()
    return _DISPSTATUS.get(colour, UNKNOWN)
