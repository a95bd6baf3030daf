"""BG/NBD (shopper_propensity.clv.bgnbd): parameter recovery on simulated panels, the
conditional forecasts against simulated futures, and inputs that must fail or stay finite."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import check_grad
from scipy.special import hyp2f1

from shopper_propensity.clv.bgnbd import (
    BetaGeoModel,
    _expected_if_alive,
    _expected_if_alive_by_quadrature,
    _expected_if_alive_on_grid,
    _is_concentrated,
    _log_likelihood_terms,
    fit_beta_geo,
)
from shopper_propensity.clv.inputs import ClvFitWarning, ClvInputError
from shopper_propensity.clv.simulate import simulate_beta_geo

# CDNOW (Fader, Hardie & Lee 2005: r 0.243, alpha 4.414 weeks, a 0.793, b 2.426) in days, over
# CDNOW's 27-39 weeks of observation; and a panel of steadier, longer-lived monthly buyers
# (a > 1, so both sides of the 0/0 at a = 1 in eq. 10 are exercised).
CDNOW = BetaGeoModel(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426)
MONTHLY = BetaGeoModel(r=0.9, alpha=60.0, a=1.6, b=5.0)
PANELS = {"cdnow": (CDNOW, 189.0, 273.0), "monthly": (MONTHLY, 90.0, 730.0)}
NAMES = ("r", "alpha", "a", "b")


def simulated(name: str, customers: int, seed: int, t: float = 0.0):
    model, first_age, last_age = PANELS[name]
    ages = np.random.default_rng(seed).uniform(first_age, last_age, customers)
    return simulate_beta_geo(model, ages, seed=seed + 1, t=t)


@pytest.mark.parametrize("name", sorted(PANELS))
def test_parameters_come_back_within_four_standard_errors(name):
    model = PANELS[name][0]
    panel = simulated(name, 200_000, seed=20)
    fitted = fit_beta_geo(panel.frequency, panel.recency, panel["T"])
    report = fitted.fit_report
    assert report.converged and report.n_customers == 200_000
    for parameter in NAMES:
        true, estimate = getattr(model, parameter), getattr(fitted, parameter)
        error = report.standard_errors[parameter]
        # the standard error is small (the panel is informative), and the truth lies within 4 of them
        assert error < (0.02 if parameter in ("r", "alpha") else 0.05), (parameter, error)
        assert abs(np.log(estimate / true)) < 4 * error, (parameter, true, estimate, error)
    # maximum likelihood: the estimate explains the panel at least as well as the truth
    at_truth = model.log_likelihood(panel.frequency, panel.recency, panel["T"]).sum()
    assert report.log_likelihood >= at_truth


def test_gradient_is_the_derivative_of_the_log_likelihood():
    panel = simulated("cdnow", 400, seed=3)
    x, t_x, age = panel.frequency.to_numpy(float), panel.recency.to_numpy(), panel["T"].to_numpy()

    def loglik(theta):
        return _log_likelihood_terms(*np.exp(theta), x, t_x, age)[0].sum()

    def gradient(theta):  # in log-parameters, as the fit sees it
        return _log_likelihood_terms(*np.exp(theta), x, t_x, age, gradient=True)[1].sum(axis=1) * np.exp(theta)

    theta = np.log([0.5, 20.0, 1.3, 3.0])
    assert check_grad(loglik, gradient, theta, epsilon=1e-7) < 1e-5 * np.linalg.norm(gradient(theta))


@pytest.mark.parametrize("name", sorted(PANELS))
def test_conditional_forecasts_match_simulated_futures(name):
    """With the true parameters, P(alive), E[Y(t)] and P(Y(t) > 0) given a history are
    conditional expectations: averaged over customers with similar histories they must match
    what the simulation did after T, within 4 standard errors of the simulated mean."""
    model = PANELS[name][0]
    horizon = 90.0
    panel = simulated(name, 200_000, seed=31, t=horizon)
    history = (panel.frequency, panel.recency, panel["T"])
    predicted = {
        "is_alive": model.probability_alive(*history),
        "future_purchases": model.expected_purchases(horizon, *history),
        "bought_again": model.probability_of_purchase(horizon, *history),
    }
    observed = {
        "is_alive": panel.is_alive.to_numpy(float),
        "future_purchases": panel.future_purchases.to_numpy(float),
        "bought_again": (panel.future_purchases > 0).to_numpy(float),
    }
    groups = np.digitize(panel.frequency, [1, 2, 4])  # no repeat, 1, 2-3, 4 or more
    for group in np.unique(groups):
        rows = groups == group
        assert rows.sum() > 2_000
        for quantity, values in observed.items():
            standard_error = values[rows].std() / np.sqrt(rows.sum())
            gap = abs(predicted[quantity][rows].mean() - values[rows].mean())
            assert gap < 4 * standard_error + 1e-9, (quantity, group, gap, standard_error)


def test_customers_without_repeat_purchase_are_alive_and_forecasts_are_ordered():
    model = CDNOW
    frequency = np.array([0, 0, 3, 3, 3])
    recency = np.array([0.0, 0.0, 200.0, 50.0, 50.0])
    T = np.array([10.0, 250.0, 210.0, 210.0, 400.0])
    alive = model.probability_alive(frequency, recency, T)
    assert alive[:2].tolist() == [1.0, 1.0]
    # a recent last purchase keeps a customer alive; a long silence since makes dropout likely
    assert alive[2] > alive[3] > alive[4]
    buys = model.probability_of_purchase(90, frequency, recency, T)
    expected = model.expected_purchases(90, frequency, recency, T)
    assert np.all((buys >= 0) & (buys <= alive)) and np.all(expected >= buys)
    assert np.all(model.expected_purchases(180, frequency, recency, T) > expected)
    assert model.probability_of_purchase(0, frequency, recency, T).tolist() == [0.0] * 5


def test_new_customer_expectation_is_the_forecast_of_an_empty_history():
    for model in (CDNOW, MONTHLY):
        empty = model.expected_purchases(365, [0], [0.0], [0.0])[0]
        assert model.expected_purchases_new_customer(365) == pytest.approx(empty, rel=1e-12)


def test_extreme_histories_stay_finite():
    model = CDNOW
    frequency = np.array([0, 1, 500, 500, 5_000])
    recency = np.array([0.0, 1e-9, 1_000.0, 1.0, 3_650.0])
    T = np.array([0.0, 1e-9, 1_000.0, 1_000.0, 3_650.0])
    for values in (
        model.probability_alive(frequency, recency, T),
        model.probability_of_purchase(365, frequency, recency, T),
        model.expected_purchases(365, frequency, recency, T),
        model.log_likelihood(frequency, recency, T),
    ):
        assert np.isfinite(values).all()
    # 500 purchases in the first day, then 999 silent days: gone
    assert model.probability_alive(frequency, recency, T)[3] < 1e-12


def test_heavy_buyer_forecast_matches_a_draw_from_the_posterior():
    """500 purchases in 1,000 days, the last today. Given alive (P = 1 - a/(a+b+x-1), about
    0.998), lambda ~ Gamma(r + x, alpha + T) and p ~ Beta(a, b + x), and the next year's
    purchases are min(Poisson(lambda t), Geometric(p)). Eq. 10 after Euler's transformation
    must agree with a draw of that."""
    model, x, age, t = CDNOW, 500, 1_000.0, 365.0
    rng = np.random.default_rng(4)
    rate = rng.gamma(model.r + x, 1.0 / (model.alpha + age), 400_000)
    dropout = rng.beta(model.a, model.b + x, 400_000)
    purchases = np.minimum(rng.poisson(rate * t), rng.geometric(dropout))
    alive = model.probability_alive([x], [age], [age])[0]
    assert alive == pytest.approx(1 - model.a / (model.a + model.b + x - 1), rel=1e-12)
    expected = model.expected_purchases(t, [x], [age], [age])[0]
    assert abs(expected - alive * purchases.mean()) < 4 * alive * purchases.std() / np.sqrt(purchases.size)
    buys = model.probability_of_purchase(t, [x], [age], [age])[0]
    assert buys == pytest.approx(model.probability_alive([x], [age], [age])[0], abs=1e-12)


def test_the_integral_behind_eq_10_agrees_with_it():
    """Where scipy's hyp2f1 fails (NaN in far corners) eq. 10's expectation is taken as an
    integral over the dropout probability; where both exist they must agree."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        r, alpha, a, b = np.exp(rng.uniform(np.log([0.02, 0.5, 0.02, 0.05]), np.log([20, 1_000, 30, 300])))
        if abs(a - 1.0) < 1e-3:
            continue
        x, age, t = float(rng.integers(0, 200)), rng.uniform(0, 2_000), float(rng.choice([1, 30, 90, 365, 3_650]))
        closed_form = _expected_if_alive(r, alpha, a, b, np.array([x]), np.array([age]), t)[0]
        assert _expected_if_alive_by_quadrature(r, alpha, a, b, x, age, t) == pytest.approx(closed_form, rel=1e-5)


def test_far_corners_of_the_parameter_space_stay_finite():
    """Seeded sweep over parameters, histories and horizons (up to 100 years) far beyond any
    real fit: every forecast is a finite, non-negative number."""
    rng = np.random.default_rng(0)
    for _ in range(300):
        model = BetaGeoModel(*np.exp(rng.uniform(np.log([0.01, 0.1, 0.01, 0.01]), np.log([50, 5_000, 50, 500]))))
        T = rng.uniform(0, 3_000, 40)
        frequency = rng.integers(0, 2_000, 40) * (rng.random(40) < 0.7)
        recency = np.where(frequency > 0, T * rng.random(40), 0.0)
        t = float(rng.choice([1, 30, 90, 365, 3_650, 36_500]))
        for values in (model.probability_alive(frequency, recency, T),
                       model.probability_of_purchase(t, frequency, recency, T),
                       model.expected_purchases(t, frequency, recency, T),
                       np.array([model.expected_purchases_new_customer(t)])):
            assert np.isfinite(values).all() and (values >= 0).all(), (model, t)
    # one corner where scipy 1.17's hyp2f1 returns NaN: 100 years ahead, b in the hundreds
    corner = BetaGeoModel(r=0.0121, alpha=0.133, a=1.89, b=188.0)
    value = corner.expected_purchases(36_500, [0], [0.0], [17.0])[0]
    assert value == pytest.approx(_expected_if_alive_by_quadrature(0.0121, 0.133, 1.89, 188.0, 0, 17.0, 36_500))
    assert corner.expected_purchases(3_650, [0], [0.0], [17.0])[0] < value


def test_rows_where_hyp2f1_fails_fall_back_to_the_integral(monkeypatch):
    history = ([0, 3, 40], [0.0, 100.0, 290.0], [120.0, 200.0, 300.0])
    closed_form = MONTHLY.expected_purchases(90, *history)

    def failing_hyp2f1(a, b, c, z):
        values = np.asarray(hyp2f1(a, b, c, z), dtype=float).copy()
        values[1] = np.nan
        return values

    monkeypatch.setattr("shopper_propensity.clv.bgnbd.hyp2f1", failing_hyp2f1)
    np.testing.assert_allclose(MONTHLY.expected_purchases(90, *history), closed_form, rtol=1e-6)


def test_the_grid_integral_agrees_with_the_adaptive_one_where_dropout_is_concentrated():
    """Large a and b (a fit that pins the dropout probability down, e.g. a = 12,104 and
    b = 162,755 on a synthetic panel) make hyp2f1 fail for whole panels: there the integral
    runs on a fixed grid for all rows at once, and must agree with the adaptive one."""
    rng = np.random.default_rng(5)
    for _ in range(40):
        r, alpha = np.exp(rng.uniform(np.log([0.05, 1.0]), np.log([5.0, 200.0])))
        a = float(np.exp(rng.uniform(np.log(2.0), np.log(1e5))))
        b = a * float(np.exp(rng.uniform(np.log(0.5), np.log(50.0))))
        x, age = rng.integers(0, 100, 30).astype(float), rng.uniform(0, 2_000, 30)
        t = float(rng.choice([30, 90, 365, 3_650]))
        grid = _is_concentrated(a, b + x)
        if not grid.any():
            continue
        adaptive = [_expected_if_alive_by_quadrature(r, alpha, a, b, xi, ti, t) for xi, ti in zip(x[grid], age[grid],
                                                                                                    strict=True)]
        np.testing.assert_allclose(_expected_if_alive_on_grid(r, alpha, a, b, x[grid], age[grid], t), adaptive,
                                   rtol=1e-6)
    fitted_tight = BetaGeoModel(r=0.465, alpha=16.48, a=12_104.0, b=162_755.0)
    history = ([0, 3, 40], [0.0, 100.0, 290.0], [120.0, 200.0, 300.0])
    expected = fitted_tight.expected_purchases(90, *history)
    alive = fitted_tight.probability_alive(*history)
    adaptive = [_expected_if_alive_by_quadrature(0.465, 16.48, 12_104.0, 162_755.0, x, age, 90)
                for x, age in zip(history[0], history[2], strict=True)]
    np.testing.assert_allclose(expected, alive * np.array(adaptive), rtol=1e-6)


def test_expected_purchases_are_continuous_through_a_equal_to_one():
    """Eq. 10 divides by a - 1; at a = 1 the limit is taken from both sides."""
    history = ([0, 2, 10], [0.0, 100.0, 300.0], [50.0, 200.0, 320.0])
    values = [BetaGeoModel(0.5, 30.0, a, 3.0).expected_purchases(90, *history) for a in (0.999, 1.0, 1.001)]
    assert np.isfinite(values[1]).all()
    np.testing.assert_allclose(values[1], (values[0] + values[2]) / 2, rtol=1e-6)
    np.testing.assert_allclose(values[0], values[2], rtol=1e-2)


def test_fit_is_deterministic_and_ignores_row_order():
    panel = simulated("monthly", 20_000, seed=5)
    first = fit_beta_geo(panel.frequency, panel.recency, panel["T"])
    again = fit_beta_geo(panel.frequency, panel.recency, panel["T"])
    shuffled = panel.sample(frac=1.0, random_state=0)
    reordered = fit_beta_geo(shuffled.frequency, shuffled.recency, shuffled["T"])
    assert first == again == reordered


def test_no_repeat_purchase_at_all_is_a_clear_error():
    with pytest.raises(ClvInputError, match="none of the 3 customers has a repeat purchase"):
        fit_beta_geo([0, 0, 0], [0.0, 0.0, 0.0], [10.0, 20.0, 30.0])


@pytest.mark.parametrize(("frequency", "recency", "T", "message"), [
    ([1, np.nan], [1.0, 0.0], [5.0, 5.0], "frequency has 1 missing or infinite"),
    ([1, 2], [1.0, 2.0], [5.0, np.inf], "T has 1 missing or infinite"),
    ([1, -1], [1.0, 0.0], [5.0, 5.0], "frequency has 1 negative"),
    ([1.5, 2], [1.0, 2.0], [5.0, 5.0], "non-integer"),
    ([1, 2], [6.0, 2.0], [5.0, 5.0], "recency exceeds T for 1 customer"),
    ([0, 2], [3.0, 2.0], [5.0, 5.0], "recency > 0 but no repeat purchase"),
    ([1, 2], [1.0], [5.0, 5.0], "differ in length"),
    (pd.Series([1, None], dtype="Int64"), [1.0, 0.0], [5.0, 5.0], "frequency has 1 missing"),
    ([1, 2], ["1.0", "soon"], [5.0, 5.0], "recency must be numeric"),
    ([], [], [], "no customers"),
])
def test_bad_histories_are_named(frequency, recency, T, message):
    with pytest.raises(ClvInputError, match=message):
        fit_beta_geo(frequency, recency, T)
    with pytest.raises(ClvInputError, match=message):
        CDNOW.probability_alive(frequency, recency, T)


@pytest.mark.parametrize("horizon", [-1.0, np.nan, np.inf])
def test_bad_horizons_are_named(horizon):
    with pytest.raises(ClvInputError, match="non-negative number of days"):
        CDNOW.expected_purchases(horizon, [1], [1.0], [5.0])


def test_parameters_must_be_positive():
    with pytest.raises(ClvInputError, match="parameter alpha must be positive"):
        BetaGeoModel(r=0.2, alpha=0.0, a=1.0, b=1.0)


def test_a_panel_without_any_sign_of_dropout_warns_that_the_fit_is_weak():
    """Every repeat customer bought on their last observed day: nothing tells how often
    customers drop out, so a and b run off (the fit says so instead of posing as an estimate)."""
    rng = np.random.default_rng(0)
    T = rng.uniform(100, 300, 2_000)
    frequency = rng.poisson(3, 2_000)
    recency = np.where(frequency > 0, T, 0.0)
    # a and b both named; their errors are huge or infinite depending on where the optimizer stops
    # on the flat likelihood (the last digits of the CPU's floating point decide which)
    with pytest.warns(ClvFitWarning, match=r"barely constrains a \(standard error of log a: (inf|\d[\d.]*)\), "
                                           r"b \(standard error of log b: (inf|\d[\d.]*)\)"):
        fitted = fit_beta_geo(frequency, recency, T)
    assert np.isfinite(fitted.probability_alive(frequency, recency, T)).all()


def test_an_informative_panel_fits_without_warning():
    panel = simulated("cdnow", 20_000, seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClvFitWarning)
        fit_beta_geo(panel.frequency, panel.recency, panel["T"])
