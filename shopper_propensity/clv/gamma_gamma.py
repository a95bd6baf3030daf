r"""Gamma-Gamma: what a customer spends per purchase (Fader & Hardie 2013, after Colombo & Jiang 1999).

Model. A customer's purchase values are Gamma(p, nu) (shape p, rate nu: mean p/nu); nu ~
Gamma(q, v) across customers (shape q, rate v). Spend is assumed independent of the purchase
process, so it pairs with BG/NBD; the fit warns when frequency and mean spend are visibly
correlated.

Data per customer: x = frequency (repeat purchases) and m = monetary_value, the mean value
of those x purchases (``summarize_orders``). Only customers with x > 0 enter the fit. Since
x * m ~ Gamma(p x, nu), integrating nu out gives

    f(m | p, q, v, x) = Gamma(p x + q) / (Gamma(p x) Gamma(q)) * v^q m^(p x - 1) x^(p x)
                        / (v + m x)^(p x + q)

(log space, gammaln; analytic gradient in log-parameters), and the posterior mean spend per
purchase

    E[Z | m, x] = p (v + m x) / (p x + q - 1)
                = (q - 1)/(p x + q - 1) * p v/(q - 1) + p x/(p x + q - 1) * m,

a weighted mean of the population mean p v / (q - 1) and the customer's own m; a customer
without a repeat purchase (x = 0) gets the population mean. Both need q > 1.

References: P. S. Fader, B. G. S. Hardie (2013), "The Gamma-Gamma Model of Monetary Value",
http://www.brucehardie.com/notes/025/; R. Colombo, W. Jiang (1999), "A stochastic RFM model",
Journal of Interactive Marketing 13(3). Parametrisation (p, q, v) as PyMC-Marketing's
``GammaGammaModel`` and lifetimes' ``GammaGammaFitter``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.special import digamma, gammaln

from shopper_propensity.clv.inputs import ClvFitWarning, ClvInputError, as_float_array
from shopper_propensity.clv.optimize import (
    FitReport,
    maximize_log_likelihood,
    unique_rows,
)

# |Pearson correlation| of frequency and mean spend among repeat customers above which the
# fit warns: Gamma-Gamma assumes the two are independent (Fader & Hardie 2013).
MAX_FREQUENCY_SPEND_CORRELATION = 0.3


@dataclass(frozen=True)
class GammaGammaModel:
    """Gamma-Gamma parameters (v in the currency of monetary_value) and expected spend."""

    p: float
    q: float
    v: float
    fit_report: FitReport | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("p", "q", "v"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ClvInputError(f"Gamma-Gamma parameter {name} must be positive and finite, got {value!r}")

    @property
    def mean_spend(self) -> float:
        """Population mean spend per purchase, p v / (q - 1)."""
        self._require_finite_mean()
        return self.p * self.v / (self.q - 1.0)

    def log_likelihood(self, frequency, monetary_value) -> np.ndarray:
        """Log-density of each repeat customer's mean spend (customers with frequency > 0)."""
        x, m = spend_history(frequency, monetary_value)
        keep = x > 0
        return _log_likelihood_terms(self.p, self.q, self.v, x[keep], m[keep])[0]

    def expected_spend(self, frequency, monetary_value) -> np.ndarray:
        """E[value of a purchase | history]: the population mean for customers without repeats."""
        self._require_finite_mean()
        x, m = spend_history(frequency, monetary_value)
        return self.p * (self.v + m * x) / (self.p * x + self.q - 1.0)

    def _require_finite_mean(self) -> None:
        if self.q <= 1.0:
            raise ValueError(
                f"Gamma-Gamma q = {self.q:.4g} <= 1: the population mean spend p v / (q - 1) is "
                "infinite (spend is too heavy-tailed for this model), so there is no expected spend"
            )


def spend_history(frequency, monetary_value) -> tuple[np.ndarray, np.ndarray]:
    """Validated (frequency, monetary_value). Where frequency is 0 the mean spend of repeat
    purchases is undefined: any value there, missing included, is read as 0."""
    x = as_float_array(frequency, "frequency")
    m = as_float_array(monetary_value, "monetary_value", require_finite=False)
    if x.size != m.size:
        raise ClvInputError(f"frequency and monetary_value differ in length ({x.size}, {m.size})")
    if (x < 0).any() or (x != np.floor(x)).any():
        raise ClvInputError("frequency must be a non-negative whole number of repeat purchases")
    missing = (x > 0) & ~np.isfinite(m)
    if missing.any():
        raise ClvInputError(
            f"monetary_value has {int(missing.sum())} missing or infinite value(s) for customers with repeat purchases"
        )
    non_positive = (x > 0) & (m <= 0)
    if non_positive.any():
        raise ClvInputError(
            f"monetary_value is zero or negative for {int(non_positive.sum())} customer(s) with repeat "
            "purchases: Gamma-Gamma models positive spend"
        )
    return x, np.where(x > 0, m, 0.0)


def fit_gamma_gamma(frequency, monetary_value) -> GammaGammaModel:
    """Maximum-likelihood Gamma-Gamma on the customers with at least one repeat purchase.

    Deterministic (L-BFGS-B from all parameters at 1, spend rescaled to mean 1). Raises
    ClvInputError when no customer has a repeat purchase; warns (ClvFitWarning) when frequency
    and spend are correlated beyond MAX_FREQUENCY_SPEND_CORRELATION, or the fit stops early or
    the data barely constrain a parameter.
    """
    x, m = spend_history(frequency, monetary_value)
    keep = x > 0
    if not keep.any():
        raise ClvInputError(
            f"none of the {x.size} customers has a repeat purchase (frequency is 0 for all): "
            "Gamma-Gamma has no spend to fit"
        )
    x, m = x[keep], m[keep]
    if x.size > 2 and np.ptp(x) > 0 and np.ptp(m) > 0:
        correlation = float(np.corrcoef(x, m)[0, 1])
        if abs(correlation) > MAX_FREQUENCY_SPEND_CORRELATION:
            warnings.warn(
                f"frequency and mean spend of the {x.size} repeat customers correlate at "
                f"{correlation:.2f}: Gamma-Gamma assumes they are independent, so its expected "
                "spend is biased for heavy or light buyers", ClvFitWarning, stacklevel=2)
    scale = float(m.mean())
    (x_u, m_u), weights = unique_rows(x, m / scale)
    total = weights.sum()

    def mean_loglik(theta: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, v = np.exp(theta)
        ll, grad = _log_likelihood_terms(p, q, v, x_u, m_u, gradient=True)
        return float(weights @ ll) / total, (grad @ weights) / total * np.exp(theta)

    def describe(params: np.ndarray) -> dict[str, float]:
        p, q, v = params
        return {"p": float(p), "q": float(q), "v": float(v * scale)}

    params, report = maximize_log_likelihood(mean_loglik, ("p", "q", "v"), x.size, "Gamma-Gamma", describe)
    fitted = GammaGammaModel(**describe(params))
    # the fit ran on rescaled spend: restate the log-likelihood in the currency of monetary_value
    report = replace(report, log_likelihood=float(_log_likelihood_terms(fitted.p, fitted.q, fitted.v, x, m)[0].sum()))
    return replace(fitted, fit_report=report)


def _log_likelihood_terms(p, q, v, x, m, gradient: bool = False):
    """Per-customer log-density of m given x > 0 and, on request, its 3 x n gradient."""
    px = p * x
    log_vmx = np.log(v + m * x)
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
          + (px - 1.0) * np.log(m) + px * np.log(x) - (px + q) * log_vmx)
    if not gradient:
        return ll, None
    psi_pxq = digamma(px + q)
    d_p = x * (psi_pxq - digamma(px) + np.log(m) + np.log(x) - log_vmx)
    d_q = psi_pxq - digamma(q) + np.log(v) - log_vmx
    d_v = q / v - (px + q) / (v + m * x)
    return ll, np.vstack([d_p, d_q, d_v])
