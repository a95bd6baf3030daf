"""Scenarios: conditions of real panels the default one does not show (issue 14)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopper_propensity.panel.calibration import ROWS_PER_USER, START_DATE


@dataclass(frozen=True)
class Scenario:
    """A hostile condition reproduced on the synthetic panel; the default changes nothing.

    single_visit: every machine is seen on one day per domain (no history, no campaigns);
    first_day: nothing before this date (a panel shorter than a year);
    season_amplitude: logit swing of conversion over the year, peak in December, trough in June;
    no_signal_window: [from, until) where conversion ignores every feature (a validation window
    with no signal). rows_per_user sizes the households so --sessions still holds.
    """

    name: str
    rows_per_user: float = ROWS_PER_USER
    single_visit: bool = False
    first_day: str | None = None
    season_amplitude: float = 0.0
    no_signal_window: tuple[str, str] | None = None


SCENARIOS = {scenario.name: scenario for scenario in (
    Scenario("default"),
    Scenario("single_visit", rows_per_user=2.4, single_visit=True),
    Scenario("seasonal_drift", season_amplitude=1.6),
    Scenario("no_validation_signal", no_signal_window=("2022-10-01", "2023-01-01")),
    Scenario("short_panel", rows_per_user=30, first_day="2023-03-01"),
)}


def day_index(iso_date: str) -> int:
    return int((np.datetime64(iso_date) - START_DATE).astype(int))
