"""Customer panels drawn from known BG/NBD and Gamma-Gamma parameters, to test the fits against.

BG/NBD (``simulate_beta_geo``), per customer: lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b);
the repeat purchase after which the customer drops out is the K-th, K ~ Geometric(p) on
1, 2, ...; purchases follow a Poisson(lambda) process, stopped at the K-th. Over the
observation window [0, T]: N ~ Poisson(lambda T) purchases of the uncensored process, so
x = min(N, K), and given N the purchase times are N uniform points on [0, T]: the last kept
one, t_x, is T times the x-th of N uniform order statistics, T * Beta(x, N - x + 1). Over the
following t days, the process draws N' ~ Poisson(lambda t) more and the customer, still alive
when N < K, keeps min(N', K - N) of them. No loop over customers or purchases.

Gamma-Gamma (``simulate_gamma_gamma``): nu ~ Gamma(q, rate v) per customer and each purchase
value ~ Gamma(p, rate nu), so the mean of x values is Gamma(p x, rate nu x).

Time unit: days, as everywhere in ``shopper_propensity.clv``. Seeded: the same seed gives the
same panel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopper_propensity.clv.bgnbd import BetaGeoModel
from shopper_propensity.clv.gamma_gamma import GammaGammaModel
from shopper_propensity.clv.inputs import ClvInputError, as_float_array, horizon


def simulate_beta_geo(model: BetaGeoModel, T, seed: int, t: float = 0.0) -> pd.DataFrame:
    """One row per customer of observation age T (days) drawn from a BG/NBD model.

    Columns: frequency, recency, T (the model's inputs), is_alive (had not dropped out at T),
    purchase_rate (lambda, per day), dropout_probability (p) and future_purchases (purchases
    in the next t days, (T, T+t]).
    """
    age = as_float_array(T, "T")
    if (age < 0).any():
        raise ClvInputError(f"T has {int((age < 0).sum())} negative value(s)")
    t = horizon(t)
    rng = np.random.default_rng(seed)
    n = age.size
    rate = rng.gamma(model.r, 1.0 / model.alpha, n)
    dropout = rng.beta(model.a, model.b, n)
    last_purchase = rng.geometric(dropout)
    observed = rng.poisson(rate * age)
    frequency = np.minimum(observed, last_purchase)
    has_repeat = frequency > 0
    # Beta(x, N - x + 1) needs positive arguments: draw with 1s where x = 0 and discard
    recency = np.where(has_repeat,
                       age * rng.beta(np.maximum(frequency, 1), np.maximum(observed - frequency + 1, 1)),
                       0.0)
    is_alive = observed < last_purchase
    later = rng.poisson(rate * t)
    future = np.where(is_alive, np.minimum(later, last_purchase - observed), 0)
    return pd.DataFrame({
        "frequency": frequency.astype(np.int64),
        "recency": recency,
        "T": age,
        "is_alive": is_alive,
        "purchase_rate": rate,
        "dropout_probability": dropout,
        "future_purchases": future.astype(np.int64),
    })


def simulate_gamma_gamma(model: GammaGammaModel, frequency, seed: int) -> pd.DataFrame:
    """Mean purchase value over each customer's `frequency` purchases, drawn from Gamma-Gamma.

    Columns: frequency, monetary_value (0 where frequency is 0, as in ``summarize_orders``)
    and mean_spend (the customer's true expected value per purchase, p / nu).
    """
    x = as_float_array(frequency, "frequency")
    if (x < 0).any():
        raise ClvInputError(f"frequency has {int((x < 0).sum())} negative value(s)")
    rng = np.random.default_rng(seed)
    spend_rate = rng.gamma(model.q, 1.0 / model.v, x.size)
    has_purchase = x > 0
    shape = model.p * np.where(has_purchase, x, 1.0)
    mean_value = rng.gamma(shape, 1.0 / (spend_rate * np.where(has_purchase, x, 1.0)))
    return pd.DataFrame({
        "frequency": x.astype(np.int64),
        "monetary_value": np.where(has_purchase, mean_value, 0.0),
        "mean_spend": model.p / spend_rate,
    })
