"""Customer value over a horizon (shopper_propensity.clv.lifetime_value)."""

from __future__ import annotations

import numpy as np
import pytest

from shopper_propensity.clv.bgnbd import BetaGeoModel
from shopper_propensity.clv.gamma_gamma import GammaGammaModel
from shopper_propensity.clv.inputs import ClvInputError
from shopper_propensity.clv.lifetime_value import customer_lifetime_value

BETA_GEO = BetaGeoModel(r=0.243, alpha=30.9, a=0.793, b=2.426)
GAMMA_GAMMA = GammaGammaModel(p=6.25, q=3.74, v=15.44)
HISTORY = {
    "frequency": np.array([0, 1, 4, 4]),
    "recency": np.array([0.0, 20.0, 200.0, 30.0]),
    "T": np.array([100.0, 100.0, 210.0, 210.0]),
    "monetary_value": np.array([0.0, 25.0, 60.0, 60.0]),
}


def test_undiscounted_value_is_expected_purchases_times_expected_spend():
    value = customer_lifetime_value(BETA_GEO, GAMMA_GAMMA, **HISTORY, horizon_days=365)
    purchases = BETA_GEO.expected_purchases(365, HISTORY["frequency"], HISTORY["recency"], HISTORY["T"])
    spend = GAMMA_GAMMA.expected_spend(HISTORY["frequency"], HISTORY["monetary_value"])
    np.testing.assert_allclose(value, purchases * spend, rtol=1e-12)
    # the same buyer, active recently, is worth more than when silent for 180 days
    assert value[2] > value[3] > 0


def test_discounting_lowers_value_by_each_steps_discount_factor():
    undiscounted = customer_lifetime_value(BETA_GEO, GAMMA_GAMMA, **HISTORY, horizon_days=365)
    # one step: everything is discounted from the horizon's end
    one_step = customer_lifetime_value(BETA_GEO, GAMMA_GAMMA, **HISTORY, horizon_days=365,
                                       discount_rate_annual=0.10, step_days=365)
    np.testing.assert_allclose(one_step, undiscounted / 1.10, rtol=1e-12)
    monthly = customer_lifetime_value(BETA_GEO, GAMMA_GAMMA, **HISTORY, horizon_days=365,
                                      discount_rate_annual=0.10)
    # monthly steps discount early purchases less
    assert np.all((one_step < monthly) & (monthly < undiscounted))
    # and a last step shorter than step_days ends at the horizon
    short = customer_lifetime_value(BETA_GEO, GAMMA_GAMMA, **HISTORY, horizon_days=45,
                                    discount_rate_annual=0.10, step_days=30)
    purchases_30 = BETA_GEO.expected_purchases(30, HISTORY["frequency"], HISTORY["recency"], HISTORY["T"])
    purchases_45 = BETA_GEO.expected_purchases(45, HISTORY["frequency"], HISTORY["recency"], HISTORY["T"])
    spend = GAMMA_GAMMA.expected_spend(HISTORY["frequency"], HISTORY["monetary_value"])
    expected = spend * (purchases_30 / 1.10 ** (30 / 365) + (purchases_45 - purchases_30) / 1.10 ** (45 / 365))
    np.testing.assert_allclose(short, expected, rtol=1e-12)


def test_zero_horizon_is_worth_nothing():
    assert customer_lifetime_value(BETA_GEO, GAMMA_GAMMA, **HISTORY, horizon_days=0).tolist() == [0.0] * 4


@pytest.mark.parametrize(("options", "message"), [
    ({"horizon_days": -5}, "horizon_days must be a finite, non-negative"),
    ({"horizon_days": 90, "step_days": 0}, "step_days must be positive"),
    ({"horizon_days": 90, "discount_rate_annual": -0.1}, "discount_rate_annual must be a finite rate >= 0"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(ClvInputError, match=message):
        customer_lifetime_value(BETA_GEO, GAMMA_GAMMA, **HISTORY, **options)
