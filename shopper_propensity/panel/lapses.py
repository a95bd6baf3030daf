"""Repeat buying with a known dropout: after each purchase day on a domain, a customer lapses there
for good with a probability of their own (issue 20).

Per (user, domain) pair the lapse probability p is drawn from the user type's Beta
(``UserType.lapse``), and the purchase day after which the customer lapses is the K-th, K ~
Geometric(p) on 1, 2, ... - BG/NBD's dropout process, planted through purchase timing only: the
lapsed customer's visits are drawn as before, they just no longer buy on that domain. The pair's
p, K and the day of its K-th purchase go to the hidden truth (``truth/repeat_behaviour``) with
the last day the household is active, so a forecast's P(alive) can be checked against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from shopper_propensity.panel.calibration import NULL_CODE, USER_TYPES
from shopper_propensity.panel.sampling import field_values

if TYPE_CHECKING:
    from shopper_propensity.panel.simulate import Days, Users


@dataclass
class Lapses:
    """One entry per (user, domain) pair with visit days, in the days' (user, domain) order."""

    user: np.ndarray
    domain: np.ndarray
    probability: np.ndarray  # chance to lapse after each purchase day
    purchases_before_lapse: np.ndarray  # K: the customer lapses after their K-th purchase day
    pair_of_day: np.ndarray  # pair index of each pseudo-session row
    lapse_day: np.ndarray | None = None  # day of the K-th purchase; NULL_CODE while not lapsed

    def limit_of_day(self) -> np.ndarray:
        return self.purchases_before_lapse[self.pair_of_day]


def draw_lapses(rng: np.random.Generator, days: Days, users: Users) -> Lapses:
    """Each pair's lapse probability and K; days are sorted by (user, domain, day)."""
    starts_pair = np.ones(len(days), dtype=bool)
    starts_pair[1:] = (days.user[1:] != days.user[:-1]) | (days.domain[1:] != days.domain[:-1])
    first_rows = np.flatnonzero(starts_pair)
    pair_user = days.user[first_rows]
    a, b = np.array(field_values(USER_TYPES, "lapse"), dtype=float).T
    user_type = users.user_type[pair_user]
    probability = rng.beta(a[user_type], b[user_type])
    return Lapses(
        user=pair_user,
        domain=days.domain[first_rows],
        probability=probability,
        purchases_before_lapse=rng.geometric(probability),
        pair_of_day=np.cumsum(starts_pair) - 1,
    )


def purchases_before(purchased: np.ndarray, pair_of_day: np.ndarray) -> np.ndarray:
    """Purchase days of the same pair on earlier rows (rows sorted by pair, then day)."""
    running = np.cumsum(purchased) - purchased
    first_rows = np.flatnonzero(np.r_[True, pair_of_day[1:] != pair_of_day[:-1]])
    return running - running[first_rows][pair_of_day]


def until_lapse(wanted: np.ndarray, lapses: Lapses) -> np.ndarray:
    """The purchases a customer makes of the days they would buy on: the first K of each pair."""
    return wanted & (purchases_before(wanted, lapses.pair_of_day) < lapses.limit_of_day())


def with_lapse_days(lapses: Lapses, purchased: np.ndarray, day: np.ndarray) -> Lapses:
    """lapses with the day each pair made its K-th (last) purchase, NULL_CODE where it did not."""
    last = purchased & (purchases_before(purchased, lapses.pair_of_day) == lapses.limit_of_day() - 1)
    lapse_day = np.full(len(lapses.user), NULL_CODE, dtype=np.int64)
    lapse_day[lapses.pair_of_day[last]] = day[last]
    return Lapses(lapses.user, lapses.domain, lapses.probability, lapses.purchases_before_lapse,
                  lapses.pair_of_day, lapse_day)
