"""Synthetic Comscore Web Behavior panel with known structure, for building and testing the pipeline.

The real panel (document 000) cannot be shipped, so this module generates one with the same
schema, the same quirks (UBIGINT ids beyond signed 64-bit, ``H:MM:SS`` times, unknown codes,
``site_session_id = 0`` on most transaction rows, exact duplicate rows) and marginals close to
the published figures (SPEC.md).  It also plants the latent structure the models are meant to
recover, and writes that ground truth to a separate ``truth/`` folder:

* four user types (dormant / occasional / frequent_browser / engaged_spender) that drive visit
  frequency, engagement, basket size and purchase recency, so k-means personas can find them;
* a pseudo-session (machine_id, event_date, domain_name) conversion model driven by the day's
  pages and duration, days since the last purchase, first referrer, hour, weekday and season,
  weaker and shifted on the four non-Amazon domains (imperfect cross-domain transfer);
* campaign exposures on amazon.com whose hidden intent is prompted (buys only because of the
  campaign), organic (buys in the window anyway) or none (document 004), where being prompted
  depends on pre-exposure behaviour that differs from the RFM "Champions" profile.

Files in ``--out`` (CSV with header, or Parquet): ``sessions``, ``transactions`` and
``campaign_exposures`` (campaign_id is VARCHAR, ``C<launch year>_<month>`` e.g. ``C2022_05``),
plus ``truth/user_types`` and ``truth/campaign_intent``, which the pipeline never reads.

Everything is vectorised numpy (no Python loop over users, days or sessions); tables are written
through DuckDB.  One seed gives identical files.  Usage::

    python -m shopper_propensity.panel --sessions 500000 --seed 7 --out data/panel [--format parquet] [--report]

A panel larger than memory (e.g. 138M session rows) is generated as independent household
shards appended to the same files, one shard in memory at a time: ``--shards 28``.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------

START_DATE = np.datetime64("2020-01-01", "D")
N_DAYS = 1461  # 2020-01-01 .. 2023-12-31
DAY_KEY = 2048  # > N_DAYS: packs (group, day) into one sortable int64
_EPOCH_DAY = int((START_DATE - np.datetime64("1970-01-01", "D")).astype(int))
_CALENDAR = START_DATE + np.arange(N_DAYS)
WEEKDAY = (np.arange(N_DAYS) + 2) % 7  # Monday = 0; 2020-01-01 was a Wednesday
MONTH = _CALENDAR.astype("datetime64[M]").astype(int) % 12  # January = 0

# Traffic grows ~30% over the four years (on top of users joining) and rises in November/December.
_SEASON_TRAFFIC = np.array([1.0] * 10 + [1.2, 1.3])
_DAY_WEIGHT = (1.0 + 0.3 * np.arange(N_DAYS) / N_DAYS) * _SEASON_TRAFFIC[MONTH]
DAY_WEIGHT_CDF = np.concatenate(([0.0], np.cumsum(_DAY_WEIGHT)))

# Hour of day (UTC) of a day's first visit: a US panel browses in the US evening.
HOUR_TRAFFIC = np.array([5.5, 5.0, 4.5, 3.5, 2.5, 1.8, 1.3, 1.0, 1.0, 1.2, 1.6, 2.3,
                         3.0, 3.8, 4.4, 4.8, 5.0, 5.2, 5.4, 5.6, 5.8, 6.0, 6.0, 5.8])
HOUR_TRAFFIC = HOUR_TRAFFIC / HOUR_TRAFFIC.sum()
# Conversion peaks 14:00-18:00 UTC and dips in the early morning (document 000 §5.4).
HOUR_EFFECT = np.array([0.0, 0.0, 0.0, -0.1, -0.35, -0.4, -0.4, -0.4, -0.35, -0.2, -0.1, 0.0,
                        0.05, 0.15, 0.35, 0.4, 0.4, 0.4, 0.35, 0.1, 0.0, 0.0, 0.0, 0.0])
WEEKEND_EFFECT = 0.12
MONTH_EFFECT = np.array([0.0] * 10 + [0.12, 0.2])

# 86,400 'H:MM:SS' labels (hour without a leading zero), indexed by second of day.
TIME_LABELS = [f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in range(86400)]

# --------------------------------------------------------------------------------------------
# Latent user types (document 000 §6.3)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserType:
    """Behaviour of one latent user type; the values drive separable per-user aggregates."""

    name: str
    share: float
    visit_rate: float  # median visit-day draws per year of activity on the home domain
    span_days: tuple[int, int]  # range of the length of the user's span of activity
    lateness: float  # Beta(lateness, 1) placement of the span: > 1 puts it near 2023
    pages: float  # mean pages per visit
    minutes_per_page: float
    conversion_shift: float  # logit shift of the user's pseudo-session conversion
    spend_shift: float  # log shift of the user's basket values


# Document 000 §6.3: Dormant = long-standing households that rarely visit (spans longer than the
# window, so most are watched all four years) and buy every ~300 days, ~8 pages / ~8 minutes;
# Occasional Buyers = brief, purposeful visits for some months, buying about monthly;
# Frequent Browsers = near-daily visits, ~9 pages / ~9 minutes; Engaged Spenders = deep, long
# sessions, big baskets, frequent buying.
USER_TYPES = (
    #        name, share, visit_rate, span_days, lateness, pages, minutes_per_page, conversion, spend
    UserType("dormant", 0.35, 3.5, (4000, 8000), 1.0, 8.0, 1.0, 2.8, 0.25),
    UserType("occasional", 0.30, 50, (300, 600), 1.15, 4.0, 0.75, 2.9, 0.15),
    UserType("frequent_browser", 0.20, 470, (350, 600), 1.15, 9.0, 1.0, 1.4, -0.1),
    UserType("engaged_spender", 0.15, 157, (240, 420), 2.0, 23.0, 0.96, 1.3, 0.9),
)
ROWS_PER_USER = 92  # reference: 13.8M session rows / 150K users
MACHINE_ID_BASE = 10_000_000  # machine_ids count up from here in random steps
# Per-user spread around the type: tight enough for personas to be recoverable, wide enough to overlap.
VISIT_RATE_SPREAD = 0.3  # log-sd of visit days
CONVERSION_SPREAD = 0.35  # logit sd
SPEND_SPREAD = 0.2  # log-sd of basket level
PAGES_SPREAD = 0.15  # log-sd of mean pages per visit
MINUTES_SPREAD = 0.12  # log-sd of minutes per page

# --------------------------------------------------------------------------------------------
# Domains and referrers
# --------------------------------------------------------------------------------------------

REFERRER_BUCKETS = ("direct", "search", "social", "marketplace", "other")
OTHER_REFERRERS = ("news.example.org", "coupons.example.com", "mail.example.com",
                   "ads.example.net", "blog.example.com", "forum.example.org")
REFERRER_SEED = Path(__file__).resolve().parents[1] / "seeds" / "referrer_domains.csv"


_OTHER_MIX = (0.20, 0.40, 0.12, 0.08, 0.20)
_OTHER_REF = (0.55, 0.0, -0.35, 0.35, 0.1)  # shifted from amazon: direct beats marketplace, search neutral


@dataclass(frozen=True)
class Domain:
    """One retail domain: reach, reference targets and its own feature→conversion relation.

    The defaults describe the four non-Amazon domains: fewer visits, slightly lower conversion,
    a weaker pages effect and a different referrer effect than amazon.com.
    """

    name: str
    domain_id: int
    home_share: float  # share of users whose main retailer this is
    aov: float  # reference mean basket total (document 000 Table 3)
    item_sigma: float  # log-sd of item line totals
    secondary_rate: float = 0.12  # chance a user also visits it now and then
    home_intensity: float = 0.17  # visit-day multiplier for users at home here
    conversion_target: float = 0.095  # mean pseudo-session conversion the intercept is solved for
    log_pages_coef: float = 0.12  # logit per log(day's pages): the rise over short visits
    pages_coef: float = 0.008  # logit per page that day (up to PAGES_CAP): the steep rise of long ones
    duration_coef: float = 0.1  # logit per log1p(day's minutes)
    referrer_mix: tuple[float, ...] = _OTHER_MIX  # share of visits per REFERRER_BUCKETS
    referrer_effect: tuple[float, ...] = _OTHER_REF  # logit per REFERRER_BUCKETS


DOMAINS = (
    Domain("amazon.com", 10594207263040151578, home_share=0.50, aov=62.21, item_sigma=0.95,
           secondary_rate=0.14, home_intensity=1.0, conversion_target=0.099, log_pages_coef=0.25,
           pages_coef=0.017, referrer_mix=(0.22, 0.36, 0.12, 0.10, 0.20),
           referrer_effect=(0.7, -0.05, -0.05, 1.15, -0.3)),
    Domain("ebay.com", 9742166405326581767, home_share=0.15, aov=65.33, item_sigma=1.0),
    Domain("walmart.com", 4718209153217318025, home_share=0.15, aov=97.51, item_sigma=0.95),
    Domain("etsy.com", 1182635449037052183, home_share=0.08, aov=25.43, item_sigma=0.8, secondary_rate=0.10),
    Domain("target.com", 7611309844172880349, home_share=0.12, aov=79.64, item_sigma=0.9),
)
AMAZON = 0
SECONDARY_INTENSITY = 0.11

# Visits within a pseudo-session and their engagement.
SESSIONS_PER_DAY_P = 0.60  # geometric: 60% one visit, 24% two, 10% three
PAGES_SIGMA = 1.0
DURATION_SIGMA = 0.5
GAP_BETWEEN_VISITS_S = 5400
DIRECT_NULL_SHARE = 0.3  # direct visits: NULL referrer, else ''

# Conversion: log(pages) + linear pages (gentle over short visits, steep for long ones), a
# one-page bounce rarely buys, and the days since the previous purchase on the domain lower it.
# Amazon's intercept is solved on all years at 9.9%; user growth puts 2023 near the 10.3% reference.
PAGES_CAP = 120
BOUNCE_EFFECT = -0.4
RECENCY_COEF = -0.3
NEVER_BOUGHT_EFFECT = -1.1
EDUCATION_UNKNOWN_EFFECT = -0.2
INCOME_EFFECT = 0.04

# Baskets.
SECOND_BASKET_RATE = 0.16
ITEMS_P = 0.42  # geometric distinct products: 42% one, 80% at most three
QTY_P = 0.8
BASKET_SIGMA = 0.35
LINKED_SESSION_RATE = 0.40  # transaction rows carrying a real site_session_id (60% are 0)
DUPLICATE_RATE = 0.0005

# --------------------------------------------------------------------------------------------
# Scenarios: conditions of real panels the default one does not show (issue 14)
# --------------------------------------------------------------------------------------------


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


def _day_index(iso_date: str) -> int:
    return int((np.datetime64(iso_date) - START_DATE).astype(int))

# --------------------------------------------------------------------------------------------
# Campaigns (document 004)
# --------------------------------------------------------------------------------------------

CAMPAIGN_LAUNCHES = ("2021-02-08", "2021-05-10", "2021-08-16", "2021-11-08", "2022-02-14",
                     "2022-05-09", "2022-08-15", "2022-11-07", "2023-03-13", "2023-06-12",
                     "2023-09-11")
CAMPAIGN_IDS = tuple(f"C{d[:4]}_{d[5:7]}" for d in CAMPAIGN_LAUNCHES)
CAMPAIGN_ROLLOUT_DAYS = 7
CAMPAIGN_WINDOW_DAYS = 30
EXPOSURE_RATE = 0.5  # of amazon.com users already active at launch
CHANNELS = ("email", "display", "social", "push")
CHANNEL_SHARE = (0.45, 0.25, 0.15, 0.15)
CHANNEL_PROMPT_EFFECT = np.array([0.3, -0.2, 0.0, 0.1])
CHANNEL_REFERRER = ("mail.example.com", "ads.example.net", "facebook.com", "")
INTENTS = ("prompted", "organic", "none")
PROMPT_BASE = -4.4
# Logit effects on being prompted, from behaviour before the exposure (see _prompt_logit).
PROMPT_EFFECTS = {
    "lapsed_buyer": 1.2,  # last amazon purchase 45-540 days before
    "never_bought": -1.0,
    "moderate_frequency": 0.7,  # 1-6 purchase days in the prior year
    "heavy_buyer": -1.2,  # more than 12
    "browsing_without_buying": 0.8,  # visited in the prior 30 days without buying
    "engaged_before": 1.0,  # engaged with an earlier campaign
    "spend_level": -1.5,  # per unit of the user's log basket level: price-sensitive users respond
}
ENGAGE_RATE = {"none": 0.07}
# Organic buyers who engage anyway are the label noise of document 004: loyal, frequent buyers
# click on campaigns they did not need, so their chance rises with prior-year purchase days
# (logit = base + slope * log1p(days); ~0.17 with none, ~0.37 with 5, ~0.5 with 15).
ORGANIC_ENGAGE_BASE = -1.6
ORGANIC_ENGAGE_SLOPE = 0.6
ENGAGE_LAG_P = 0.35  # geometric days from exposure to engagement (at most a week)
PURCHASE_LAG_P = 0.15  # geometric days from engagement to the prompted purchase (at most 3 weeks)
PROMPTED_SPEND_SHIFT = -0.25  # prompted buyers are price sensitive

# --------------------------------------------------------------------------------------------
# Product catalogue and demographics
# --------------------------------------------------------------------------------------------

CATEGORIES = (
    ("Electronics", ("Wireless Earbuds", "Phone Charger", "USB-C Cable", "Bluetooth Speaker", "Smart Plug")),
    ("Home & Kitchen", ("Coffee Maker", "Nonstick Skillet", "Storage Bins", "Knife Set", "Air Fryer")),
    ("Books", ("Paperback Novel", "Cookbook", "Picture Book", "Puzzle Book", "Weekly Planner")),
    ("Beauty", ("Face Moisturizer", "Shampoo", "Lip Balm", "Hair Dryer", "Nail Polish")),
    ("Toys & Games", ("Building Blocks", "Board Game", "Plush Toy", "Jigsaw Puzzle", "Action Figure")),
    ("Clothing", ("Cotton T-Shirt", "Running Socks", "Denim Jeans", "Hoodie", "Rain Jacket")),
    ("Grocery", ("Ground Coffee", "Protein Bars", "Olive Oil", "Snack Mix", "Sparkling Water")),
    ("Health", ("Vitamin D3", "Pain Relief Tablets", "First Aid Kit", "Thermometer", "Face Masks")),
    ("Pet Supplies", ("Dog Food", "Cat Litter", "Chew Toy", "Pet Bed", "Fish Flakes")),
    ("Sports & Outdoors", ("Yoga Mat", "Water Bottle", "Camping Lantern", "Resistance Bands", "Bike Light")),
    ("Office", ("Printer Paper", "Gel Pens", "Desk Organizer", "Sticky Notes", "Laptop Stand")),
    ("Jewelry", ("Handmade Necklace", "Silver Ring", "Beaded Bracelet", "Stud Earrings", "Charm Pendant")),
    ("Arts & Crafts", ("Knitting Yarn", "Watercolor Set", "Sticker Pack", "Sewing Kit", "Scented Candle")),
    ("Automotive", ("Wiper Blades", "Car Phone Mount", "Motor Oil", "Tire Gauge", "Seat Covers")),
    ("Baby", ("Diapers", "Baby Wipes", "Pacifier", "Sippy Cup", "Swaddle Blanket")),
    ("Collectibles", ("Trading Cards", "Vintage Coin", "Vinyl Record", "Comic Book", "Model Car")),
)
VARIANTS = ("", " Pro", " Mini", " XL", " Deluxe", " Classic", " - Pack of 2", " Value Size")
CATEGORY_IDS = np.array([40_000_000_000 + 1_009 * (i + 1) for i in range(len(CATEGORIES))], dtype=np.int64)
# Relative category weights per domain (1 when not listed).
CATEGORY_AFFINITY = {
    "amazon.com": {"Electronics": 2, "Books": 2, "Home & Kitchen": 2},
    "ebay.com": {"Collectibles": 5, "Electronics": 2, "Automotive": 2},
    "walmart.com": {"Grocery": 4, "Home & Kitchen": 2, "Baby": 2},
    "etsy.com": {"Jewelry": 6, "Arts & Crafts": 6, "Clothing": 2},
    "target.com": {"Home & Kitchen": 2, "Clothing": 2, "Baby": 2, "Beauty": 2},
}

# column -> (codes, probabilities); unknown codes (99, -88) and NULLs (-1 here) at realistic rates.
DEMOGRAPHICS = {
    "hoh_most_education": ((1, 2, 3, 4, 5, 99, -88), (0.05, 0.13, 0.17, 0.21, 0.14, 0.20, 0.10)),
    "census_region": ((1, 2, 3, 4, 99), (0.17, 0.21, 0.37, 0.23, 0.02)),
    "household_size": ((1, 2, 3, 4, 5, 6, 99, -88), (0.18, 0.29, 0.20, 0.14, 0.08, 0.06, 0.03, 0.02)),
    "hoh_oldest_age": (tuple(range(1, 12)) + (99,),
                       (0.02, 0.05, 0.08, 0.11, 0.13, 0.14, 0.13, 0.11, 0.09, 0.06, 0.05, 0.03)),
    "household_income": ((11, 12, 13, 14, 15, 16, 17, 18, 99),
                         (0.19, 0.10, 0.08, 0.08, 0.09, 0.10, 0.11, 0.20, 0.05)),
    "children": ((0, 1), (0.64, 0.36)),
    "racial_background": ((1, 2, 3, 5), (0.72, 0.12, 0.08, 0.08)),
    "connection_speed": ((1, 2, 3, 4, -1), (0.10, 0.25, 0.30, 0.12, 0.23)),
    "hispanic": ((0, 1), (0.87, 0.13)),
}
ZIP_NULL_SHARE = 0.1
NULL_CODE = -1

# --------------------------------------------------------------------------------------------
# Output contract
# --------------------------------------------------------------------------------------------

SCHEMAS: dict[str, tuple[tuple[str, str], ...]] = {
    "sessions": (
        ("machine_id", "BIGINT"), ("site_session_id", "UBIGINT"), ("user_session_id", "BIGINT"),
        ("domain_id", "UBIGINT"), ("ref_domain__name", "VARCHAR"), ("pages_viewed", "INTEGER"),
        ("duration", "INTEGER"), ("event_date", "DATE"), ("event_time", "VARCHAR"),
        ("hoh_most_education", "INTEGER"), ("census_region", "INTEGER"), ("household_size", "INTEGER"),
        ("hoh_oldest_age", "INTEGER"), ("household_income", "INTEGER"), ("children", "INTEGER"),
        ("racial_background", "INTEGER"), ("connection_speed", "INTEGER"), ("hispanic", "INTEGER"),
        ("zip_code", "INTEGER"), ("domain_name", "VARCHAR"),
    ),
    "transactions": (
        ("machine_id", "BIGINT"), ("site_session_id", "UBIGINT"), ("prod_category_id", "BIGINT"),
        ("prod_name", "VARCHAR"), ("domain_id", "UBIGINT"), ("prod_qty", "INTEGER"),
        ("prod_totprice", "DOUBLE"), ("basket_tot", "DOUBLE"), ("event_date", "DATE"),
        ("event_time", "VARCHAR"), ("domain_name", "VARCHAR"),
    ),
    "campaign_exposures": (
        ("machine_id", "BIGINT"), ("campaign_id", "VARCHAR"), ("exposed_date", "DATE"),
        ("channel", "VARCHAR"), ("engaged_date", "DATE"),
    ),
    "truth/user_types": (("machine_id", "BIGINT"), ("user_type", "VARCHAR")),
    "truth/campaign_intent": (("machine_id", "BIGINT"), ("campaign_id", "VARCHAR"), ("intent", "VARCHAR")),
}
FORMATS = ("csv", "parquet")

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))


def _field(records, name: str) -> np.ndarray:
    """Column `name` of a tuple of dataclasses, as an array indexable by record number."""
    return np.array([getattr(r, name) for r in records])


def _draw_categorical(rng: np.random.Generator, probs: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One draw per row from the categorical distribution `probs[group[row]]` (G x K table)."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(group))
    out = np.zeros(len(group), dtype=np.int8)
    for k in range(probs.shape[1] - 1):  # loop over categories, not rows
        out += u >= cum[group, k]
    return out


def _group_starts(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def load_referrer_buckets(path: Path = REFERRER_SEED) -> dict[str, tuple[str, ...]]:
    """Referrer domains per bucket from the dbt seed, so generator and pipeline agree."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {b: tuple(r["referrer_domain"] for r in rows if r["referrer_bucket"] == b)
            for b in ("search", "social", "marketplace")}


def referrer_vocabulary() -> tuple[list[str], np.ndarray, np.ndarray]:
    """All referrer strings ('' first = direct) and each bucket's offset and size in that list."""
    seeded = load_referrer_buckets()
    members = {"direct": ("",), **seeded, "other": OTHER_REFERRERS}
    vocab = [name for b in REFERRER_BUCKETS for name in members[b]]
    sizes = np.array([len(members[b]) for b in REFERRER_BUCKETS])
    return vocab, _group_starts(sizes), sizes


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


def _draw_users(rng: np.random.Generator, n: int, machine_id_base: int = MACHINE_ID_BASE) -> Users:
    """Households with a latent type, a span of activity and personal behaviour around the type.

    A span may begin before 2020 or run past 2023 and only its part inside the window is
    observed, so the panel has no artificial ramp-up or ramp-down at its edges.  machine_ids
    are all above `machine_id_base` (a shard starts above the previous shard's last id).
    """
    utype = rng.choice(len(USER_TYPES), n, p=_field(USER_TYPES, "share"))
    lo, hi = np.array([t.span_days for t in USER_TYPES]).T
    span = rng.integers(lo[utype], hi[utype] + 1)
    placement = rng.beta(_field(USER_TYPES, "lateness")[utype], 1.0)
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
        conversion_shift=(_field(USER_TYPES, "conversion_shift")[utype]
                          + rng.normal(0.0, CONVERSION_SPREAD, n) + demo_effect),
        pages_mean=_field(USER_TYPES, "pages")[utype] * rng.lognormal(0.0, PAGES_SPREAD, n),
        minutes_per_page=_field(USER_TYPES, "minutes_per_page")[utype] * rng.lognormal(0.0, MINUTES_SPREAD, n),
        spend_shift=_field(USER_TYPES, "spend_shift")[utype] + rng.normal(0.0, SPEND_SPREAD, n),
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
    home = rng.choice(len(DOMAINS), n_users, p=_field(DOMAINS, "home_share"))
    secondary = rng.random((n_users, len(DOMAINS))) < _field(DOMAINS, "secondary_rate")
    intensity = np.where(secondary, SECONDARY_INTENSITY, 0.0)
    intensity[np.arange(n_users), home] = _field(DOMAINS, "home_intensity")[home]
    return intensity


def _draw_visit_days(rng: np.random.Generator, users: Users, scenario: Scenario) -> Days:
    """Distinct visit days per (user, domain), inside the user's span, growth/season weighted.

    Days are drawn with replacement and de-duplicated; the result is sorted by
    (user, domain, day), which the recency computation relies on.
    """
    intensity = _domain_intensity(rng, len(users.machine_id))
    pair_user, pair_domain = np.nonzero(intensity)
    start, end = users.span_start[pair_user], users.span_end[pair_user]
    years = (end - start + 1) / 365.0
    rate = _field(USER_TYPES, "visit_rate")[users.user_type[pair_user]] * intensity[pair_user, pair_domain]
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
    keep = day >= (_day_index(scenario.first_day) if scenario.first_day else 0)
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
    bucket = _draw_categorical(rng, np.array(_field(DOMAINS, "referrer_mix")), domain)
    code = offsets[bucket] + np.floor(rng.random(len(bucket)) * sizes[bucket]).astype(np.int64)
    null_direct = (bucket == REFERRER_BUCKETS.index("direct")) & (rng.random(len(bucket)) < DIRECT_NULL_SHARE)
    return bucket, np.where(null_direct, NULL_CODE, code).astype(np.int32)


def _simulate_visits(rng: np.random.Generator, days: Days, users: Users,
                     first_referrer: np.ndarray | None = None) -> Visits:
    """Raw sessions of each pseudo-session: count, start times, pages, minutes and referrer.

    Visits of a day follow each other (start = previous start + its duration + a gap), so the
    first visit by event_time is the row at `starts`.  `first_referrer` (vocabulary indices)
    overrides the referrer of each day's first visit, e.g. the channel of a campaign.
    """
    n_visits = rng.geometric(SESSIONS_PER_DAY_P, len(days))
    starts = _group_starts(n_visits)
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


def _conversion_logit(days: Days, visits: Visits, users: Users, scenario: Scenario) -> np.ndarray:
    """Logit of a pseudo-session converting, before the domain intercept and recency."""
    dom = days.domain
    weekend = WEEKDAY[days.day] >= 5
    season = scenario.season_amplitude * np.cos(2 * np.pi * (MONTH[days.day] - 11) / 12)
    return (season + users.conversion_shift[days.user]
            + _field(DOMAINS, "log_pages_coef")[dom] * np.log(visits.pages_day)
            + _field(DOMAINS, "pages_coef")[dom] * np.minimum(visits.pages_day, PAGES_CAP)
            + BOUNCE_EFFECT * (visits.pages_day == 1)
            + _field(DOMAINS, "duration_coef")[dom] * np.log1p(visits.duration_day)
            + np.array(_field(DOMAINS, "referrer_effect"))[dom, visits.first_bucket]
            + HOUR_EFFECT[visits.first_hour]
            + WEEKEND_EFFECT * weekend
            + MONTH_EFFECT[MONTH[days.day]])


def _solve_intercept(logit: np.ndarray, target: float) -> float:
    """Damped Newton solve of c with mean(sigmoid(logit + c)) = target, on a fixed-stride sample."""
    sample = logit[:: max(1, len(logit) // 200_000)]
    c = 0.0
    for _ in range(50):
        p = _sigmoid(sample + c)
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
        start, until = (_day_index(day) for day in scenario.no_signal_window)
        window = np.flatnonzero((days.day >= start) & (days.day < until))
        order[window] = rng.permutation(window)
    return order


def _draw_conversions(rng: np.random.Generator, days: Days, visits: Visits, users: Users,
                      scenario: Scenario) -> np.ndarray:
    """Converted flag per pseudo-session, in two passes so recency can feed back.

    Pass 1 draws provisional purchases without recency; their days-since-last-purchase enter
    pass 2.  Both passes share one uniform per row, so the final purchases mostly coincide with
    the provisional ones and the recency the model saw is close to the recency in the data.
    """
    u = rng.random(len(days))
    scrambled = _signal_scrambler(rng, days, scenario)
    logit = _conversion_logit(days, visits, users, scenario)[scrambled]
    provisional = u < _sigmoid(logit + _domain_intercepts(logit, days))
    logit = (logit + _recency_effect(days, provisional))[scrambled]
    return u < _sigmoid(logit + _domain_intercepts(logit, days))


# --------------------------------------------------------------------------------------------
# Campaigns
# --------------------------------------------------------------------------------------------


@dataclass
class Exposures:
    """One entry per (user, campaign) exposure, with its hidden intent."""

    user: np.ndarray
    campaign: np.ndarray
    exposed_day: np.ndarray
    channel: np.ndarray
    engaged_day: np.ndarray  # NULL_CODE when not engaged
    intent: np.ndarray  # index into INTENTS
    purchase_day: np.ndarray  # prompted purchase day, NULL_CODE otherwise


def _count_between(keys: np.ndarray, user_key: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Number of sorted `keys` in [user_key + lo, user_key + hi) per row (days clipped at 0)."""
    lo, hi = np.maximum(lo, 0), np.maximum(hi, 0)
    return np.searchsorted(keys, user_key + hi) - np.searchsorted(keys, user_key + lo)


def _prompt_logit(user: np.ndarray, exposed: np.ndarray, channel: np.ndarray, users: Users,
                  visit_keys: np.ndarray, purchase_keys: np.ndarray, engaged_before: np.ndarray) -> np.ndarray:
    """Propensity to be nudged into buying, from behaviour observable before the exposure.

    Lapsed-but-once-active users with moderate purchase frequency, smaller baskets, recent
    browsing without buying and past campaign engagement are the ones a campaign tips over;
    heavy recent buyers (RFM Champions) are not - they buy anyway (organic).
    """
    user_key = user.astype(np.int64) * DAY_KEY
    last = np.searchsorted(purchase_keys, user_key + exposed) - 1
    has_last = (last >= 0) & (purchase_keys[np.maximum(last, 0)] >= user_key)
    since_last = exposed - (purchase_keys[np.maximum(last, 0)] - user_key)
    bought_365 = _count_between(purchase_keys, user_key, exposed - 365, exposed)
    browsed_30 = _count_between(visit_keys, user_key, exposed - 30, exposed)
    bought_30 = _count_between(purchase_keys, user_key, exposed - 30, exposed)
    effect = PROMPT_EFFECTS
    return (PROMPT_BASE
            + effect["lapsed_buyer"] * (has_last & (since_last >= 45) & (since_last <= 540))
            + effect["never_bought"] * ~has_last
            + effect["moderate_frequency"] * ((bought_365 >= 1) & (bought_365 <= 6))
            + effect["heavy_buyer"] * (bought_365 > 12)
            + effect["browsing_without_buying"] * ((browsed_30 > 0) & (bought_30 == 0))
            + effect["engaged_before"] * engaged_before[user]
            + effect["spend_level"] * users.spend_shift[user]
            + CHANNEL_PROMPT_EFFECT[channel])


def _run_campaign(rng: np.random.Generator, c: int, users: Users, first_visit: np.ndarray,
                  visit_keys: np.ndarray, purchase_keys: np.ndarray, engaged_before: np.ndarray) -> Exposures:
    """Exposures of one campaign with hidden intent, engagement and prompted purchase days."""
    launch = int((np.datetime64(CAMPAIGN_LAUNCHES[c]) - START_DATE).astype(int))
    user = np.flatnonzero((first_visit < launch) & (rng.random(len(first_visit)) < EXPOSURE_RATE))
    n = len(user)
    exposed = launch + rng.integers(0, CAMPAIGN_ROLLOUT_DAYS, n)
    channel = rng.choice(len(CHANNELS), n, p=CHANNEL_SHARE)
    user_key = user.astype(np.int64) * DAY_KEY
    organic = _count_between(purchase_keys, user_key, exposed, exposed + CAMPAIGN_WINDOW_DAYS + 1) > 0
    p_prompted = _sigmoid(_prompt_logit(user, exposed, channel, users, visit_keys, purchase_keys, engaged_before))
    prompted = ~organic & (rng.random(n) < p_prompted)
    intent = np.where(prompted, 0, np.where(organic, 1, 2))
    prior_purchase_days = _count_between(purchase_keys, user_key, exposed - 365, exposed)
    organic_engage_p = _sigmoid(ORGANIC_ENGAGE_BASE + ORGANIC_ENGAGE_SLOPE * np.log1p(prior_purchase_days))
    engage_p = np.where(prompted, 1.0, np.where(organic, organic_engage_p, ENGAGE_RATE["none"]))
    engaged = rng.random(n) < engage_p
    engaged_day = exposed + np.minimum(rng.geometric(ENGAGE_LAG_P, n) - 1, 7)
    purchase_day = engaged_day + np.minimum(rng.geometric(PURCHASE_LAG_P, n) - 1, 21)
    return Exposures(
        user=user, campaign=np.full(n, c), exposed_day=exposed, channel=channel,
        engaged_day=np.where(engaged, engaged_day, NULL_CODE), intent=intent,
        purchase_day=np.where(prompted, purchase_day, NULL_CODE),
    )


def _run_campaigns(rng: np.random.Generator, users: Users, days: Days, converted: np.ndarray) -> Exposures:
    """All campaigns in launch order; engagement in one feeds the next one's propensity."""
    amazon = days.domain == AMAZON
    visit_keys = days.user[amazon].astype(np.int64) * DAY_KEY + days.day[amazon]  # sorted
    purchase_keys = visit_keys[converted[amazon]]
    first_visit = np.full(len(users.machine_id), N_DAYS)
    first_visit[days.user[amazon][::-1]] = days.day[amazon][::-1]  # last write wins: earliest day
    engaged_before = np.zeros(len(users.machine_id), dtype=bool)
    parts = []
    for c in range(len(CAMPAIGN_LAUNCHES)):  # a dozen campaigns, each vectorised
        part = _run_campaign(rng, c, users, first_visit, visit_keys, purchase_keys, engaged_before)
        engaged_before[part.user[part.engaged_day != NULL_CODE]] = True
        parts.append(part)
    return Exposures(*(np.concatenate([getattr(p, f) for p in parts]) for f in Exposures.__dataclass_fields__))


# --------------------------------------------------------------------------------------------
# Baskets and items
# --------------------------------------------------------------------------------------------


def _catalog() -> tuple[list[str], np.ndarray]:
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


def _simulate_items(rng: np.random.Generator, days: Days, visits: Visits, users: Users,
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
    scale = _field(DOMAINS, "aov") * count / np.maximum(np.bincount(domain, expected, len(DOMAINS)), 1e-9)
    item_basket = np.repeat(np.arange(len(basket_day)), n_items)
    sigma = _field(DOMAINS, "item_sigma")[domain[item_basket]]
    noise = sigma * rng.standard_normal(len(item_basket)) - sigma ** 2 / 2
    line = np.maximum(np.round(scale[domain[item_basket]] * np.exp(shift[item_basket] + noise), 2), 0.5)
    basket_total = np.round(np.add.reduceat(line, _group_starts(n_items)), 2)

    names, weights = _catalog()
    category = _draw_categorical(rng, weights, domain[item_basket])
    per_category = len(names) // len(CATEGORIES)
    popularity = 1.0 / np.arange(1, per_category + 1) ** 0.8
    rank = _draw_categorical(rng, popularity[None, :], np.zeros(len(item_basket), dtype=np.int8))
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


# --------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------

RNG_STREAMS = ("users", "days", "visits", "conversion", "campaigns", "prompted_visits", "items", "duplicates")


def _concat_days(a: Days, b: Days) -> Days:
    return Days(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in Days.__dataclass_fields__))


def _concat_visits(a: Visits, b: Visits, n_days_a: int) -> Visits:
    """Visits of two day sets, re-pointing b's row and day indices past a's."""
    offsets = {"day_of": n_days_a, "starts": len(a.day_of)}
    return Visits(**{f: np.concatenate([getattr(a, f), getattr(b, f) + offsets.get(f, 0)])
                     for f in Visits.__dataclass_fields__})


def _labels(indices: np.ndarray, labels) -> pa.DictionaryArray:
    """Dictionary-encoded strings (cheap for millions of rows); NULL_CODE becomes NULL."""
    null = indices == NULL_CODE
    codes = pa.array(np.where(null, 0, indices).astype(np.int32), mask=null)
    return pa.DictionaryArray.from_arrays(codes, pa.array(list(labels), pa.string()))


def _dates(day: np.ndarray) -> pa.Array:
    null = day == NULL_CODE
    return pa.array((day + _EPOCH_DAY).astype(np.int32), mask=null).cast(pa.date32())


def _nullable(values: np.ndarray) -> pa.Array:
    return pa.array(values, mask=values == NULL_CODE)


_DOMAIN_IDS = np.array([d.domain_id for d in DOMAINS], dtype=np.uint64)  # exact: ids exceed int64
_DOMAIN_NAMES = [d.name for d in DOMAINS]


def _sessions_table(users: Users, days: Days, visits: Visits) -> pa.Table:
    user = days.user[visits.day_of]
    domain = days.domain[visits.day_of]
    demographics = {col: _nullable(values[user]) for col, values in users.demographics.items()}
    return pa.table({
        "machine_id": users.machine_id[user],
        "site_session_id": visits.site_session_id,
        "user_session_id": visits.user_session_id,
        "domain_id": _DOMAIN_IDS[domain],
        "ref_domain__name": _labels(visits.referrer, referrer_vocabulary()[0]),
        "pages_viewed": visits.pages,
        "duration": visits.duration,
        "event_date": _dates(days.day[visits.day_of]),
        "event_time": _labels(visits.time, TIME_LABELS),
        **demographics,
        "domain_name": _labels(domain, _DOMAIN_NAMES),
    })


def _transactions_table(users: Users, days: Days, items: Items) -> pa.Table:
    domain = days.domain[items.day_of]
    return pa.table({
        "machine_id": users.machine_id[days.user[items.day_of]],
        "site_session_id": items.site_session_id,
        "prod_category_id": CATEGORY_IDS[items.category],
        "prod_name": _labels(items.product, _catalog()[0]),
        "domain_id": _DOMAIN_IDS[domain],
        "prod_qty": items.qty,
        "prod_totprice": items.line_total,
        "basket_tot": items.basket_total,
        "event_date": _dates(days.day[items.day_of]),
        "event_time": _labels(items.time, TIME_LABELS),
        "domain_name": _labels(domain, _DOMAIN_NAMES),
    })


def _with_duplicates(rng: np.random.Generator, table: pa.Table) -> pa.Table:
    """Append exact copies of a few rows (at least one), as real exports re-send rows."""
    n_copies = min(table.num_rows, max(1, round(DUPLICATE_RATE * table.num_rows)))
    copies = np.sort(rng.choice(table.num_rows, n_copies, replace=False))
    return pa.concat_tables([table, table.take(copies)])


def _user_count(n_sessions: int, rows_per_user: float = ROWS_PER_USER) -> int:
    """Households for about `n_sessions` session rows (rows_per_user each, at least one)."""
    return max(1, round(n_sessions / rows_per_user))


def generate_panel(n_sessions: int = 500_000, seed: int = 7, scenario: str = "default") -> dict[str, pa.Table]:
    """All panel and truth tables, keyed by their path under the output folder (no extension).

    Users scale with the requested sessions (the scenario's rows_per_user); the session row
    count lands within a few percent of `n_sessions` for the default scenario.  Each stage has
    its own seeded stream, so changing one stage does not reshuffle the others.
    """
    chosen = SCENARIOS[scenario]
    return _generate(_user_count(n_sessions, chosen.rows_per_user), np.random.SeedSequence(seed), MACHINE_ID_BASE,
                     chosen)


def _generate(n_users: int, root: np.random.SeedSequence, machine_id_base: int,
              scenario: Scenario = SCENARIOS["default"]) -> dict[str, pa.Table]:
    """The tables of `n_users` households drawn from the stage streams spawned by `root`."""
    rngs = dict(zip(RNG_STREAMS, (np.random.default_rng(s) for s in root.spawn(len(RNG_STREAMS))), strict=True))
    users = _draw_users(rngs["users"], n_users, machine_id_base)
    days = _draw_visit_days(rngs["days"], users, scenario)
    visits = _simulate_visits(rngs["visits"], days, users)
    converted = _draw_conversions(rngs["conversion"], days, visits, users, scenario)
    exposures = _run_campaigns(rngs["campaigns"], users, days, converted)
    if scenario.single_visit:  # a campaign purchase would be a second visit
        exposures = Exposures(*(getattr(exposures, f)[:0] for f in Exposures.__dataclass_fields__))

    # Prompted purchases: an extra amazon.com visit (referred by the campaign channel) that buys.
    prompted = exposures.purchase_day != NULL_CODE
    prompted_days = Days(user=exposures.user[prompted], domain=np.full(prompted.sum(), AMAZON, np.int8),
                         day=exposures.purchase_day[prompted].astype(np.int32))
    vocab = referrer_vocabulary()[0]
    channel_referrer = np.array([vocab.index(r) for r in CHANNEL_REFERRER], dtype=np.int32)
    prompted_visits = _simulate_visits(rngs["prompted_visits"], prompted_days, users,
                                       channel_referrer[exposures.channel[prompted]])
    all_days = _concat_days(days, prompted_days)
    all_visits = _concat_visits(visits, prompted_visits, len(days))
    bought = np.concatenate([converted, np.ones(len(prompted_days), dtype=bool)])
    spend_offset = np.concatenate([np.zeros(len(days)), np.full(len(prompted_days), PROMPTED_SPEND_SHIFT)])
    items = _simulate_items(rngs["items"], all_days, all_visits, users, bought, spend_offset)

    machine = users.machine_id[exposures.user]
    campaign = _labels(exposures.campaign, CAMPAIGN_IDS)
    return {
        "sessions": _with_duplicates(rngs["duplicates"], _sessions_table(users, all_days, all_visits)),
        "transactions": _with_duplicates(rngs["duplicates"], _transactions_table(users, all_days, items)),
        "campaign_exposures": pa.table({
            "machine_id": machine,
            "campaign_id": campaign,
            "exposed_date": _dates(exposures.exposed_day),
            "channel": _labels(exposures.channel, CHANNELS),
            "engaged_date": _dates(exposures.engaged_day),
        }),
        "truth/user_types": pa.table({
            "machine_id": users.machine_id,
            "user_type": _labels(users.user_type, [t.name for t in USER_TYPES]),
        }),
        "truth/campaign_intent": pa.table({
            "machine_id": machine,
            "campaign_id": campaign,
            "intent": _labels(exposures.intent, INTENTS),
        }),
    }


# --------------------------------------------------------------------------------------------
# Shards: panels larger than memory
# --------------------------------------------------------------------------------------------

# Shard roots take spawn keys from here on, far from the stage streams' keys 0..7 of an
# unsharded panel, so no shard replays a stream of the unsharded panel with the same seed.
SHARD_SPAWN_KEY = 1_000


def shard_user_counts(n_sessions: int, shards: int) -> list[int]:
    """Households per shard: the unsharded panel's household count split as evenly as possible."""
    total = _user_count(n_sessions)
    if not 1 <= shards <= total:
        raise ValueError(f"shards must be between 1 and {total} (the households), got {shards}")
    size, extra = divmod(total, shards)
    return [size + (shard < extra) for shard in range(shards)]


def generate_shards(n_sessions: int, seed: int, shards: int) -> Iterator[dict[str, pa.Table]]:
    """The tables of `shards` independent household shards that together make one panel.

    Yielded one shard at a time, so a writer holds a single shard in memory: peak memory is
    that of an unsharded panel of n_sessions / shards rows.  Each shard has its own stage
    streams (spawned from `seed`) and machine_ids above all earlier shards', so the union
    has unique users; each shard solves its own conversion intercepts, so the marginals
    stay on the reference.  Not the same rows as ``generate_panel(n_sessions, seed)``.
    """
    machine_id_base = MACHINE_ID_BASE
    for shard, n_users in enumerate(shard_user_counts(n_sessions, shards)):
        root = np.random.SeedSequence(seed, spawn_key=(SHARD_SPAWN_KEY + shard,))
        tables = _generate(n_users, root, machine_id_base)
        machine_id_base = int(np.max(tables["truth/user_types"]["machine_id"].to_numpy()))
        yield tables


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _partial(final: Path) -> Path:
    """Hidden temporary name a file is written under before it is renamed into place."""
    return final.with_name(f".{final.name}.partial")


def _connect() -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB without the progress bar (it would garble CLI and CI output)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def write_panel(tables: dict[str, pa.Table], out_dir: str | os.PathLike, fmt: str = "csv") -> dict[str, int]:
    """Write every table as `<out_dir>/<name>.<fmt>` with the contract's column order and types.

    Files of an earlier panel (either format) are removed first and each file is written to a
    hidden temporary name, then all are renamed at the end: an interrupted run leaves no
    panel that looks complete, and a folder never mixes two runs.
    """
    out = _clear_panel_folder(out_dir, fmt)
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    con = _connect()
    staged = []
    for name, table in tables.items():
        final = out / f"{name}.{fmt}"
        partial = _partial(final)
        con.register("panel_table", table)
        con.execute(f"COPY ({_contract_select(name, 'panel_table')}) TO '{_sql_path(partial)}' ({options})")
        con.unregister("panel_table")
        staged.append((partial, final))
    _publish(staged)
    return {name: table.num_rows for name, table in tables.items()}


def _clear_panel_folder(out_dir: str | os.PathLike, fmt: str) -> Path:
    """Check the format, create the folder and remove any earlier panel (either format)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        for ext in FORMATS:
            final = out / f"{name}.{ext}"
            for stale in (final, _partial(final)):
                stale.unlink(missing_ok=True)
    return out


def _contract_select(name: str, relation: str) -> str:
    """SELECT of `relation` with table `name`'s contract column order and types."""
    columns = ", ".join(f'CAST("{col}" AS {typ}) AS "{col}"' for col, typ in SCHEMAS[name])
    return f"SELECT {columns} FROM {relation}"


def _publish(staged: list[tuple[Path, Path]]) -> None:
    """Rename (partial, final) pairs into place; sessions, the file readers look for, comes last."""
    for partial, final in reversed(staged):
        os.replace(partial, final)


# Rows per Parquet row group of a sharded panel: DuckDB reads row groups in parallel.
ROW_GROUP_ROWS = 1_000_000


class _ParquetAppender:
    """One Parquet file grown shard by shard through a pyarrow writer (DuckDB cannot append)."""

    def __init__(self, path: Path):
        self.path = path
        self.writer: pq.ParquetWriter | None = None

    def append(self, con: duckdb.DuckDBPyConnection, select: str) -> None:
        # Streamed: the typed copy of a shard is never whole in memory, only one row group is.
        reader = con.sql(select).to_arrow_reader()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, reader.schema)
        pending, rows = [], 0
        for batch in reader:  # DuckDB hands out ~120K-row batches; each write is a row group
            pending.append(batch)
            rows += batch.num_rows
            if rows >= ROW_GROUP_ROWS:
                self._write(pending)
                pending, rows = [], 0
        self._write(pending)

    def _write(self, batches: list[pa.RecordBatch]) -> None:
        if batches:
            table = pa.Table.from_batches(batches)
            self.writer.write_table(table, row_group_size=table.num_rows)  # one row group

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class _CsvAppender:
    """One CSV file grown shard by shard: DuckDB writes each shard exactly as write_panel would
    (header on the first shard only) to a scratch file whose bytes are appended."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = open(path, "wb")
        self.header = True

    def append(self, con: duckdb.DuckDBPyConnection, select: str) -> None:
        scratch = self.path.with_name(self.path.name + ".shard")
        con.execute(f"COPY ({select}) TO '{_sql_path(scratch)}' (FORMAT csv, HEADER {str(self.header).lower()})")
        self.header = False
        with open(scratch, "rb") as part:
            shutil.copyfileobj(part, self.handle, 16 << 20)
        scratch.unlink()

    def close(self) -> None:
        self.handle.close()


def write_panel_shards(shards: Iterable[dict[str, pa.Table]], out_dir: str | os.PathLike,
                       fmt: str = "csv") -> dict[str, int]:
    """Append every shard's tables to one `<out_dir>/<name>.<fmt>` per table, one shard in memory.

    Each shard's dict is emptied once written.  Same contract, folder clean-up and
    rename-at-the-end as write_panel.  CSV bytes are those
    write_panel writes for the concatenated tables; Parquet is written by pyarrow in row
    groups of ROW_GROUP_ROWS (same schema, different encoding than DuckDB's writer).
    """
    out = _clear_panel_folder(out_dir, fmt)
    appender = _ParquetAppender if fmt == "parquet" else _CsvAppender
    con = _connect()
    files: dict[str, _ParquetAppender | _CsvAppender] = {}
    counts: dict[str, int] = {}
    try:
        for tables in shards:
            for name, table in tables.items():
                if name not in files:
                    files[name] = appender(_partial(out / f"{name}.{fmt}"))
                con.register("panel_table", table)
                files[name].append(con, _contract_select(name, "panel_table"))
                con.unregister("panel_table")
                counts[name] = counts.get(name, 0) + table.num_rows
            # Emptied once written: the loop variable (and the generator's local) would otherwise
            # keep this shard alive while the next one is generated, doubling peak memory.
            tables.clear()
    finally:
        for file in files.values():
            file.close()
    _publish([(file.path, out / f"{name}.{fmt}") for name, file in files.items()])
    return counts


def panel_source_sql(panel_dir: str | os.PathLike, name: str) -> str:
    """DuckDB table expression reading one panel file with its contract types (CSV or Parquet)."""
    base = Path(panel_dir) / name
    parquet = base.with_name(base.name + ".parquet")
    if parquet.exists():
        return f"read_parquet('{_sql_path(parquet)}')"
    columns = ", ".join(f"'{col}': '{typ}'" for col, typ in SCHEMAS[name])
    return (f"read_csv('{_sql_path(base.with_name(base.name + '.csv'))}', header = true, "
            f"allow_quoted_nulls = false, columns = {{{columns}}})")


# --------------------------------------------------------------------------------------------
# Calibration against the reference figures
# --------------------------------------------------------------------------------------------

PAGES_BUCKETS = ("1", "2-3", "4-5", "6-10", "11-20", "21-50", "51+")

# Document 000 / SPEC.md.  Strings are qualitative targets.
REFERENCE: dict[str, float | str | None] = {
    "conversion.amazon_2023": 0.103,
    "conversion.other_domains": 0.10,
    **{f"conversion_by_pages.{b}": {"2-3": 0.075, "51+": 0.32}.get(b, "increasing") for b in PAGES_BUCKETS},
    "conversion_by_referrer.marketplace": 0.19,
    "conversion_by_referrer.direct": 0.14,
    "conversion_by_referrer.search": 0.08,
    "conversion_by_referrer.social": 0.08,
    "conversion_by_referrer.other": "< direct",
    "conversion.peak_hour": "14-18",
    "conversion.hours_14_18": "peak",
    "conversion.hours_03_08": "dip",
    "conversion.weekend": "> weekday",
    "conversion.weekday": None,
    **{f"aov.{d.name}": d.aov for d in DOMAINS},
    "share.amazon_users": 85 / 150,
    "share.amazon_session_rows": 0.70,
    "share.tx_rows_site_session_zero": 0.5996,
    "ratio.tx_rows_per_session_row": 2.3 / 13.8,
}

_PSEUDO_SESSIONS_SQL = """
CREATE TEMP TABLE pseudo AS
WITH visits AS (
    SELECT machine_id, event_date, domain_name, pages_viewed,
           coalesce(ref_domain__name, '') AS referrer,
           split_part(event_time, ':', 1)::INTEGER * 3600
             + split_part(event_time, ':', 2)::INTEGER * 60
             + split_part(event_time, ':', 3)::INTEGER AS second_of_day
    FROM sessions
),
days AS (
    SELECT machine_id, event_date, domain_name,
           sum(pages_viewed) AS pages,
           arg_min(referrer, second_of_day) AS first_referrer,
           min(second_of_day) AS first_second
    FROM visits
    GROUP BY machine_id, event_date, domain_name
),
bought AS (SELECT DISTINCT machine_id, event_date, domain_name FROM transactions)
SELECT d.domain_name, year(d.event_date) AS year, d.first_second // 3600 AS hour,
       isodow(d.event_date) >= 6 AS weekend,
       CASE WHEN d.first_referrer = '' THEN 'direct' ELSE coalesce(r.referrer_bucket, 'other') END AS referrer_bucket,
       CASE WHEN d.pages <= 1 THEN '1' WHEN d.pages <= 3 THEN '2-3' WHEN d.pages <= 5 THEN '4-5'
            WHEN d.pages <= 10 THEN '6-10' WHEN d.pages <= 20 THEN '11-20' WHEN d.pages <= 50 THEN '21-50'
            ELSE '51+' END AS pages_bucket,
       (b.machine_id IS NOT NULL)::DOUBLE AS converted
FROM days d
LEFT JOIN referrers r ON r.referrer_domain = d.first_referrer
LEFT JOIN bought b
       ON b.machine_id = d.machine_id AND b.event_date = d.event_date AND b.domain_name = d.domain_name
"""

_ON_AMAZON = "FROM pseudo WHERE domain_name = 'amazon.com'"
_SCALAR_QUERIES = {
    "conversion.amazon_2023": f"SELECT avg(converted) {_ON_AMAZON} AND year = 2023",
    "conversion.other_domains": "SELECT avg(converted) FROM pseudo WHERE domain_name <> 'amazon.com'",
    "conversion.hours_14_18": f"SELECT avg(converted) {_ON_AMAZON} AND hour BETWEEN 14 AND 18",
    "conversion.hours_03_08": f"SELECT avg(converted) {_ON_AMAZON} AND hour BETWEEN 3 AND 8",
    "conversion.peak_hour": f"SELECT arg_max(hour, rate) FROM (SELECT hour, avg(converted) AS rate {_ON_AMAZON} "
                            "GROUP BY 1)",
    "conversion.weekend": f"SELECT avg(converted) {_ON_AMAZON} AND weekend",
    "conversion.weekday": f"SELECT avg(converted) {_ON_AMAZON} AND NOT weekend",
    "share.amazon_users": """SELECT count(DISTINCT machine_id) FILTER (WHERE domain_name = 'amazon.com')
                             / count(DISTINCT machine_id) FROM sessions""",
    "share.amazon_session_rows": "SELECT avg((domain_name = 'amazon.com')::DOUBLE) FROM sessions",
    "share.tx_rows_site_session_zero": "SELECT avg((site_session_id = 0)::DOUBLE) FROM transactions",
    "ratio.tx_rows_per_session_row": "SELECT (SELECT count(*) FROM transactions) / (SELECT count(*) FROM sessions)",
}
# (label, value) rows, reported as "<key>.<label>".
_GROUPED_QUERIES = {
    "conversion_by_pages": f"SELECT pages_bucket, avg(converted) {_ON_AMAZON} GROUP BY 1",
    "conversion_by_referrer": f"SELECT referrer_bucket, avg(converted) {_ON_AMAZON} GROUP BY 1",
    "aov": """SELECT domain_name, avg(basket_tot) FROM (
                  SELECT DISTINCT machine_id, domain_name, event_date, event_time, basket_tot FROM transactions
              ) GROUP BY 1""",
}


def calibration_marginals(panel_dir: str | os.PathLike) -> dict[str, float]:
    """The reference marginals computed with DuckDB SQL on panel files (CSV or Parquet).

    Pseudo-session = (machine_id, event_date, domain_name); its pages are the day's sum, its
    referrer bucket and hour those of the day's first visit by event_time; it converted when a
    transaction shares its key.  Pages, referrer, hour and weekday rates are on amazon.com.
    """
    con = _connect()
    for name in ("sessions", "transactions"):
        con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM {panel_source_sql(panel_dir, name)}")
    con.execute(f"CREATE TEMP VIEW referrers AS SELECT * FROM read_csv('{_sql_path(REFERRER_SEED)}', header = true)")
    con.execute(_PSEUDO_SESSIONS_SQL)
    out = {key: _as_float(con.execute(sql).fetchone()[0]) for key, sql in _SCALAR_QUERIES.items()}
    for prefix, sql in _GROUPED_QUERIES.items():
        out.update({f"{prefix}.{label}": _as_float(value) for label, value in con.execute(sql).fetchall()})
    return out


def _as_float(value) -> float:
    """SQL value as float; NULL (e.g. no other-domain rows in a tiny panel) becomes NaN."""
    return float("nan") if value is None else float(value)


def format_report(generated: dict[str, float]) -> str:
    """Generated marginals next to the reference, one per line, in REFERENCE order."""
    def show(value) -> str:
        if value is None:
            return "-"
        if isinstance(value, str):
            return value
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.4f}"

    lines = [f"{'marginal':<40}{'generated':>12}{'reference':>12}"]
    for key in list(REFERENCE) + sorted(set(generated) - set(REFERENCE)):
        lines.append(f"{key:<40}{show(generated.get(key)):>12}{show(REFERENCE.get(key)):>12}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shopper_propensity.panel", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=500_000, help="target number of session rows")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenario", choices=list(SCENARIOS), default="default",
                        help="a hostile condition of real panels (see Scenario); default changes nothing")
    parser.add_argument("--out", default="data/panel", help="output folder")
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--report", action="store_true", help="print generated vs reference marginals")
    parser.add_argument("--shards", type=int, default=1,
                        help="generate and append this many independent household shards, one in memory "
                             "at a time (for panels larger than RAM; 1 = the single-pass panel)")
    args = parser.parse_args(argv)
    if args.shards > 1 and args.scenario != "default":
        parser.error("--scenario applies to single-pass panels only (--shards 1)")
    started = time.perf_counter()
    if args.shards == 1:
        counts = write_panel(generate_panel(args.sessions, args.seed, args.scenario), args.out, args.format)
    else:
        counts = write_panel_shards(generate_shards(args.sessions, args.seed, args.shards), args.out, args.format)
    summary = ", ".join(f"{name}={rows:,}" for name, rows in counts.items())
    shards = f", {args.shards} shards" if args.shards > 1 else ""
    scenario = f", scenario {args.scenario}" if args.scenario != "default" else ""
    print(f"{args.out} ({args.format}, seed {args.seed}{shards}{scenario}): {summary} "
          f"in {time.perf_counter() - started:.1f}s")
    if args.report:
        print(format_report(calibration_marginals(args.out)))


if __name__ == "__main__":
    main()
