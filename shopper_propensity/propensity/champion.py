"""Champion selection: which candidate model serves the scores, chosen on the validation window.

The metric is PR AUC (average precision) on the validation window. Why: every product of the
scores ranks sessions and acts on the top of the ranking (top-decile lift, gain, targeting
ROI), and PR AUC weighs exactly that part, where ROC AUC weighs the whole ranking including
the bottom no campaign contacts. Log loss and Brier score judge calibration, and the
candidates are class-weighted on purpose (their scores are not probabilities of the base
rate), so they would rank the weighting rather than the ranking.

Where validation cannot tell the best candidate from a simpler one - the paired bootstrap
interval of their PR AUC difference reaches 0 - the simplest such candidate wins: it is
cheaper to serve and explain, and a difference validation cannot see is no reason to pay for
complexity. Where validation has no signal at all - even the best candidate's PR AUC is not
above the window's base rate (what a random ranking scores) beyond its bootstrap interval -
its differences are noise, and the simplest candidate wins outright. A var may pin a
candidate instead.

The rule is shared: the repeat-purchase models (shopper_propensity.repeat) choose their
champion with it too, over their own candidates (complexity_order) and pin var.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopper_propensity.metrics import score_ranking, weighted_average_precision

SELECTION_METRIC = "pr_auc"
# Simplest first: a linear model, then three features, then bagged trees of bounded depth, then
# boosted trees (the seed's shallow configuration before XGBoost's deeper defaults).
COMPLEXITY_ORDER = ("logistic_regression", "xgboost_parsimony", "random_forest", "xgboost", "xgboost_untuned")
BOOTSTRAP_REPLICATES = 200
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Selection:
    """The champion, and per candidate its validation PR AUC, its gap to the best and the gap's
    bootstrap interval (0 for the best itself) and a sentence on why it is or is not champion."""

    champion: str
    best: str
    has_signal: bool
    metric: dict[str, float]
    gap: dict[str, float]
    gap_low: dict[str, float]
    gap_high: dict[str, float]
    reason: dict[str, str]


def complexity_rank(model_name: str, complexity_order: tuple[str, ...] = COMPLEXITY_ORDER) -> int:
    """1 = simplest candidate."""
    return complexity_order.index(model_name) + 1


def select_champion(labels: np.ndarray, scores: dict[str, np.ndarray], seed: int, pinned: str | None = None,
                    replicates: int = BOOTSTRAP_REPLICATES, confidence: float = CONFIDENCE, *,
                    complexity_order: tuple[str, ...] = COMPLEXITY_ORDER,
                    pin_var: str = "propensity_champion") -> Selection:
    """Choose the champion among candidates from their validation scores (same rows, same order).

    The bootstrap is paired: each replicate reweights the rows once (Poisson counts, seeded)
    and every candidate is scored on that same reweighting, so the interval is of the
    difference between candidates, not of each alone. complexity_order lists the candidates
    simplest first; pin_var is the var that pins one (named in the reasons).
    """
    names = sorted(scores, key=complexity_order.index)
    if pinned is not None and pinned not in names:
        raise ValueError(f"{pin_var}={pinned!r} is not a candidate; choose one of {names}")
    labels = np.asarray(labels, dtype=np.float64)
    rankings = {name: score_ranking(scores[name]) for name in names}
    ones = np.ones(len(labels))
    metric = {name: weighted_average_precision(labels, *rankings[name], ones) for name in names}
    best = max(names, key=lambda name: (metric[name], -complexity_order.index(name)))

    rng = np.random.default_rng(seed)
    gaps = {name: np.empty(replicates) for name in names}
    best_over_chance = np.empty(replicates)
    for replicate in range(replicates):
        weights = rng.poisson(1.0, len(labels)).astype(np.float64)
        values = {name: weighted_average_precision(labels, *rankings[name], weights) for name in names}
        best_over_chance[replicate] = values[best] - np.sum(weights * labels) / np.sum(weights)
        for name in names:
            gaps[name][replicate] = values[best] - values[name]
    tail = 100 * (1 - confidence) / 2
    has_signal = bool(np.nanpercentile(best_over_chance, tail) > 0)
    base_rate = float(labels.mean())
    gap_low = {name: float(np.nanpercentile(gaps[name], tail)) for name in names}
    gap_high = {name: float(np.nanpercentile(gaps[name], 100 - tail)) for name in names}
    gap = {name: metric[best] - metric[name] for name in names}

    indistinguishable = [name for name in names if name == best or gap_low[name] <= 0 or not has_signal]
    champion = pinned or indistinguishable[0]  # names are simplest first
    level = f"{confidence:.0%}"

    def interval(name: str) -> str:
        return f"gap {gap[name]:.4f}, {level} bootstrap interval {gap_low[name]:.4f} to {gap_high[name]:.4f}"

    reason = {}
    for name in names:
        value = f"validation PR AUC {metric[name]:.4f}"
        if name == champion and pinned:
            reason[name] = f"champion: pinned by var {pin_var} ({value}; best {best} {metric[best]:.4f})"
        elif name == champion and not has_signal:
            reason[name] = (f"champion: {value}; validation has no signal (best {best} {metric[best]:.4f} is not above "
                            f"the base rate {base_rate:.4f} beyond its {level} bootstrap interval), so the simplest "
                            "candidate serves")
        elif name == champion and name == best:
            others = [other for other in names if other != best]
            closest = min(others, key=lambda other: gap[other]) if others else None
            tail_text = f"; closest {closest}, {interval(closest)}" if closest else ""
            reason[name] = f"champion: highest {value}{tail_text}"
        elif name == champion:
            reason[name] = (f"champion: {value}, not distinguishable from the best ({best} {metric[best]:.4f}; "
                            f"{interval(name)}), and simpler")
        elif pinned:
            reason[name] = f"not champion: {value}; var {pin_var} pins {pinned}"
        elif not has_signal:
            reason[name] = (f"not champion: {value}; validation has no signal, so the simplest candidate "
                            f"({champion}) serves")
        elif name == best:
            reason[name] = f"not champion: highest {value}, but {champion} is not distinguishable from it and simpler"
        elif name in indistinguishable:
            reason[name] = (f"not champion: {value}, not distinguishable from the best ({best}; {interval(name)}), "
                            f"but {champion} is simpler")
        else:
            reason[name] = f"not champion: {value}, below the best ({best}; {interval(name)})"
    return Selection(champion, best, has_signal, metric, gap, gap_low, gap_high, reason)
