"""Persona names from evidence: what each segment's raw medians show, not only its centroid.

A name is a set of claims ("Frequent Visitors", "Quick Repeat Buyers", "Engaged Spenders").
Each claim holds only where the segment's raw medians (user_rfm units: days, purchase days,
USD, pages, minutes) back it against the medians of all users of the domain and a few fixed
facts (a repeat claim needs two purchase days, a spend claim one). Standardized centroids only
order the candidate words by strength; they never name on their own, because imputed values
(the gap of a one-time buyer is the time watched, the basket of a non-buyer the median) can
make a centroid look "quick" or "big" without a single user behaving so.

With k = 4 the reference personas of document 000 are tried first, each only where its
evidence holds; every other segment, and every k, is named by its strongest supported
deviations. Names are unique within a domain.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

# Raw columns of user_rfm the evidence reads.
FREQUENCY = "frequency_days"
PURCHASES = "purchase_days"
GAP = "avg_days_between_purchases"  # NULL below two purchase days
BASKET = "avg_basket_spend_usd"  # NULL for non-buyers
PAGES = "avg_pages_per_session"
DURATION = "avg_duration_minutes_per_session"
SINCE_PURCHASE = "days_since_last_purchase"  # NULL for non-buyers
EVIDENCE_COLUMNS = (FREQUENCY, PURCHASES, GAP, BASKET, PAGES, DURATION, SINCE_PURCHASE)

REPEAT_MIN_PURCHASE_DAYS = 2  # "repeat", a gap between purchases, "buy regularly"
BUYER_MIN_PURCHASE_DAYS = 1  # any claim about baskets or buying

DORMANT = "Dormant"
OCCASIONAL = "Occasional Buyers"
FREQUENT = "Frequent Browsers"
ENGAGED = "Engaged Spenders"
REFERENCE_PERSONAS = (DORMANT, OCCASIONAL, FREQUENT, ENGAGED)

Evidence = Callable[[pd.Series, pd.Series], bool]


def _above(column: str) -> Evidence:
    return lambda segment, domain: _known(segment[column], domain[column]) and segment[column] > domain[column]


def _below(column: str) -> Evidence:
    return lambda segment, domain: _known(segment[column], domain[column]) and segment[column] < domain[column]


def _buys(minimum: int) -> Evidence:
    return lambda segment, domain: segment[PURCHASES] >= minimum


def _never_buys(segment: pd.Series, domain: pd.Series) -> bool:
    return segment[PURCHASES] < BUYER_MIN_PURCHASE_DAYS


def _any(*rules: Evidence) -> Evidence:
    return lambda segment, domain: any(rule(segment, domain) for rule in rules)


def _all(*rules: Evidence) -> Evidence:
    return lambda segment, domain: all(rule(segment, domain) for rule in rules)


def _known(*values) -> bool:
    return not any(pd.isna(value) for value in values)


# Per standardized k-means feature: (word when below the average user, its evidence),
# (word when above, its evidence).
DEVIATION_WORDS: dict[str, tuple[tuple[str, Evidence], tuple[str, Evidence]]] = {
    "frequency_days": (("Rare Visitors", _below(FREQUENCY)), ("Frequent Visitors", _above(FREQUENCY))),
    "avg_days_between_purchases": (
        ("Quick Repeat Buyers", _all(_buys(REPEAT_MIN_PURCHASE_DAYS), _below(GAP))),
        ("Lapsed Buyers", _all(_buys(BUYER_MIN_PURCHASE_DAYS), _above(SINCE_PURCHASE))),
    ),
    "avg_basket_spend_usd": (
        ("Small Baskets", _all(_buys(BUYER_MIN_PURCHASE_DAYS), _below(BASKET))),
        ("Big Spenders", _all(_buys(BUYER_MIN_PURCHASE_DAYS), _above(BASKET))),
    ),
    "avg_pages_per_session": (("Skimmers", _below(PAGES)), ("Deep Browsers", _above(PAGES))),
    "avg_duration_minutes_per_session": (("Brief Visits", _below(DURATION)), ("Long Visits", _above(DURATION))),
}

WORD_ORDER = [word for pair in DEVIATION_WORDS.values() for word, _ in pair]

REFERENCE_EVIDENCE: dict[str, Evidence] = {
    # rare visits, and no purchase or none for longer than the typical buyer
    DORMANT: _all(_below(FREQUENCY), _any(_never_buys, _above(SINCE_PURCHASE))),
    # buys now and then: two or more purchase days, gaps not shorter than the typical buyer's
    OCCASIONAL: _all(_buys(REPEAT_MIN_PURCHASE_DAYS), lambda segment, domain: not _below(GAP)(segment, domain)),
    FREQUENT: _all(_buys(REPEAT_MIN_PURCHASE_DAYS), _above(FREQUENCY)),
    # "loyal, recent buyers" of the largest baskets with deep, long visits
    ENGAGED: _all(_buys(REPEAT_MIN_PURCHASE_DAYS), _above(PAGES), _above(DURATION), _above(BASKET)),
}


def buying_word(segment: pd.Series) -> str:
    """What the segment's median purchase days says, when no deviation is backed."""
    if segment[PURCHASES] >= REPEAT_MIN_PURCHASE_DAYS:
        return "Repeat Buyers"
    return "One-Time Buyers" if segment[PURCHASES] >= BUYER_MIN_PURCHASE_DAYS else "Non-Buyers"


def evidence_medians(users: pd.DataFrame, segment_ids) -> tuple[pd.DataFrame, pd.Series]:
    """Raw medians per segment and over all users (NULLs left out of each median)."""
    raw = users.loc[:, list(EVIDENCE_COLUMNS)].astype(float)
    return raw.groupby(pd.Series(segment_ids, index=raw.index)).median(), raw.median()


def supported_words(centroid: pd.Series, segment: pd.Series, domain: pd.Series) -> list[str]:
    """Deviation words backed by the raw medians, strongest standardized deviation first."""
    words = []
    for feature in centroid.loc[list(DEVIATION_WORDS)].abs().sort_values(ascending=False, kind="stable").index:
        word, evidence = DEVIATION_WORDS[feature][int(centroid[feature] > 0)]
        if centroid[feature] != 0 and evidence(segment, domain):
            words.append(word)
    return words


def name_segments(centroids: pd.DataFrame, medians: pd.DataFrame, domain: pd.Series) -> list[str]:
    """A unique, evidence-backed name per segment (rows of centroids and medians share the index)."""
    names: dict[int, str] = {}
    if len(centroids) == len(REFERENCE_PERSONAS):
        for index, name in _reference_candidates(centroids).items():
            if REFERENCE_EVIDENCE[name](medians.loc[index], domain):
                names[index] = name
    for index in centroids.index:
        if index in names:
            continue
        words = supported_words(centroids.loc[index], medians.loc[index], domain)
        # the two strongest words, then more while the name is taken; joined in one fixed order
        # so two segments deviating the same two ways get the same name, never a reordered twin
        options = [" / ".join(sorted(words[:count], key=WORD_ORDER.index))
                   for count in range(min(2, len(words)), len(words) + 1) if count]
        options.append(buying_word(medians.loc[index]) + (f": {words[0]}" if words else ""))
        names[index] = next((option for option in options if option not in names.values()),
                            f"{options[-1]} (segment {index})")
    return [names[index] for index in centroids.index]


def _reference_candidates(centroids: pd.DataFrame) -> dict[int, str]:
    """Document 000's k = 4 reading of standardized centroids: Dormant has the longest purchase
    gap and lowest frequency; Engaged Spenders the highest pages, duration and basket; Frequent
    Browsers the highest frequency of the rest; Occasional Buyers the remaining one."""
    remaining = list(centroids.index)
    names: dict[int, str] = {}

    def take(score: pd.Series, name: str) -> None:
        chosen = score.loc[remaining].idxmax()
        names[chosen] = name
        remaining.remove(chosen)

    take(centroids["avg_days_between_purchases"] - centroids["frequency_days"], DORMANT)
    take(centroids["avg_pages_per_session"] + centroids["avg_duration_minutes_per_session"]
         + centroids["avg_basket_spend_usd"], ENGAGED)
    take(centroids["frequency_days"], FREQUENT)
    names[remaining[0]] = OCCASIONAL
    return names
