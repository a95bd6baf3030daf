"""Per-customer frequency, recency, T and mean spend at a cutoff: what BG/NBD and Gamma-Gamma read.

From an orders frame (one row per order) and a cutoff date:

- a purchase is a customer's purchase DAY: orders of one customer on one date are one
  purchase, valued at their sum (panel dates carry no reliable time between a day's baskets);
- history is the orders dated strictly before the cutoff; a customer enters the summary at
  their first purchase day in the history;
- frequency = purchase days - 1 (repeat purchases), recency = days from the first to the last
  purchase day, T = days from the first purchase day to the cutoff (so 0 <= recency < T);
- monetary_value = mean value of the repeat purchase days, the first excluded (it is what
  made the customer a customer, and often differs); 0 for customers without a repeat purchase,
  as in lifetimes and PyMC-Marketing. Gamma-Gamma reads it only where frequency > 0.

With horizon_days, the next horizon_days days from the cutoff ([cutoff, cutoff + horizon))
are the holdout: holdout_purchases (purchase days, BG/NBD's Y(t)) and holdout_spend per
customer, for checking a forecast against what happened. Customers whose first purchase
falls in the holdout have no history and are not in the summary.
"""

from __future__ import annotations

import pandas as pd

from shopper_propensity.clv.inputs import ClvInputError

_DAY = "_purchase_day"
_VALUE = "_purchase_value"


def summarize_orders(
    orders: pd.DataFrame,
    cutoff,
    *,
    customer_cols: str | list[str] = "machine_id",
    date_col: str = "event_date",
    value_col: str = "basket_total_usd",
    horizon_days: int | None = None,
) -> pd.DataFrame:
    """One row per customer with a purchase before `cutoff`, sorted by customer_cols.

    Columns: customer_cols, frequency, recency, T (days), monetary_value and, with
    horizon_days, holdout_purchases and holdout_spend. Raises ClvInputError naming the column
    for missing columns, missing keys or dates, and missing, non-numeric or negative values.
    """
    keys = [customer_cols] if isinstance(customer_cols, str) else list(customer_cols)
    purchases = _purchase_days(orders, pd.Timestamp(cutoff).normalize(), keys, date_col, value_col)
    history = purchases[purchases[_DAY] < 0]
    by_customer = history.groupby(keys, sort=True)
    first_day = by_customer[_DAY].min()
    frequency = by_customer.size() - 1
    repeat_spend = by_customer[_VALUE].sum() - by_customer[_VALUE].first()
    summary = pd.DataFrame({
        "frequency": frequency.astype("int64"),
        "recency": (by_customer[_DAY].max() - first_day).astype("int64"),
        "T": (-first_day).astype("int64"),
        "monetary_value": (repeat_spend / frequency.where(frequency > 0)).fillna(0.0),
    })
    if horizon_days is not None:
        if int(horizon_days) != horizon_days or horizon_days <= 0:
            raise ClvInputError(f"horizon_days must be a positive whole number of days, got {horizon_days!r}")
        holdout = purchases[(purchases[_DAY] >= 0) & (purchases[_DAY] < horizon_days)]
        by_holdout = holdout.groupby(keys, sort=True)
        summary["holdout_purchases"] = by_holdout.size().reindex(summary.index, fill_value=0).astype("int64")
        summary["holdout_spend"] = by_holdout[_VALUE].sum().reindex(summary.index, fill_value=0.0)
    return summary.reset_index()


def _purchase_days(orders: pd.DataFrame, cutoff: pd.Timestamp, keys: list[str], date_col: str,
                   value_col: str) -> pd.DataFrame:
    """Validated orders summed to (customer, day), day counted from the cutoff (negative = before),
    sorted by customer and day."""
    missing = [column for column in [*keys, date_col, value_col] if column not in orders.columns]
    if missing:
        raise ClvInputError(f"orders has no column(s) {', '.join(missing)}")
    for key in keys:
        if orders[key].isna().any():
            raise ClvInputError(f"orders column {key} has {int(orders[key].isna().sum())} missing customer key(s)")
    dates = pd.to_datetime(orders[date_col], errors="coerce", format="ISO8601")
    if dates.isna().any():
        raise ClvInputError(f"orders column {date_col} has {int(dates.isna().sum())} missing or unreadable date(s)")
    values = pd.to_numeric(orders[value_col], errors="coerce").astype(float)
    bad = values.isna() | ~values.abs().lt(float("inf"))
    if bad.any():
        raise ClvInputError(f"orders column {value_col} has {int(bad.sum())} missing, non-numeric or infinite value(s)")
    if (values < 0).any():
        raise ClvInputError(f"orders column {value_col} has {int((values < 0).sum())} negative value(s)")
    frame = orders[keys].copy()
    frame[_DAY] = (dates.dt.normalize() - cutoff).dt.days
    frame[_VALUE] = values.to_numpy()
    return frame.groupby([*keys, _DAY], sort=True, as_index=False)[_VALUE].sum()
