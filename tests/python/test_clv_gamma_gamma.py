"""Gamma-Gamma (shopper_propensity.clv.gamma_gamma): parameter recovery on simulated spend, the
expected spend against each customer's true mean, and spend the model cannot read."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import check_grad

from shopper_propensity.clv.gamma_gamma import (
    GammaGammaModel,
    _log_likelihood_terms,
    fit_gamma_gamma,
)
from shopper_propensity.clv.inputs import ClvFitWarning, ClvInputError
from shopper_propensity.clv.simulate import simulate_gamma_gamma

# CDNOW (lifetimes' worked example: p 6.25, q 3.74, v 15.44 dollars), and a wider-spread
# shop: baskets vary more within a customer (p small) and more between customers (q near 1).
CDNOW = GammaGammaModel(p=6.25, q=3.74, v=15.44)
WIDE = GammaGammaModel(p=1.8, q=2.2, v=60.0)
SHOPS = {"cdnow": CDNOW, "wide": WIDE}


def simulated(model: GammaGammaModel, customers: int, seed: int):
    # repeat purchases per customer: many with none, a long tail of regulars
    frequency = np.random.default_rng(seed).negative_binomial(0.6, 0.2, customers)
    return simulate_gamma_gamma(model, frequency, seed=seed + 1)


@pytest.mark.parametrize("name", sorted(SHOPS))
def test_parameters_come_back_within_four_standard_errors(name):
    model = SHOPS[name]
    panel = simulated(model, 150_000, seed=40)
    fitted = fit_gamma_gamma(panel.frequency, panel.monetary_value)
    report = fitted.fit_report
    repeat = int((panel.frequency > 0).sum())
    assert report.converged and report.n_customers == repeat > 50_000
    for parameter in ("p", "q", "v"):
        true, estimate = getattr(model, parameter), getattr(fitted, parameter)
        error = report.standard_errors[parameter]
        assert error < 0.05, (parameter, error)
        assert abs(np.log(estimate / true)) < 4 * error, (parameter, true, estimate, error)
    keep = panel.frequency > 0
    at_truth = model.log_likelihood(panel.frequency[keep], panel.monetary_value[keep]).sum()
    assert report.log_likelihood >= at_truth


def test_gradient_is_the_derivative_of_the_log_likelihood():
    panel = simulated(CDNOW, 600, seed=2)
    panel = panel[panel.frequency > 0]
    x, m = panel.frequency.to_numpy(float), panel.monetary_value.to_numpy()

    def loglik(theta):
        return _log_likelihood_terms(*np.exp(theta), x, m)[0].sum()

    def gradient(theta):  # in log-parameters, as the fit sees it
        return _log_likelihood_terms(*np.exp(theta), x, m, gradient=True)[1].sum(axis=1) * np.exp(theta)

    theta = np.log([3.0, 2.5, 20.0])
    assert check_grad(loglik, gradient, theta, epsilon=1e-7) < 1e-5 * np.linalg.norm(gradient(theta))


@pytest.mark.parametrize("name", sorted(SHOPS))
def test_expected_spend_matches_the_true_mean_spend_of_similar_customers(name):
    """E[Z | m, x] is a conditional expectation of each customer's true mean spend p / nu:
    averaged within groups of customers it must match the simulated truth."""
    model = SHOPS[name]
    panel = simulated(model, 150_000, seed=9)
    predicted = model.expected_spend(panel.frequency, panel.monetary_value)
    truth = panel.mean_spend.to_numpy()
    groups = np.digitize(panel.frequency, [1, 2, 5]) * 2 + (panel.monetary_value > model.mean_spend)
    for group in np.unique(groups):
        rows = groups == group
        assert rows.sum() > 1_000
        standard_error = truth[rows].std() / np.sqrt(rows.sum())
        assert abs(predicted[rows].mean() - truth[rows].mean()) < 4 * standard_error, group


def test_customers_without_repeat_purchase_get_the_population_mean():
    # their mean repeat spend is undefined: whatever stands there (0, a stray value, NULL) is unused
    spend = CDNOW.expected_spend([0, 0, 0, 1, 50], [0.0, 999.0, np.nan, 40.0, 40.0])
    assert spend[0] == spend[1] == spend[2] == pytest.approx(CDNOW.p * CDNOW.v / (CDNOW.q - 1))
    # one purchase of 40 moves the estimate part of the way from the mean (35.2); fifty nearly all
    assert CDNOW.mean_spend < spend[3] < spend[4] < 40.0
    assert spend[4] == pytest.approx(40.0, abs=0.5)


def test_heavy_tailed_spend_without_a_mean_is_a_clear_error():
    model = GammaGammaModel(p=2.0, q=0.9, v=10.0)
    with pytest.raises(ValueError, match=r"q = 0.9 <= 1: the population mean spend .* is infinite"):
        model.expected_spend([1], [20.0])


def test_fit_is_deterministic_and_ignores_row_order():
    panel = simulated(WIDE, 20_000, seed=6)
    first = fit_gamma_gamma(panel.frequency, panel.monetary_value)
    shuffled = panel.sample(frac=1.0, random_state=1)
    assert first == fit_gamma_gamma(panel.frequency, panel.monetary_value) == fit_gamma_gamma(
        shuffled.frequency, shuffled.monetary_value)


def test_no_repeat_customer_is_a_clear_error():
    with pytest.raises(ClvInputError, match="none of the 2 customers has a repeat purchase"):
        fit_gamma_gamma([0, 0], [0.0, 0.0])


@pytest.mark.parametrize(("frequency", "monetary_value", "message"), [
    ([1, 2], [10.0, np.nan], "monetary_value has 1 missing or infinite value.* with repeat purchases"),
    ([1, 2], [10.0, 0.0], "zero or negative for 1 customer"),
    ([1, -2], [10.0, 5.0], "non-negative whole number"),
    ([1, 2], [10.0], "differ in length"),
])
def test_bad_spend_is_named(frequency, monetary_value, message):
    with pytest.raises(ClvInputError, match=message):
        fit_gamma_gamma(frequency, monetary_value)


def test_spend_that_grows_with_frequency_is_flagged():
    """Gamma-Gamma assumes spend per purchase does not depend on how often one buys."""
    rng = np.random.default_rng(3)
    frequency = rng.integers(1, 20, 3_000)
    monetary_value = 5.0 * frequency * rng.gamma(20.0, 1 / 20.0, 3_000)
    with pytest.warns(ClvFitWarning) as caught:
        fit_gamma_gamma(frequency, monetary_value)
    messages = [str(warning.message) for warning in caught]
    assert any("frequency and mean spend of the 3000 repeat customers correlate at 0.9" in m for m in messages)


def test_independent_spend_fits_without_warning():
    panel = simulated(CDNOW, 20_000, seed=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClvFitWarning)
        fit_gamma_gamma(panel.frequency, panel.monetary_value)
