"""What the repeat-purchase models read: the features of int_repeat_customers_featurized (all known
the day before the cutoff), the outcomes of int_repeat_customers_labeled, and their encoding.

Every numeric feature is a count, a number of days or an amount in USD - never negative and
right-skewed - so the linear candidates see them through log1p (the propensity FeatureEncoder's
numeric block). Browsing features are NULL on an orders-only panel: the encoder drops them as
empty and logs it. The domain is one-hot: one model serves every domain.
"""

from __future__ import annotations

import pandas as pd

from shopper_propensity.propensity.features import FeatureEncoder

KEYS = ("machine_id", "domain_name", "cutoff_date")
PURCHASE_FEATURES = (
    "purchase_days", "order_count", "days_since_first_purchase", "days_since_last_purchase",
    "avg_days_between_purchases", "stddev_days_between_purchases", "max_days_between_purchases",
    "spend_usd", "avg_spend_per_purchase_day_usd", "stddev_spend_per_purchase_day_usd",
    "max_spend_per_purchase_day_usd", "avg_orders_per_purchase_day", "avg_items_per_purchase_day",
    "purchase_days_last_30", "purchase_days_last_90", "purchase_days_last_365",
    "spend_last_30_usd", "spend_last_90_usd", "spend_last_365_usd",
)
BROWSING_FEATURES = (
    "visit_days_last_30", "visit_days_last_90", "visit_days_last_365", "days_since_last_visit",
    "visit_days_since_last_purchase", "pages_per_visit_day_last_365", "minutes_per_visit_day_last_365",
)
NUMERIC_FEATURES = (*PURCHASE_FEATURES, *BROWSING_FEATURES)
CATEGORICAL_FEATURES = ("domain_name",)
BUYS = "has_purchase_in_horizon"
PURCHASES = "purchase_days_in_horizon"
SPEND = "spend_in_horizon_usd"
OUTCOMES = (BUYS, PURCHASES, SPEND)


class RepeatInputError(ValueError):
    """The cutoffs or their customers cannot train or score the repeat models; names the var."""


def load_customers(featurized, labeled, role: str, max_rows: int | None = None, seed: int = 0) -> pd.DataFrame:
    """Features and outcomes of the customers at the cutoffs of one role (training, validation,
    scored), in key order; at most max_rows of them, a sample ranked by a seeded hash of the key
    (deterministic, and memory stays flat as the panel grows)."""
    rows = (featurized.filter(f"cutoff_role = '{role}'")
            .join(labeled.project(", ".join([*KEYS, "is_horizon_observed", *OUTCOMES])), ", ".join(KEYS)))
    if max_rows:
        rows = rows.order(f"md5(concat(machine_id, domain_name, cutoff_date, '{int(seed)}'))").limit(int(max_rows))
    frame = rows.order(", ".join(KEYS)).df()
    for column in (*NUMERIC_FEATURES, PURCHASES, SPEND):  # exact decimals and nullable counts to floats
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype(float)
    return frame


def fit_encoder(training: pd.DataFrame) -> FeatureEncoder:
    """The encoding every candidate reads, fitted on the training cutoffs only."""
    return FeatureEncoder.fit(training, numeric=NUMERIC_FEATURES, calendar=(), categorical=CATEGORICAL_FEATURES)
