"""Baskets and their item rows: the transactions of every converted pseudo-session."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopper_propensity.panel.calibration import (
    BASKET_SIGMA,
    CATEGORIES,
    CATEGORY_AFFINITY,
    DOMAINS,
    ITEMS_P,
    LINKED_SESSION_RATE,
    QTY_P,
    SECOND_BASKET_RATE,
    VARIANTS,
)
from shopper_propensity.panel.sampling import draw_categorical, field_values, group_starts
from shopper_propensity.panel.simulate import Days, Users, Visits


def catalog() -> tuple[list[str], np.ndarray]:
    """Product names (category-major) and each domain's category weights."""
    names = [noun + variant for _, nouns in CATEGORIES for noun in nouns for variant in VARIANTS]
    weights = np.array([[CATEGORY_AFFINITY[d.name].get(cat, 1) for cat, _ in CATEGORIES] for d in DOMAINS], float)
    return names, weights


@dataclass
class Items:
    """One entry per transaction item row; day_of points at the pseudo-session."""

    day_of: np.ndarray
    site_session_id: np.ndarray
    category: np.ndarray
    product: np.ndarray
    qty: np.ndarray
    line_total: np.ndarray
    basket_total: np.ndarray
    time: np.ndarray


def _basket_times(rng: np.random.Generator, visits: Visits, basket_day: np.ndarray,
                  second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Visit each basket was placed in, and its time.

    A basket is placed during a random visit of its day; a day's second basket comes 2 minutes
    to 2 hours after the first (before it, near midnight), so baskets never share a time.
    """
    pick = np.floor(rng.random(len(basket_day)) * visits.n_visits[basket_day]).astype(np.int64)
    visit = visits.starts[basket_day] + pick
    during = visits.time[visit] + np.floor(rng.random(len(visit)) * (visits.duration[visit] * 60 + 60))
    t = np.minimum(during, 86399).astype(np.int64)
    delta = rng.integers(120, 7200, len(t))
    previous = np.roll(t, 1)
    later = previous + delta
    t = np.where(second, np.where(later <= 86399, later, previous - delta), t)
    return visit, t


def simulate_items(rng: np.random.Generator, days: Days, visits: Visits, users: Users,
                    converted: np.ndarray, spend_offset: np.ndarray) -> Items:
    """Item rows of every basket of every converted pseudo-session.

    Item line totals are log-normal around the user's spend level; each domain's scale is set
    from the expected basket total so its mean basket lands on the reference AOV.
    """
    conv_days = np.flatnonzero(converted)
    n_baskets = 1 + (rng.random(len(conv_days)) < SECOND_BASKET_RATE)
    basket_day = np.repeat(conv_days, n_baskets)
    second = np.concatenate(([False], basket_day[1:] == basket_day[:-1]))
    visit, basket_time = _basket_times(rng, visits, basket_day, second)
    linked = rng.random(len(visit)) < LINKED_SESSION_RATE
    basket_site_session = np.where(linked, visits.site_session_id[visit], np.uint64(0))

    domain = days.domain[basket_day]
    shift = (users.spend_shift[days.user[basket_day]] + spend_offset[basket_day]
             + rng.normal(0.0, BASKET_SIGMA, len(basket_day)))
    n_items = np.minimum(rng.geometric(ITEMS_P, len(basket_day)), 30)
    expected = n_items * np.exp(shift)
    count = np.bincount(domain, minlength=len(DOMAINS))
    scale = field_values(DOMAINS, "aov") * count / np.maximum(np.bincount(domain, expected, len(DOMAINS)), 1e-9)
    item_basket = np.repeat(np.arange(len(basket_day)), n_items)
    sigma = field_values(DOMAINS, "item_sigma")[domain[item_basket]]
    noise = sigma * rng.standard_normal(len(item_basket)) - sigma ** 2 / 2
    line = np.maximum(np.round(scale[domain[item_basket]] * np.exp(shift[item_basket] + noise), 2), 0.5)
    basket_total = np.round(np.add.reduceat(line, group_starts(n_items)), 2)

    names, weights = catalog()
    category = draw_categorical(rng, weights, domain[item_basket])
    per_category = len(names) // len(CATEGORIES)
    popularity = 1.0 / np.arange(1, per_category + 1) ** 0.8
    rank = draw_categorical(rng, popularity[None, :], np.zeros(len(item_basket), dtype=np.int8))
    return Items(
        day_of=basket_day[item_basket],
        site_session_id=basket_site_session[item_basket],
        category=category,
        product=category.astype(np.int32) * per_category + rank,
        qty=np.minimum(rng.geometric(QTY_P, len(item_basket)), 12).astype(np.int32),
        line_total=line,
        basket_total=basket_total[item_basket],
        time=basket_time[item_basket].astype(np.int32),
    )
