"""Per-customer frequency / recency / T / spend from orders at a cutoff
(shopper_propensity.clv.summary), on hand-computed orders."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from shopper_propensity.clv.bgnbd import BetaGeoModel
from shopper_propensity.clv.inputs import ClvInputError
from shopper_propensity.clv.summary import summarize_orders

CUTOFF = "2023-01-01"


def orders() -> pd.DataFrame:
    rows = [
        # machine 1: two baskets on Dec 1 (one purchase day of 15), then Dec 11 and Dec 21
        (1, "amazon.com", "2022-12-01", 10.0),
        (1, "amazon.com", "2022-12-01", 5.0),
        (1, "amazon.com", "2022-12-11 23:59:00", 20.0),
        (1, "amazon.com", "2022-12-21", 40.0),
        (1, "amazon.com", "2023-01-05", 7.0),  # in a 30-day holdout
        (1, "amazon.com", "2023-02-15", 9.0),  # after it
        # machine 1 on another domain: one purchase
        (1, "ebay.com", "2022-11-01", 30.0),
        # machine 2: one purchase the day before the cutoff, two baskets on the cutoff day
        (2, "amazon.com", "2022-12-31", 12.5),
        (2, "amazon.com", "2023-01-01", 3.0),
        (2, "amazon.com", "2023-01-01 18:00:00", 4.0),
        # machine 3: first purchase after the cutoff: no history, not a customer yet
        (3, "amazon.com", "2023-01-10", 50.0),
    ]
    return pd.DataFrame(rows, columns=["machine_id", "domain_name", "event_date", "basket_total_usd"])


def test_summary_per_machine_with_holdout():
    summary = summarize_orders(orders(), CUTOFF, horizon_days=30)
    expected = pd.DataFrame({
        "machine_id": [1, 2],
        # machine 1: purchase days Nov 1 (ebay), Dec 1, Dec 11, Dec 21; first on Nov 1
        "frequency": [3, 0],
        "recency": [50, 0],
        "T": [61, 1],
        "monetary_value": [(15.0 + 20.0 + 40.0) / 3, 0.0],
        "holdout_purchases": [1, 1],
        "holdout_spend": [7.0, 7.0],
    })
    pd.testing.assert_frame_equal(summary, expected)


def test_summary_per_machine_and_domain():
    summary = summarize_orders(orders(), CUTOFF, customer_cols=["machine_id", "domain_name"])
    expected = pd.DataFrame({
        "machine_id": [1, 1, 2],
        "domain_name": ["amazon.com", "ebay.com", "amazon.com"],
        "frequency": [2, 0, 0],
        "recency": [20, 0, 0],
        "T": [31, 61, 1],
        "monetary_value": [30.0, 0.0, 0.0],
    })
    pd.testing.assert_frame_equal(summary, expected)


def test_summary_feeds_the_models():
    summary = summarize_orders(orders(), CUTOFF, customer_cols=["machine_id", "domain_name"], horizon_days=30)
    model = BetaGeoModel(r=0.243, alpha=30.9, a=0.793, b=2.426)
    forecast = model.probability_of_purchase(30, summary.frequency, summary.recency, summary["T"])
    assert forecast.shape == (3,) and np.isfinite(forecast).all()


def test_exact_money_and_date_objects_are_read():
    frame = orders()
    frame["basket_total_usd"] = frame.basket_total_usd.map(lambda value: Decimal(str(value)))
    frame["event_date"] = pd.to_datetime(frame.event_date, format="ISO8601").dt.date
    summary = summarize_orders(frame, pd.Timestamp(CUTOFF).date(), horizon_days=30)
    pd.testing.assert_frame_equal(summary, summarize_orders(orders(), CUTOFF, horizon_days=30))


def test_nothing_before_the_cutoff_gives_an_empty_summary():
    summary = summarize_orders(orders(), "2020-01-01")
    assert summary.empty and list(summary.columns) == ["machine_id", "frequency", "recency", "T", "monetary_value"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda frame: frame.drop(columns="basket_total_usd"), "no column.* basket_total_usd"),
    (lambda frame: frame.assign(machine_id=frame.machine_id.where(frame.index != 2)), "machine_id has 1 missing"),
    (lambda frame: frame.assign(event_date=frame.event_date.where(frame.index != 0, "not a date")),
     "event_date has 1 missing or unreadable"),
    (lambda frame: frame.assign(basket_total_usd=frame.basket_total_usd.where(frame.index != 3)),
     "basket_total_usd has 1 missing, non-numeric or infinite"),
    (lambda frame: frame.assign(basket_total_usd=frame.basket_total_usd.where(frame.index != 3, -1.0)),
     "basket_total_usd has 1 negative"),
])
def test_bad_orders_are_named(change, message):
    with pytest.raises(ClvInputError, match=message):
        summarize_orders(change(orders()), CUTOFF)


def test_horizon_must_be_whole_positive_days():
    with pytest.raises(ClvInputError, match="horizon_days must be a positive whole number"):
        summarize_orders(orders(), CUTOFF, horizon_days=0)
