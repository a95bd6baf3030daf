"""The panel simulators (shopper_propensity.clv.simulate) against the models' closed forms: the
recovery tests lean on them, so they are checked on their own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopper_propensity.clv.bgnbd import BetaGeoModel
from shopper_propensity.clv.gamma_gamma import GammaGammaModel
from shopper_propensity.clv.inputs import ClvInputError
from shopper_propensity.clv.simulate import simulate_beta_geo, simulate_gamma_gamma

MODELS = (BetaGeoModel(r=0.243, alpha=30.9, a=0.793, b=2.426), BetaGeoModel(r=0.9, alpha=60.0, a=1.6, b=5.0))


def within_four_standard_errors(values: np.ndarray, expected: float) -> bool:
    return abs(values.mean() - expected) < 4 * values.std() / np.sqrt(values.size) + 1e-12


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("t", [30.0, 365.0])
def test_new_customers_buy_as_equation_9_says(model, t):
    """Customers just acquired (T = 0), followed for t days: E[X(t)] (FHL eq. 9), and
    P(X(t) = 0) = (alpha / (alpha + t))^r since nobody drops out before a repeat purchase."""
    panel = simulate_beta_geo(model, np.zeros(200_000), seed=1, t=t)
    assert (panel.frequency == 0).all() and panel.is_alive.all()
    future = panel.future_purchases.to_numpy(float)
    assert within_four_standard_errors(future, model.expected_purchases_new_customer(t))
    assert within_four_standard_errors((future == 0).astype(float), (model.alpha / (model.alpha + t)) ** model.r)


@pytest.mark.parametrize("model", MODELS)
def test_observed_histories_follow_the_model(model):
    """Over the observation window itself: mean frequency is E[X(T)] at each customer's T,
    and the share without a repeat purchase is (alpha / (alpha + T))^r."""
    ages = np.repeat([30.0, 90.0, 180.0, 365.0, 730.0], 40_000)
    panel = simulate_beta_geo(model, ages, seed=3)
    for age in np.unique(ages):
        frequency = panel.frequency[ages == age].to_numpy(float)
        assert within_four_standard_errors(frequency, model.expected_purchases_new_customer(age)), age
        no_repeat = (frequency == 0).astype(float)
        assert within_four_standard_errors(no_repeat, (model.alpha / (model.alpha + age)) ** model.r), age
    # histories are what the fit accepts: recency in [0, T], and 0 exactly without a repeat
    assert ((panel.recency >= 0) & (panel.recency <= panel["T"])).all()
    assert ((panel.recency > 0) == (panel.frequency > 0)).all()
    # a dropped-out customer buys nothing more
    assert (panel.future_purchases[~panel.is_alive] == 0).all()


def test_simulation_is_seeded():
    ages = np.linspace(0.0, 365.0, 1_000)
    first = simulate_beta_geo(MODELS[0], ages, seed=7, t=90.0)
    pd.testing.assert_frame_equal(first, simulate_beta_geo(MODELS[0], ages, seed=7, t=90.0))
    assert not first.equals(simulate_beta_geo(MODELS[0], ages, seed=8, t=90.0))


def test_simulated_spend_has_the_population_mean():
    """E[mean spend] = E[p / nu] = p v / (q - 1) whatever the number of purchases."""
    model = GammaGammaModel(p=6.25, q=3.74, v=15.44)
    frequency = np.repeat([0, 1, 10], 100_000)
    panel = simulate_gamma_gamma(model, frequency, seed=4)
    assert (panel.monetary_value[panel.frequency == 0] == 0).all()
    for count in (1, 10):
        spend = panel.monetary_value[panel.frequency == count].to_numpy()
        assert (spend > 0).all() and within_four_standard_errors(spend, model.mean_spend)
    assert within_four_standard_errors(panel.mean_spend.to_numpy(), model.mean_spend)


def test_negative_ages_are_refused():
    with pytest.raises(ClvInputError, match="T has 1 negative"):
        simulate_beta_geo(MODELS[0], [10.0, -1.0], seed=0)
