"""Time budgets for page fetches: per host and per run, so one slow host cannot hold a run.

A host's clock starts when its first fetch gets a connection slot; past ``host_seconds`` no new
fetch to that host starts and the ones in flight are cut. Past ``run_seconds`` (counted from the
budget's creation) the same holds for every host. A fetch stopped this way ends with
``FetchDeferred``: not an attempt, the entry waits for the next run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from extract.errors import FetchDeferred

__all__ = ["FetchBudget"]


@dataclass
class FetchBudget:
    """Seconds of page fetching allowed per host and per run (None: no limit)."""

    host_seconds: float | None = None
    run_seconds: float | None = None
    started: float = field(default_factory=time.monotonic)
    _hosts: dict[str, float] = field(default_factory=dict)
    deferred_hosts: set[str] = field(default_factory=set)

    def limit(self, host: str) -> float | None:
        """The monotonic time at which fetches to ``host`` stop (None: no limit yet)."""
        limits = []
        if self.run_seconds is not None:
            limits.append(self.started + self.run_seconds)
        if self.host_seconds is not None and host in self._hosts:
            limits.append(self._hosts[host] + self.host_seconds)
        return min(limits) if limits else None

    def begin(self, host: str) -> float | None:
        """Start ``host``'s clock if it has not started; its limit, or FetchDeferred if that has passed."""
        if self.host_seconds is not None:
            self._hosts.setdefault(host, time.monotonic())
        end = self.limit(host)
        if end is not None and time.monotonic() >= end:
            raise self.deferred(host)
        return end

    def spent(self, host: str) -> bool:
        end = self.limit(host)
        return end is not None and time.monotonic() >= end - 0.05

    def run_spent(self) -> bool:
        return self.run_seconds is not None and time.monotonic() >= self.started + self.run_seconds

    def deferred(self, host: str) -> FetchDeferred:
        """The error of a fetch this budget stopped, naming which budget."""
        self.deferred_hosts.add(host)
        if self.run_spent():
            why = f"the run's page fetch budget of {self.run_seconds:g} s is spent (PLANWATCH_RUN_FETCH_BUDGET)"
        else:
            why = f"host {host} spent its fetch budget of {self.host_seconds:g} s (PLANWATCH_HOST_FETCH_BUDGET)"
        return FetchDeferred(f"deferred to the next run: {why}")
