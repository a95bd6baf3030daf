"""Campaign exposures on amazon.com with hidden intent (document 004): prompted (buys only
because of the campaign), organic (buys in the window anyway) or none; being prompted depends
on behaviour before the exposure that differs from the RFM "Champions" profile."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopper_propensity.logistic import sigmoid
from shopper_propensity.panel.calibration import AMAZON, DAY_KEY, N_DAYS, NULL_CODE, START_DATE
from shopper_propensity.panel.simulate import Days, Users

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
    p_prompted = sigmoid(_prompt_logit(user, exposed, channel, users, visit_keys, purchase_keys, engaged_before))
    prompted = ~organic & (rng.random(n) < p_prompted)
    intent = np.where(prompted, 0, np.where(organic, 1, 2))
    prior_purchase_days = _count_between(purchase_keys, user_key, exposed - 365, exposed)
    organic_engage_p = sigmoid(ORGANIC_ENGAGE_BASE + ORGANIC_ENGAGE_SLOPE * np.log1p(prior_purchase_days))
    engage_p = np.where(prompted, 1.0, np.where(organic, organic_engage_p, ENGAGE_RATE["none"]))
    engaged = rng.random(n) < engage_p
    engaged_day = exposed + np.minimum(rng.geometric(ENGAGE_LAG_P, n) - 1, 7)
    purchase_day = engaged_day + np.minimum(rng.geometric(PURCHASE_LAG_P, n) - 1, 21)
    return Exposures(
        user=user, campaign=np.full(n, c), exposed_day=exposed, channel=channel,
        engaged_day=np.where(engaged, engaged_day, NULL_CODE), intent=intent,
        purchase_day=np.where(prompted, purchase_day, NULL_CODE),
    )


def run_campaigns(rng: np.random.Generator, users: Users, days: Days, converted: np.ndarray) -> Exposures:
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
