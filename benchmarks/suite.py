"""Run the scenarios a number of times each, one process at a time, and collect figures."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.context import Context
from benchmarks.scenarios import SCENARIOS
from benchmarks.terminal import AppExited


@dataclass
class Results:
    """Figures of every run: values per metric, failures per scenario."""

    values: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    """How many runs of each scenario were attempted."""
    seconds: float = 0.0
    """Wall time of the whole suite."""

    def add(self, metrics: dict[str, float]) -> None:
        """Record the figures of one successful run."""
        for key, value in metrics.items():
            self.values.setdefault(key, []).append(value)

    def fail(self, scenario: str, reason: str) -> None:
        """Record a run of ``scenario`` that gave no figures, and why."""
        self.failures.setdefault(scenario, []).append(reason)


def run_suite(ctx: Context, names: Sequence[str], runs: int) -> Results:
    """Each scenario in ``names``, ``runs`` times in a row; progress goes to stderr."""
    results = Results()
    started = time.monotonic()
    for name in names:
        scenario = SCENARIOS[name]
        results.runs[name] = runs
        for run in range(1, runs + 1):
            begun = time.monotonic()
            try:
                metrics = scenario(ctx)
            except TimeoutError as exc:  # BenchTimeout, or the server's own wait
                results.fail(name, "timeout")
                _progress(f"{name} {run}/{runs}: timeout ({exc})")
            except AppExited as exc:
                results.fail(name, "app exited")
                _progress(f"{name} {run}/{runs}: {exc}")
            except Exception as exc:  # report and go on with the other measurements
                results.fail(name, type(exc).__name__)
                _progress(f"{name} {run}/{runs}: {type(exc).__name__}: {exc}")
            else:
                results.add(metrics)
                shown = ", ".join(f"{k}={v:.3f}" for k, v in metrics.items())
                _progress(f"{name} {run}/{runs} ({time.monotonic() - begun:.1f} s): {shown}")
    results.seconds = time.monotonic() - started
    return results


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
