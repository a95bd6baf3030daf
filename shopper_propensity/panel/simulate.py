"""Households, their visit days (pseudo-sessions), visits (raw session rows) and conversions.

Everything is vectorised numpy: no Python loop over users, days or sessions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopper_propensity.logistic import sigmoid
from shopper_propensity.panel.calibration import (
    BOUNCE_EFFECT,
    CONVERSION_SPREAD,
    DAY_KEY,
    DAY_WEIGHT_CDF,
    DEMOGRAPHICS,
    DIRECT_NULL_SHARE,
    DOMAINS,
    DURATION_SIGMA,
    EDUCATION_UNKNOWN_EFFECT,
    GAP_BETWEEN_VISITS_S,
    HOUR_EFFECT,
    HOUR_TRAFFIC,
    INCOME_EFFECT,
    MACHINE_ID_BASE,
    MINUTES_SPREAD,
    MONTH,
    MONTH_EFFECT,
    N_DAYS,
    NEVER_BOUGHT_EFFECT,
    NULL_CODE,
    PAGES_CAP,
    PAGES_SIGMA,
    PAGES_SPREAD,
    RECENCY_COEF,
    REFERRER_BUCKETS,
    SECONDARY_INTENSITY,
    SESSIONS_PER_DAY_P,
    SPEND_SPREAD,
    USER_TYPES,
    VISIT_RATE_SPREAD,
    WEEKDAY,
    WEEKEND_EFFECT,
    YEAR,
    ZIP_NULL_SHARE,
    referrer_vocabulary,
)
from shopper_propensity.panel.lapses import Lapses, purchases_before, until_lapse
from shopper_propensity.panel.sampling import draw_categorical, field_values, group_starts
from shopper_propensity.panel.scenarios import Scenario, day_index

# --------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------


@dataclass
class Users:
    """One entry per household (machine_id), indexed by user number."""

    machine_id: np.ndarray
    user_type: np.ndarray
    span_start: np.ndarray
    span_end: np.ndarray
    conversion_shift: np.ndarray
    pages_mean: np.ndarray
    minutes_per_page: np.ndarray
    spend_shift: np.ndarray
    demographics: dict[str, np.ndarray]


def _draw_demographics(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Household codes, constant per machine; NULL_CODE marks a NULL in the nullable columns."""
    demo = {col: rng.choice(np.array(codes), n, p=np.array(p) / sum(p)).astype(np.int32)
            for col, (codes, p) in DEMOGRAPHICS.items()}
    zip_code = rng.integers(1001, 99951, n).astype(np.int32)
    demo["zip_code"] = np.where(rng.random(n) < ZIP_NULL_SHARE, NULL_CODE, zip_code).astype(np.int32)
    return demo


def draw_users(rng: np.random.Generator, n: int, machine_id_base: int = MACHINE_ID_BASE) -> Users:
    """Households with a latent type, a span of activity and personal behaviour around the type.

    A span may begin before 2020 or run past 2023 and only its part inside the window is
    observed, so the panel has no artificial ramp-up or ramp-down at its edges.  machine_ids
    are all above `machine_id_base` (a shard starts above the previous shard's last id).
    """
    utype = rng.choice(len(USER_TYPES), n, p=field_values(USER_TYPES, "share"))
    lo, hi = np.array([t.span_days for t in USER_TYPES]).T
    span = rng.integers(lo[utype], hi[utype] + 1)
    placement = rng.beta(field_values(USER_TYPES, "lateness")[utype], 1.0)
    start = np.floor(placement * (N_DAYS + span - 1)).astype(np.int64) - span + 1
    demo = _draw_demographics(rng, n)
    education_unknown = np.isin(demo["hoh_most_education"], (99, -88))
    income = demo["household_income"]
    demo_effect = (EDUCATION_UNKNOWN_EFFECT * education_unknown
                   + np.where(income == 99, 0.0, INCOME_EFFECT * (income - 14.5)))
    return Users(
        machine_id=(machine_id_base + np.cumsum(rng.integers(1, 400, n))).astype(np.int64),
        user_type=utype,
        span_start=np.maximum(start, 0),
        span_end=np.minimum(start + span - 1, N_DAYS - 1),
        conversion_shift=(field_values(USER_TYPES, "conversion_shift")[utype]
                          + rng.normal(0.0, CONVERSION_SPREAD, n) + demo_effect),
        pages_mean=field_values(USER_TYPES, "pages")[utype] * rng.lognormal(0.0, PAGES_SPREAD, n),
        minutes_per_page=field_values(USER_TYPES, "minutes_per_page")[utype] * rng.lognormal(0.0, MINUTES_SPREAD, n),
        spend_shift=field_values(USER_TYPES, "spend_shift")[utype] + rng.normal(0.0, SPEND_SPREAD, n),
        demographics=demo,
    )


# --------------------------------------------------------------------------------------------
# Visit days (pseudo-sessions) and visits (raw sessions)
# --------------------------------------------------------------------------------------------


@dataclass
class Days:
    """One row per pseudo-session: (user, domain, day)."""

    user: np.ndarray
    domain: np.ndarray
    day: np.ndarray

    def __len__(self) -> int:
        return len(self.day)


def _domain_intensity(rng: np.random.Generator, n_users: int) -> np.ndarray:
    """(users x domains) visit-day multiplier: home domain, occasional secondary ones, else 0."""
    home = rng.choice(len(DOMAINS), n_users, p=field_values(DOMAINS, "home_share"))
    secondary = rng.random((n_users, len(DOMAINS))) < field_values(DOMAINS, "secondary_rate")
    intensity = np.where(secondary, SECONDARY_INTENSITY, 0.0)
    intensity[np.arange(n_users), home] = field_values(DOMAINS, "home_intensity")[home]
    return intensity


def draw_visit_days(rng: np.random.Generator, users: Users, scenario: Scenario) -> Days:
    """Distinct visit days per (user, domain), inside the user's span, growth/season weighted.

    Days are drawn with replacement and de-duplicated; the result is sorted by
    (user, domain, day), which the recency computation relies on.
    """
    intensity = _domain_intensity(rng, len(users.machine_id))
    pair_user, pair_domain = np.nonzero(intensity)
    start, end = users.span_start[pair_user], users.span_end[pair_user]
    years = (end - start + 1) / 365.0
    rate = field_values(USER_TYPES, "visit_rate")[users.user_type[pair_user]] * intensity[pair_user, pair_domain]
    draws = rate * years * rng.lognormal(0.0, VISIT_RATE_SPREAD, len(pair_user))
    n = np.clip(np.rint(draws), 1, end - start + 1).astype(np.int64)
    if scenario.single_visit:
        n = np.ones_like(n)
    pair = np.repeat(np.arange(len(pair_user)), n)
    lo, hi = DAY_WEIGHT_CDF[start][pair], DAY_WEIGHT_CDF[end + 1][pair]
    day = np.searchsorted(DAY_WEIGHT_CDF, lo + rng.random(len(pair)) * (hi - lo), side="right") - 1
    day = np.minimum(day, end[pair])
    key = np.sort(pair * DAY_KEY + day)
    pair, day = np.divmod(key[np.concatenate(([True], key[1:] != key[:-1]))], DAY_KEY)
    keep = day >= (day_index(scenario.first_day) if scenario.first_day else 0)
    return Days(user=pair_user[pair[keep]], domain=pair_domain[pair[keep]].astype(np.int8),
                day=day[keep].astype(np.int32))


@dataclass
class Visits:
    """Raw sessions (row level) plus the per-day aggregates the conversion model reads."""

    day_of: np.ndarray  # pseudo-session index of each visit
    time: np.ndarray  # second of day
    pages: np.ndarray
    duration: np.ndarray
    referrer: np.ndarray  # index into the referrer vocabulary, NULL_CODE for NULL
    site_session_id: np.ndarray
    user_session_id: np.ndarray
    starts: np.ndarray  # first visit row of each pseudo-session
    n_visits: np.ndarray
    pages_day: np.ndarray
    duration_day: np.ndarray
    first_bucket: np.ndarray
    first_hour: np.ndarray


def _draw_referrers(rng: np.random.Generator, domain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Referrer bucket and vocabulary index per visit, from the domain's referrer mix."""
    _, offsets, sizes = referrer_vocabulary()
    bucket = draw_categorical(rng, np.array(field_values(DOMAINS, "referrer_mix")), domain)
    code = offsets[bucket] + np.floor(rng.random(len(bucket)) * sizes[bucket]).astype(np.int64)
    null_direct = (bucket == REFERRER_BUCKETS.index("direct")) & (rng.random(len(bucket)) < DIRECT_NULL_SHARE)
    return bucket, np.where(null_direct, NULL_CODE, code).astype(np.int32)


def simulate_visits(rng: np.random.Generator, days: Days, users: Users,
                     first_referrer: np.ndarray | None = None) -> Visits:
    """Raw sessions of each pseudo-session: count, start times, pages, minutes and referrer.

    Visits of a day follow each other (start = previous start + its duration + a gap), so the
    first visit by event_time is the row at `starts`.  `first_referrer` (vocabulary indices)
    overrides the referrer of each day's first visit, e.g. the channel of a campaign.
    """
    n_visits = rng.geometric(SESSIONS_PER_DAY_P, len(days))
    starts = group_starts(n_visits)
    day_of = np.repeat(np.arange(len(days)), n_visits)
    n_rows = len(day_of)
    user = days.user[day_of]
    mean_pages = users.pages_mean[user]
    pages = np.maximum(1, np.rint(mean_pages * rng.lognormal(-PAGES_SIGMA ** 2 / 2, PAGES_SIGMA, n_rows)))
    duration = np.floor(pages * users.minutes_per_page[user]
                        * rng.lognormal(-DURATION_SIGMA ** 2 / 2, DURATION_SIGMA, n_rows))
    first_hour = rng.choice(24, len(days), p=HOUR_TRAFFIC)
    first_time = first_hour * 3600 + rng.integers(0, 3600, len(days))
    gap = np.roll(duration, 1) * 60 + rng.exponential(GAP_BETWEEN_VISITS_S, n_rows)
    gap[starts] = 0
    elapsed = np.cumsum(gap.astype(np.int64))
    visit_time = np.minimum(first_time[day_of] + elapsed - elapsed[starts][day_of], 86399)
    bucket, referrer = _draw_referrers(rng, days.domain[day_of])
    if first_referrer is not None:
        _, offsets, sizes = referrer_vocabulary()
        referrer[starts] = first_referrer
        bucket[starts] = np.searchsorted(offsets + sizes, first_referrer, side="right")
    return Visits(
        day_of=day_of,
        time=visit_time.astype(np.int32),
        pages=pages.astype(np.int32),
        duration=duration.astype(np.int32),
        referrer=referrer,
        site_session_id=rng.integers(10 ** 15, 78 * 10 ** 17, n_rows, dtype=np.uint64),
        user_session_id=rng.integers(10 ** 9, 10 ** 11, n_rows),
        starts=starts,
        n_visits=n_visits,
        pages_day=np.add.reduceat(pages, starts),
        duration_day=np.add.reduceat(duration, starts),
        first_bucket=bucket[starts],
        first_hour=first_hour,
    )


# --------------------------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------------------------

# Lapsed customers' days cannot convert; the others' conversion is raised to keep each domain on
# its reference rate, up to this rate, solved in this many fixed-point rounds.
MAX_OPEN_CONVERSION = 0.5
LAPSE_INTERCEPT_ROUNDS = 3


def _conversion_logit(days: Days, visits: Visits, users: Users, scenario: Scenario) -> np.ndarray:
    """Logit of a pseudo-session converting, before the domain intercept and recency."""
    dom = days.domain
    weekend = WEEKDAY[days.day] >= 5
    season = scenario.season_amplitude * np.cos(2 * np.pi * (MONTH[days.day] - 11) / 12)
    return (season + users.conversion_shift[days.user]
            + field_values(DOMAINS, "log_pages_coef")[dom] * np.log(visits.pages_day)
            + field_values(DOMAINS, "pages_coef")[dom] * np.minimum(visits.pages_day, PAGES_CAP)
            + BOUNCE_EFFECT * (visits.pages_day == 1)
            + field_values(DOMAINS, "duration_coef")[dom] * np.log1p(visits.duration_day)
            + np.array(field_values(DOMAINS, "referrer_effect"))[dom, visits.first_bucket]
            + HOUR_EFFECT[visits.first_hour]
            + WEEKEND_EFFECT * weekend
            + MONTH_EFFECT[MONTH[days.day]])


def _solve_intercept(logit: np.ndarray, target: float) -> float:
    """Damped Newton solve of c with mean(sigmoid(logit + c)) = target, on a fixed-stride sample."""
    sample = logit[:: max(1, len(logit) // 200_000)]
    c = 0.0
    for _ in range(50):
        p = sigmoid(sample + c)
        step = np.clip((p.mean() - target) / max((p * (1 - p)).mean(), 1e-9), -1.0, 1.0)
        c -= step
        if abs(step) < 1e-7:
            break
    return c


def _domain_intercepts(logit: np.ndarray, days: Days) -> np.ndarray:
    """Per-row intercept that puts each domain's conversion on its reference rate."""
    intercept = np.zeros(len(DOMAINS))
    for d, domain in enumerate(DOMAINS):  # five domains
        mask = days.domain == d
        if mask.any():
            intercept[d] = _solve_intercept(logit[mask], domain.conversion_target)
    return intercept[days.domain]


def _intercepts_despite_lapses(logit: np.ndarray, days: Days, can_buy: np.ndarray) -> np.ndarray:
    """Per-row intercept that keeps each domain's conversion in each year where it would be
    without lapses, counting the rows that cannot buy (lapsed customers) as zeros: the rows that
    can buy make up for them. Per year, because lapses accumulate over the years."""
    rate = sigmoid(logit + _domain_intercepts(logit, days))
    cell = days.domain.astype(np.int64) * (YEAR.max() + 1) + YEAR[days.day]
    intercept = np.zeros(len(days))
    for key in np.unique(cell):  # domains x years: twenty cells
        rows = cell == key
        open_rows = rows & can_buy
        if open_rows.any():
            target = min(rate[rows].sum() / open_rows.sum(), MAX_OPEN_CONVERSION)
            intercept[rows] = _solve_intercept(logit[open_rows], target)
    return intercept


def _draw_until_lapse(u: np.ndarray, logit: np.ndarray, days: Days, lapses: Lapses) -> np.ndarray:
    """Purchases from one uniform per row, each pair stopping at its K-th purchase day, with the
    domain intercepts solved for the rows still open to buying (a few fixed-point rounds: solving
    for the open rows lets more of them buy, which closes a few more)."""
    can_buy = np.ones(len(days), dtype=bool)
    for _ in range(LAPSE_INTERCEPT_ROUNDS):
        purchased = until_lapse(u < sigmoid(logit + _intercepts_despite_lapses(logit, days, can_buy)), lapses)
        can_buy = purchases_before(purchased, lapses.pair_of_day) < lapses.limit_of_day()
    return purchased


def days_since_previous_purchase(days: Days, purchased: np.ndarray) -> np.ndarray:
    """Days since the previous purchase day of the same (user, domain); NaN when none.

    Vectorised with one running maximum: rows are sorted by (user, domain, day) and each row
    is keyed group * DAY_KEY (+ day + 1 when purchased), so the running maximum of the rows
    before i is in i's own group exactly when that group already had a purchase.
    """
    base = (days.user.astype(np.int64) * len(DOMAINS) + days.domain) * DAY_KEY
    running = np.maximum.accumulate(np.where(purchased, base + days.day + 1, base))
    previous = np.concatenate(([-1], running[:-1]))
    return np.where(previous > base, days.day - (previous - base - 1), np.nan)


def _recency_effect(days: Days, purchased: np.ndarray) -> np.ndarray:
    since = days_since_previous_purchase(days, purchased)
    return np.where(np.isnan(since), NEVER_BOUGHT_EFFECT, RECENCY_COEF * np.log1p(np.nan_to_num(since)))


def _signal_scrambler(rng: np.random.Generator, days: Days, scenario: Scenario) -> np.ndarray:
    """Row order that shuffles conversion logits among the pseudo-sessions of the scenario's
    no-signal window: the same rates there, but none follows the session's own features."""
    order = np.arange(len(days))
    if scenario.no_signal_window is not None:
        start, until = (day_index(day) for day in scenario.no_signal_window)
        window = np.flatnonzero((days.day >= start) & (days.day < until))
        order[window] = rng.permutation(window)
    return order


def draw_conversions(rng: np.random.Generator, days: Days, visits: Visits, users: Users,
                      scenario: Scenario, lapses: Lapses) -> np.ndarray:
    """Converted flag per pseudo-session, in two passes so recency can feed back.

    Pass 1 draws provisional purchases without recency; their days-since-last-purchase enter
    pass 2.  Both passes share one uniform per row, so the final purchases mostly coincide with
    the provisional ones and the recency the model saw is close to the recency in the data.
    In both, a customer buys nothing on a domain after the purchase day they lapse at (lapses).
    """
    u = rng.random(len(days))
    scrambled = _signal_scrambler(rng, days, scenario)
    logit = _conversion_logit(days, visits, users, scenario)[scrambled]
    provisional = _draw_until_lapse(u, logit, days, lapses)
    logit = (logit + _recency_effect(days, provisional))[scrambled]
    return _draw_until_lapse(u, logit, days, lapses)
