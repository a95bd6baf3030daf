r"""BG/NBD: who is still a customer, and how many purchases they will make (Fader, Hardie & Lee 2005).

Model. While active, a customer buys at Poisson rate lambda, lambda ~ Gamma(r, alpha) across
customers (shape r, rate alpha). After each repeat purchase the customer drops out for good
with probability p, p ~ Beta(a, b). Nobody drops out at the first purchase (time 0), so a
customer without a repeat purchase is alive for sure: P(alive | x = 0) = 1.

Data per customer (``summary.summarize_orders``), time unit DAYS: x = frequency (repeat
purchases), t_x = recency (days from the first to the last purchase), T = days from the first
purchase to the cutoff. alpha is therefore in days; the CDNOW estimates of the paper (weeks:
r 0.243, alpha 4.414, a 0.793, b 2.426) read alpha = 30.9 in days.

Likelihood (paper, eq. 6), delta = 1 if x > 0:

    L = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x) / B(a, b)
        * [ (alpha+T)^-(r+x) + delta * a/(b+x-1) * (alpha+t_x)^-(r+x) ]

computed in log space (gammaln, betaln, logaddexp), with the analytic gradient in log-parameters.
Write A3 = (alpha+T)^-(r+x) and A4 = delta * a/(b+x-1) * (alpha+t_x)^-(r+x).

    P(alive | x, t_x, T)      = A3 / (A3 + A4)                                       (eq. 13)
    E[Y(t) | x, t_x, T]       = P(alive) * (a+b+x-1)/(a-1)
                                * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                                       * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]      (eq. 10)
    P(Y(t) > 0 | x, t_x, T)   = P(alive) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)]
    E[X(t)] (a new customer)  = eq. 10 at x = t_x = T = 0                            (eq. 9)

Y(t) counts purchases in (T, T+t]. The hypergeometric term is evaluated after Euler's
transformation, (1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z), whose
parameters do not grow with x, so heavy buyers stay finite; where scipy's hyp2f1 still gives
NaN (far corners: decades-long horizons with b + x in the hundreds) the same expectation is
integrated numerically over the dropout probability. P(Y(t) > 0) follows from the
model's structure: given the history, the customer is alive with P(alive), and then lambda
is Gamma(r+x, alpha+T) and the first purchase after T comes before T+t with probability
1 - E[exp(-lambda t)]; a dropped-out customer never buys. For x > 0 this is Fader & Hardie's
P(Y(t) = 0 | x, t_x, T) (note 039, eq. 34); at x = 0 the A4 term is absent, as in P(alive).
(PyMC-Marketing 0.19.2's expected_probability_no_purchase keeps it at x = 0, which disagrees
with its own P(alive) = 1 there and with simulation.)

References: P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "'Counting Your Customers' the
Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284;
P. S. Fader, B. G. S. Hardie (2019), "A Step-by-Step Derivation of the BG/NBD Model",
http://www.brucehardie.com/notes/039/. The parametrisation follows PyMC-Marketing's
``BetaGeoModel`` and lifetimes' ``BetaGeoFitter``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.integrate import IntegrationWarning, quad
from scipy.special import betaln, digamma, gammaln, hyp2f1, polygamma

from shopper_propensity.clv.inputs import ClvInputError, horizon, repeat_history
from shopper_propensity.clv.optimize import (
    FitReport,
    maximize_log_likelihood,
    unique_rows,
)

# (a+b+x-1)/(a-1) * [1 - ...] is 0/0 at a = 1; within this distance it is read as the mean of
# the two sides, which are smooth in a.
_A_NEAR_ONE = 1e-4
# Where hyp2f1 fails and the dropout probability is this concentrated (standard deviation of
# log p), eq. 10's integral is taken on a fixed grid of GRID_NODES Gauss-Legendre nodes over
# GRID_SPREAD standard deviations either side of the mean of log p.
CONCENTRATED_LOG_SD = 0.5
GRID_NODES = 64
GRID_SPREAD = 10.0


@dataclass(frozen=True)
class BetaGeoModel:
    """BG/NBD parameters (alpha in days) and what they say about each customer's history.

    Every method takes per-customer arrays (frequency, recency, T) as from
    ``summarize_orders`` and returns one float per customer.
    """

    r: float
    alpha: float
    a: float
    b: float
    fit_report: FitReport | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("r", "alpha", "a", "b"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ClvInputError(f"BG/NBD parameter {name} must be positive and finite, got {value!r}")

    def log_likelihood(self, frequency, recency, T) -> np.ndarray:
        """Each customer's log-likelihood (time in days)."""
        x, t_x, age = repeat_history(frequency, recency, T)
        return _log_likelihood_terms(self.r, self.alpha, self.a, self.b, x, t_x, age)[0]

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(the customer has not dropped out by T | history)."""
        x, t_x, age = repeat_history(frequency, recency, T)
        return _alive(self.r, self.alpha, self.a, self.b, x, t_x, age)

    def probability_of_purchase(self, t, frequency, recency, T) -> np.ndarray:
        """P(at least one purchase in the next t days, (T, T+t] | history)."""
        t = horizon(t)
        x, t_x, age = repeat_history(frequency, recency, T)
        alive = _alive(self.r, self.alpha, self.a, self.b, x, t_x, age)
        return alive * -np.expm1(-(self.r + x) * np.log1p(t / (self.alpha + age)))

    def expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """E[number of purchases in the next t days, (T, T+t] | history]."""
        t = horizon(t)
        x, t_x, age = repeat_history(frequency, recency, T)
        alive = _alive(self.r, self.alpha, self.a, self.b, x, t_x, age)
        return alive * _expected_if_alive(self.r, self.alpha, self.a, self.b, x, age, t)

    def expected_purchases_new_customer(self, t) -> float:
        """E[X(t)]: repeat purchases in the first t days after a first purchase (eq. 9)."""
        t = horizon(t)
        zero = np.zeros(1)
        return float(_expected_if_alive(self.r, self.alpha, self.a, self.b, zero, zero, t)[0])


def fit_beta_geo(frequency, recency, T) -> BetaGeoModel:
    """Maximum-likelihood BG/NBD on per-customer (frequency, recency, T), time in days.

    Deterministic: no random start, L-BFGS-B from all parameters at 1 on time rescaled so the
    longest T is 10. Raises ClvInputError when no customer has a repeat purchase (the model
    cannot then tell a low purchase rate from dropout); warns (ClvFitWarning) when the fit
    stops early or the data barely constrain a parameter (it runs off to 0 or infinity, or has
    a large standard error). fit_report holds the log-likelihood, standard errors and optimizer's word.
    """
    x, t_x, age = repeat_history(frequency, recency, T)
    if not (x > 0).any():
        raise ClvInputError(
            f"none of the {x.size} customers has a repeat purchase (frequency is 0 for all): "
            "BG/NBD cannot separate the purchase rate from dropout"
        )
    # Rescaling time moves alpha only (alpha_days = alpha_scaled * scale); it puts the start at 1
    # within reach whatever the panel's length.
    scale = float(age.max()) / 10.0 if age.max() > 0 else 1.0
    (x_u, t_x_u, age_u), weights = unique_rows(x, t_x / scale, age / scale)
    total = weights.sum()
    x_levels = np.unique(x_u, return_inverse=True)

    def mean_loglik(theta: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = np.exp(theta)
        ll, grad = _log_likelihood_terms(r, alpha, a, b, x_u, t_x_u, age_u, gradient=True, x_levels=x_levels)
        return float(weights @ ll) / total, (grad @ weights) / total * np.exp(theta)

    def describe(params: np.ndarray) -> dict[str, float]:
        r, alpha, a, b = params
        return {"r": float(r), "alpha": float(alpha * scale), "a": float(a), "b": float(b)}

    params, report = maximize_log_likelihood(mean_loglik, ("r", "alpha", "a", "b"), x.size, "BG/NBD", describe)
    fitted = BetaGeoModel(**describe(params))
    # the fit ran on rescaled time: restate the log-likelihood in days
    report = replace(report, log_likelihood=float(fitted.log_likelihood(x, t_x, age).sum()))
    return replace(fitted, fit_report=report)


def _log_terms(r, alpha, a, b, x, t_x, age):
    """log A3 and log A4 (-inf without a repeat purchase), and b+x-1 made safe at x = 0."""
    has_repeat = x > 0
    b_x = np.where(has_repeat, b + x - 1.0, 1.0)
    log_a3 = -(r + x) * np.log(alpha + age)
    log_a4 = np.where(has_repeat, np.log(a) - np.log(b_x) - (r + x) * np.log(alpha + t_x), -np.inf)
    return log_a3, log_a4, b_x


def _alive(r, alpha, a, b, x, t_x, age) -> np.ndarray:
    log_a3, log_a4, _ = _log_terms(r, alpha, a, b, x, t_x, age)
    return np.exp(log_a3 - np.logaddexp(log_a3, log_a4))


def _log_likelihood_terms(r, alpha, a, b, x, t_x, age, gradient: bool = False, x_levels=None):
    """Per-row log-likelihood and, on request, its 4 x n gradient in (r, alpha, a, b).

    The gamma and digamma terms depend on x alone, which takes few values: they are computed
    once per distinct x (x_levels = np.unique(x, return_inverse=True), precomputed by the fit).
    """
    levels, index = np.unique(x, return_inverse=True) if x_levels is None else x_levels
    log_a3, log_a4, b_x = _log_terms(r, alpha, a, b, x, t_x, age)
    log_c = np.logaddexp(log_a3, log_a4)
    ll_x = gammaln(r + levels) - gammaln(r) + r * np.log(alpha) + betaln(a, b + levels) - betaln(a, b)
    ll = ll_x[index] + log_c
    if not gradient:
        return ll, None
    w3 = np.exp(log_a3 - log_c)
    w4 = np.exp(log_a4 - log_c)
    psi_abx = digamma(a + b + levels)
    psi_ab = digamma(a + b)
    d_r_x = digamma(r + levels) - digamma(r) + np.log(alpha)
    d_a_x = psi_ab - psi_abx
    d_b_x = digamma(b + levels) - digamma(b) + psi_ab - psi_abx
    d_r = d_r_x[index] - w3 * np.log(alpha + age) - w4 * np.log(alpha + t_x)
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + age) + w4 / (alpha + t_x))
    d_a = d_a_x[index] + w4 / a
    d_b = d_b_x[index] - w4 / b_x
    return ll, np.vstack([d_r, d_alpha, d_a, d_b])


def _expected_if_alive(r, alpha, a, b, x, age, t) -> np.ndarray:
    """E[Y(t) | alive at T, x]: eq. 10 without its P(alive) factor."""
    if abs(a - 1.0) < _A_NEAR_ONE:
        below = _expected_if_alive_off_one(r, alpha, 1.0 - _A_NEAR_ONE, b, x, age, t)
        above = _expected_if_alive_off_one(r, alpha, 1.0 + _A_NEAR_ONE, b, x, age, t)
        return (below + above) / 2.0
    return _expected_if_alive_off_one(r, alpha, a, b, x, age, t)


def _expected_if_alive_off_one(r, alpha, a, b, x, age, t) -> np.ndarray:
    c = a + b + x - 1.0
    z = t / (alpha + age + t)
    # where hyp2f1 overflows (0 * inf) the row is NaN and taken as an integral below
    with np.errstate(invalid="ignore", over="ignore"):
        tail = (1.0 - z) ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
        expected = c / (a - 1.0) * (1.0 - tail)
    # scipy's hyp2f1 gives NaN for far corners (b + x in the hundreds, z within 1e-3 of 1, i.e.
    # horizons of decades) and for large a and b (a dropout probability the fit pins down
    # tightly): there the same expectation is taken as an integral, on a fixed grid for all
    # rows at once where the dropout probability is concentrated, else row by row
    failed = np.flatnonzero(~np.isfinite(expected))
    if failed.size:
        grid = failed[_is_concentrated(a, b + x[failed])]
        expected[grid] = _expected_if_alive_on_grid(r, alpha, a, b, x[grid], age[grid], t)
        for row in np.setdiff1d(failed, grid):
            expected[row] = _expected_if_alive_by_quadrature(r, alpha, a, b, x[row], age[row], t)
    return expected


def _is_concentrated(a: float, b_x: np.ndarray) -> np.ndarray:
    """Beta(a, b + x) with a single hump narrow in log p (standard deviation of log p below
    CONCENTRATED_LOG_SD) and clear of p = 1 (the grid's window stays above y = 0, where the
    density is not smooth): what the fixed grid of _expected_if_alive_on_grid integrates."""
    if a <= 1.0:
        return np.zeros(b_x.shape, dtype=bool)
    spread = np.sqrt(np.maximum(polygamma(1, a) - polygamma(1, a + b_x), 0.0))
    mean = digamma(a + b_x) - digamma(a)
    return (b_x > 1.0) & (spread < CONCENTRATED_LOG_SD) & (mean - GRID_SPREAD * spread > 0.0)


def _expected_if_alive_on_grid(r, alpha, a, b, x, age, t) -> np.ndarray:
    """_expected_if_alive_by_quadrature for many rows at once, where the dropout probability p is
    concentrated: the integral over y = -log p on a Gauss-Legendre grid spanning GRID_SPREAD
    standard deviations of log p around its mean, normalised by the density on the same grid
    (the per-row adaptive integral takes about a millisecond a row: minutes on a large panel)."""
    b_x = b + x
    mean = digamma(a + b_x) - digamma(a)  # E[-log p], p ~ Beta(a, b + x)
    spread = np.sqrt(polygamma(1, a) - polygamma(1, a + b_x))
    low = mean - GRID_SPREAD * spread
    high = mean + GRID_SPREAD * spread
    nodes, weights = np.polynomial.legendre.leggauss(GRID_NODES)
    y = low[:, None] + (high - low)[:, None] * (nodes[None, :] + 1.0) / 2.0
    p = np.exp(-y)
    log_density = -a * y + (b_x[:, None] - 1.0) * np.log1p(-p)  # p^a (1-p)^(b+x-1), up to a constant
    density = weights[None, :] * np.exp(log_density - log_density.max(axis=1, keepdims=True))
    growth = (t / (alpha + age))[:, None]
    purchases = -np.expm1(-(r + x)[:, None] * np.log1p(p * growth)) / p
    return (density * purchases).sum(axis=1) / density.sum(axis=1)


def _expected_if_alive_by_quadrature(r, alpha, a, b, x, age, t) -> float:
    """E[Y(t) | alive at T, x] = E[(1 - ((alpha+T) / (alpha+T+p t))^(r+x)) / p], p ~ Beta(a, b+x).

    Alive at T, the customer buys at rate lambda ~ Gamma(r+x, alpha+T) and is still alive s days
    later with probability exp(-lambda p s), so purchases arrive at rate lambda exp(-lambda p s);
    integrating over s in (0, t] and lambda leaves this one-dimensional integral over p, which
    eq. 10 solves in closed form. Integrated over y = -log p, where the Beta density is a smooth
    single hump for every a and b, split at the hump.
    """
    growth = t / (alpha + age)
    log_norm = betaln(a, b + x)

    def integrand(y: float) -> float:
        p = np.exp(-y)
        log_density = -a * y + (b + x - 1.0) * np.log1p(-p) - log_norm  # p^a (1-p)^(b+x-1) / B
        purchases = -np.expm1(-(r + x) * np.log1p(p * growth)) / p if p > 0 else (r + x) * growth
        return purchases * np.exp(log_density)

    hump = np.log((a + b + x) / a)  # y at the mean dropout probability
    # quad's roundoff notes at 1e-8 are not errors worth a user's attention: the tests hold this
    # integral to eq. 10 where both exist
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)
        below, _ = quad(integrand, 0.0, hump, epsabs=0.0, epsrel=1e-8, limit=200)
        above, _ = quad(integrand, hump, np.inf, epsabs=0.0, epsrel=1e-8, limit=200)
    return float(below + above)
