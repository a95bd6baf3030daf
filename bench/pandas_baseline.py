"""The baseline to beat: the reference study's own pandas approach (document 000 §4.1, §7.1) on
the same panel files, timed stage by stage.  Prints one JSON object.

1. ``pd.read_csv`` (or ``pd.read_parquet``) of sessions and transactions, whole files, default
   type inference, as a notebook does; ``drop_duplicates`` and ``pd.to_datetime``.
2. groupby of sessions per pseudo-session (machine_id, event_date, domain_name): the day's
   pages, minutes, visits, first hour and household codes.
3. groupby of transactions per pseudo-session (items, spend), merge onto the sessions: the
   converted label.
4. days since the previous purchase per (user, domain): groupby-transform with a Python
   function per group (shift, then forward-fill the purchase date), as the reference did;
   ``--recency vectorized`` uses pandas' built-in grouped shift and ffill instead (a tuned
   pandas, not the reference: report it as such).

It does less than the dbt build (no validation, no rejects, no history windows beyond one,
no models, no tests), so a speed-up over it understates the build's advantage.  Run by
``python -m bench`` in a subprocess with a time cap and a memory cap.

    python bench/pandas_baseline.py --panel-dir data/bench/1m-csv --format csv
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

KEY = ["machine_id", "event_date", "domain_name"]
USER_DOMAIN = ["machine_id", "domain_name"]
HOUSEHOLD = ["hoh_most_education", "household_income", "census_region", "household_size",
             "hoh_oldest_age", "children"]


class Stopwatch:
    """Seconds per named stage, in the order the stages ran."""

    def __init__(self):
        self.stages: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = round(now - self._last, 3)
        self._last = now


def read_table(panel_dir: Path, name: str, fmt: str) -> pd.DataFrame:
    """A whole panel file as a DataFrame, the way a notebook reads it."""
    path = panel_dir / f"{name}.{fmt}"
    return pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)


def clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Exact duplicate rows dropped, event_date parsed."""
    frame = frame.drop_duplicates()
    return frame.assign(event_date=pd.to_datetime(frame["event_date"]))


def sessions_per_pseudo_session(sessions: pd.DataFrame) -> pd.DataFrame:
    """One row per (machine_id, event_date, domain_name) with the day's engagement."""
    hour = sessions["event_time"].str.split(":").str[0].astype(int)
    return (sessions.assign(hour=hour)
            .groupby(KEY, as_index=False)
            .agg(pages_viewed=("pages_viewed", "sum"), duration=("duration", "sum"),
                 visits=("pages_viewed", "size"), hour=("hour", "min"),
                 **{col: (col, "first") for col in HOUSEHOLD}))


def transactions_per_pseudo_session(transactions: pd.DataFrame) -> pd.DataFrame:
    """One row per (machine_id, event_date, domain_name) that bought: items and spend."""
    return (transactions.groupby(KEY, as_index=False)
            .agg(items=("prod_qty", "sum"), spend=("prod_totprice", "sum")))


def join_purchases(days: pd.DataFrame, baskets: pd.DataFrame) -> pd.DataFrame:
    """Sessions merged with their day's purchases; converted = any purchase that day."""
    joined = days.merge(baskets, on=KEY, how="left")
    return joined.assign(converted=joined["items"].notna().astype(int))


def add_days_since_last_purchase(joined: pd.DataFrame, recency: str = "reference") -> pd.DataFrame:
    """Days since the previous purchase day of the same user and domain (NaN when none).

    "reference": the study's per-user computation, a Python function per group;
    "vectorized": the same result from pandas' grouped shift and ffill.
    """
    joined = joined.sort_values(USER_DOMAIN + ["event_date"], ignore_index=True)
    purchase_date = joined["event_date"].where(joined["converted"] == 1)
    groups = [joined["machine_id"], joined["domain_name"]]
    if recency == "reference":
        previous = purchase_date.groupby(groups).transform(lambda dates: dates.shift().ffill())
    else:
        previous = purchase_date.groupby(groups).shift().groupby(groups).ffill()
    return joined.assign(days_since_last_purchase=(joined["event_date"] - previous).dt.days)


def run(panel_dir: Path, fmt: str, recency: str = "reference") -> dict:
    """All stages; their seconds and the row counts (to compare with the dbt build's)."""
    watch = Stopwatch()
    sessions = read_table(panel_dir, "sessions", fmt)
    transactions = read_table(panel_dir, "transactions", fmt)
    rows = {"sessions_read": len(sessions), "transactions_read": len(transactions)}
    watch.lap("read")
    sessions, transactions = clean(sessions), clean(transactions)
    rows.update(sessions_deduplicated=len(sessions), transactions_deduplicated=len(transactions))
    watch.lap("clean")
    days = sessions_per_pseudo_session(sessions)
    del sessions
    watch.lap("group_sessions")
    joined = join_purchases(days, transactions_per_pseudo_session(transactions))
    watch.lap("group_transactions_and_merge")
    features = add_days_since_last_purchase(joined, recency)
    watch.lap("days_since_last_purchase")
    rows.update(pseudo_sessions=len(features), converted=int(features["converted"].sum()),
                with_previous_purchase=int(features["days_since_last_purchase"].notna().sum()))
    return {"format": fmt, "recency": recency, "pandas": pd.__version__, "rows": rows, "stages_s": watch.stages,
            "total_s": round(sum(watch.stages.values()), 3)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--panel-dir", type=Path, required=True)
    parser.add_argument("--format", choices=("csv", "parquet"), required=True)
    parser.add_argument("--recency", choices=("reference", "vectorized"), default="reference")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.panel_dir, args.format, args.recency)))


if __name__ == "__main__":
    main()
