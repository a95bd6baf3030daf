"""Customer value over a horizon: BG/NBD's expected purchases times Gamma-Gamma's expected spend.

    CLV(h) = sum over steps k of [E[Y(t_k)] - E[Y(t_(k-1))]] * E[Z] / (1 + d)^(t_k / 365)

with t_k = min(k * step_days, h), E[Y(t)] the BG/NBD expected purchases in the next t days
given the history, E[Z] the Gamma-Gamma expected spend per purchase and d the annual discount
rate (purchases of a step are discounted from the step's end, as lifetimes and PyMC-Marketing
do monthly). With d = 0 it is E[Y(h)] * E[Z] exactly. Gamma-Gamma's independence of spend
and purchase process is what lets the two expectations multiply.
"""

from __future__ import annotations

import numpy as np

from shopper_propensity.clv.bgnbd import BetaGeoModel
from shopper_propensity.clv.gamma_gamma import GammaGammaModel
from shopper_propensity.clv.inputs import ClvInputError, horizon

DAYS_PER_YEAR = 365.0


def customer_lifetime_value(
    beta_geo: BetaGeoModel,
    gamma_gamma: GammaGammaModel,
    frequency,
    recency,
    T,
    monetary_value,
    horizon_days: float,
    *,
    discount_rate_annual: float = 0.0,
    step_days: float = 30.0,
) -> np.ndarray:
    """Expected (discounted) spend of each customer over the next horizon_days days."""
    horizon_days = horizon(horizon_days, "horizon_days")
    step_days = horizon(step_days, "step_days")
    if step_days == 0:
        raise ClvInputError("step_days must be positive")
    if not (np.isfinite(discount_rate_annual) and discount_rate_annual >= 0):
        raise ClvInputError(f"discount_rate_annual must be a finite rate >= 0, got {discount_rate_annual!r}")
    spend = gamma_gamma.expected_spend(frequency, monetary_value)
    if discount_rate_annual == 0:
        return beta_geo.expected_purchases(horizon_days, frequency, recency, T) * spend
    step_ends = np.minimum(np.arange(1, int(np.ceil(horizon_days / step_days)) + 1) * step_days, horizon_days)
    value = np.zeros_like(spend)
    purchases_before = np.zeros_like(spend)
    for step_end in step_ends:
        purchases_by_end = beta_geo.expected_purchases(step_end, frequency, recency, T)
        discount = (1.0 + discount_rate_annual) ** (step_end / DAYS_PER_YEAR)
        value += (purchases_by_end - purchases_before) * spend / discount
        purchases_before = purchases_by_end
    return value
