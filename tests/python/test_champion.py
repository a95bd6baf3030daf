"""Champion selection on the validation window: best PR AUC, simpler model on a tie the
bootstrap cannot resolve, a pinned model when asked."""

from __future__ import annotations

import numpy as np
import pytest

from shopper_propensity.propensity import champion


def _validation(rows: int = 4000, seed: int = 0):
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=rows)
    labels = (rng.random(rows) < 1 / (1 + np.exp(-(signal * 1.5 - 2)))).astype(int)
    return rng, signal, labels


def test_clearly_better_model_wins_even_when_more_complex():
    rng, signal, labels = _validation()
    scores = {"logistic_regression": rng.normal(size=len(signal)),  # noise
              "xgboost": signal + rng.normal(scale=0.3, size=len(signal))}
    selection = champion.select_champion(labels, scores, seed=1)
    assert selection.champion == selection.best == "xgboost"
    assert selection.gap_low["logistic_regression"] > 0
    assert selection.reason["xgboost"].startswith("champion: highest validation PR AUC")
    assert "below the best (xgboost" in selection.reason["logistic_regression"]


def test_simpler_model_wins_when_validation_cannot_tell_them_apart():
    rng, signal, labels = _validation(rows=1500)
    base = signal + rng.normal(scale=1.0, size=len(signal))
    scores = {"xgboost_untuned": base + rng.normal(scale=0.05, size=len(signal)),
              "random_forest": base + rng.normal(scale=0.05, size=len(signal)),
              "logistic_regression": base + rng.normal(scale=0.05, size=len(signal))}
    selection = champion.select_champion(labels, scores, seed=1)
    assert selection.gap_low[selection.champion] <= 0 <= selection.gap_high[selection.champion]
    assert selection.champion == "logistic_regression"
    if selection.best != "logistic_regression":
        assert "not distinguishable from the best" in selection.reason["logistic_regression"]
        assert "simpler" in selection.reason[selection.best]


def test_selection_is_deterministic_and_a_pin_overrides_it():
    rng, signal, labels = _validation()
    scores = {"xgboost": signal, "xgboost_parsimony": rng.normal(size=len(signal))}
    first = champion.select_champion(labels, scores, seed=3)
    assert first == champion.select_champion(labels, scores, seed=3)
    pinned = champion.select_champion(labels, scores, seed=3, pinned="xgboost_parsimony")
    assert pinned.champion == "xgboost_parsimony" and pinned.best == "xgboost"
    assert "pinned by var propensity_champion" in pinned.reason["xgboost_parsimony"]
    with pytest.raises(ValueError, match="not a candidate"):
        champion.select_champion(labels, scores, seed=3, pinned="random_forest")


def test_without_signal_on_validation_the_simplest_candidate_serves():
    rng = np.random.default_rng(5)
    labels = (rng.random(3000) < 0.1).astype(int)
    scores = {name: rng.random(3000) for name in ("xgboost", "random_forest", "logistic_regression")}
    selection = champion.select_champion(labels, scores, seed=2)
    assert not selection.has_signal
    assert selection.champion == "logistic_regression"
    assert "validation has no signal" in selection.reason["logistic_regression"]
    _, signal, informative = _validation()
    assert champion.select_champion(informative, {"xgboost": signal}, seed=2).has_signal
