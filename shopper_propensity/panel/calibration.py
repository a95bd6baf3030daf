"""What the synthetic panel is calibrated to: calendar, latent user types, domains and referrers,
visits, conversion, baskets, product catalogue and demographics (document 000, SPEC.md).

Constants only (and the referrer vocabulary read from the dbt seed); the simulation modules
read them. Campaign constants live in campaigns.py, scenario switches in scenarios.py.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shopper_propensity.panel.sampling import group_starts

# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------

START_DATE = np.datetime64("2020-01-01", "D")
N_DAYS = 1461  # 2020-01-01 .. 2023-12-31
DAY_KEY = 2048  # > N_DAYS: packs (group, day) into one sortable int64
EPOCH_DAY = int((START_DATE - np.datetime64("1970-01-01", "D")).astype(int))
_CALENDAR = START_DATE + np.arange(N_DAYS)
WEEKDAY = (np.arange(N_DAYS) + 2) % 7  # Monday = 0; 2020-01-01 was a Wednesday
MONTH = _CALENDAR.astype("datetime64[M]").astype(int) % 12  # January = 0
YEAR = _CALENDAR.astype("datetime64[Y]").astype(int) - int(START_DATE.astype("datetime64[Y]").astype(int))  # 2020 = 0

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
    lapse: tuple[float, float]  # Beta(a, b) of the chance to lapse as a customer after each purchase day


# Document 000 §6.3: Dormant = long-standing households that rarely visit (spans longer than the
# window, so most are watched all four years) and buy every ~300 days, ~8 pages / ~8 minutes;
# Occasional Buyers = brief, purposeful visits for some months, buying about monthly;
# Frequent Browsers = near-daily visits, ~9 pages / ~9 minutes; Engaged Spenders = deep, long
# sessions, big baskets, frequent buying.
#
# Repeat buying (issue 20): after each purchase day on a domain, a customer lapses there for good
# with a probability drawn per (user, domain) from the type's Beta - BG/NBD's dropout, planted
# through purchase timing only: a lapsed customer keeps visiting (sessions are drawn as before)
# but never buys on that domain again, unless a campaign prompts a purchase. Occasional buyers
# lapse soonest (mean 0.13 per purchase day), Dormant households next (0.09), Frequent Browsers
# and Engaged Spenders seldom (0.02, 0.03). The lapsed rows are made up for per domain and year,
# so the conversion marginals stay on the reference, and the rates are mild enough that the
# four types stay recoverable as personas (k = 4 keeps the best silhouette on the default panel).
USER_TYPES = (
    #        name, share, visit_rate, span_days, lateness, pages, minutes_per_page, conversion, spend, lapse
    UserType("dormant", 0.35, 3.5, (4000, 8000), 1.0, 8.0, 1.0, 2.8, 0.25, (1.0, 10.0)),
    UserType("occasional", 0.30, 50, (300, 600), 1.15, 4.0, 0.75, 2.9, 0.15, (1.5, 10.0)),
    UserType("frequent_browser", 0.20, 470, (350, 600), 1.15, 9.0, 1.0, 1.4, -0.1, (1.0, 50.0)),
    UserType("engaged_spender", 0.15, 157, (240, 420), 2.0, 23.0, 0.96, 1.3, 0.9, (1.0, 30.0)),
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
REFERRER_SEED = Path(__file__).resolve().parents[2] / "seeds" / "referrer_domains.csv"


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
    return vocab, group_starts(sizes), sizes
