"""SLA attainment arithmetic: of the targets that are decided, the share met on time."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Attainment:
    met: int
    breached: int
    pending: int  # running, near breach or paused: not decided yet

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def met_percent(self) -> float | None:
        """None when nothing is decided: 0% would claim failures that did not happen."""
        return None if self.decided == 0 else round(100 * self.met / self.decided, 2)

    @property
    def breached_percent(self) -> float | None:
        return None if self.decided == 0 else round(100 * self.breached / self.decided, 2)


def tally(states: list[str]) -> Attainment:
    return Attainment(
        met=sum(1 for s in states if s == "MET"),
        breached=sum(1 for s in states if s == "BREACHED"),
        pending=sum(1 for s in states if s not in ("MET", "BREACHED")),
    )
