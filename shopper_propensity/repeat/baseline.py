"""The probabilistic baseline at a cutoff: BG/NBD (P(alive), P(a purchase in the horizon), expected
purchase days) and Gamma-Gamma (spend per purchase day), fitted per domain on the customers'
purchase days before the cutoff - the same customers the ML candidates score - with
``shopper_propensity.clv``. Expected spend over the horizon is the customer value of
``clv.customer_lifetime_value`` over that horizon, undiscounted.

A domain whose fit cannot run (no repeat customer before the cutoff) gets no baseline
forecast: its rows are NaN and one log line says why; where only Gamma-Gamma has no finite
mean spend (q <= 1), only the spend is NaN. A fit that runs but says little (ClvFitWarning: a
parameter barely constrained, spend correlated with frequency) is logged with its numbers, and
its forecast kept.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from shopper_propensity.clv import (
    ClvFitWarning,
    customer_lifetime_value,
    fit_beta_geo,
    fit_gamma_gamma,
    summarize_orders,
)

BASELINE = "bgnbd_gamma_gamma"
FORECAST_COLUMNS = ("probability_alive", "purchase_probability", "expected_purchase_days", "expected_spend_usd")

log = logging.getLogger(__name__)


def baseline_forecast(purchase_days: pd.DataFrame, cutoff, horizon_days: int) -> pd.DataFrame:
    """One row per customer and domain with a purchase day before the cutoff: machine_id,
    domain_name and FORECAST_COLUMNS. purchase_days: one row per customer, domain and date
    with purchases (event_date, basket_spend_usd)."""
    frames = []
    for domain, days in purchase_days.groupby("domain_name", sort=True):
        summary = summarize_orders(days, cutoff, customer_cols="machine_id", value_col="basket_spend_usd")
        if summary.empty:
            continue
        forecast = _domain_forecast(summary, horizon_days, f"{domain} at {pd.Timestamp(cutoff).date()}")
        forecast.insert(1, "domain_name", domain)
        frames.append(forecast)
    columns = ["machine_id", "domain_name", *FORECAST_COLUMNS]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _domain_forecast(summary: pd.DataFrame, horizon_days: int, where: str) -> pd.DataFrame:
    """BG/NBD's forecasts, and the value over the horizon where Gamma-Gamma gives a finite mean
    spend (a fit with q <= 1 says spend is too heavy-tailed to have one: spend is NaN there)."""
    frequency, recency, age, spend = summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"]
    forecast = summary[["machine_id"]].copy()
    values = dict.fromkeys(FORECAST_COLUMNS, np.nan)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ClvFitWarning)
        try:
            beta_geo = fit_beta_geo(frequency, recency, age)
            values.update({
                "probability_alive": beta_geo.probability_alive(frequency, recency, age),
                "purchase_probability": beta_geo.probability_of_purchase(horizon_days, frequency, recency, age),
                "expected_purchase_days": beta_geo.expected_purchases(horizon_days, frequency, recency, age),
            })
            gamma_gamma = fit_gamma_gamma(frequency, spend)
            values["expected_spend_usd"] = customer_lifetime_value(beta_geo, gamma_gamma, frequency, recency, age,
                                                                   spend, horizon_days)
            log.info("BG/NBD on %s: r %.4g, alpha %.4g days, a %.4g, b %.4g; Gamma-Gamma p %.4g, q %.4g, v %.4g",
                     where, beta_geo.r, beta_geo.alpha, beta_geo.a, beta_geo.b, gamma_gamma.p, gamma_gamma.q,
                     gamma_gamma.v)
        except ValueError as error:  # ClvInputError, or a Gamma-Gamma fit without a finite mean spend
            log.warning("No BG/NBD / Gamma-Gamma %s on %s: %s",
                        "spend forecast" if np.isfinite(values["purchase_probability"]).all() else "baseline",
                        where, error)
    for warning in caught:
        if issubclass(warning.category, ClvFitWarning):
            log.warning("BG/NBD / Gamma-Gamma baseline on %s: %s", where, warning.message)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    for column in FORECAST_COLUMNS:
        forecast[column] = values[column]
    return forecast
