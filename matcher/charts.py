"""The plain data the chart macros of ``templates/_charts.html`` draw: funnel steps and paired
bars, shared by every page that charts (the group dashboard, the introduction report)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One bar: a step of a funnel (``funnel``), or any labelled count."""

    label: str
    value: int


@dataclass(frozen=True)
class Balance:
    """Two figures of one row, drawn by ``paired`` as a solid bar (``supply``) and a hatched one
    (``demand``), each named by the chart's legend: on the dashboard free mentor places against
    the places students still want, for one specialty or kind."""

    label: str
    supply: int
    demand: int

    @property
    def gap(self) -> int:
        """Places short (positive) or spare (negative)."""
        return self.demand - self.supply
