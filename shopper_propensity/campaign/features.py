"""Features of a campaign exposure (int_campaign_exposures_featurized, all from days strictly before
the exposure) and their encoding for both stages."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shopper_propensity.campaign.outcomes import CampaignInputError
from shopper_propensity.fairness import protected_among

COUNT_FEATURES = (
    "visit_days_total", "visit_days_30", "visit_days_90", "visit_days_365",
    "purchase_days_total", "purchase_days_30", "purchase_days_90", "purchase_days_365",
    "spend_total_usd", "spend_365_usd", "prior_exposures", "prior_engagements",
)
# NULL when there is nothing to measure (never visited, never bought, never engaged, ...):
# filled with NEVER_DAYS / 0 and flagged by a <column>_missing indicator.
DAYS_FEATURES = ("tenure_days", "days_since_last_visit", "days_since_last_purchase", "days_since_last_engagement")
RATE_FEATURES = ("avg_basket_spend_usd", "avg_pages_per_session", "avg_duration_minutes_per_session")
NEVER_DAYS = 3650.0


@dataclass
class CampaignEncoder:
    """log1p counts, days and rates, missing indicators, and the exposure channel one-hot
    (levels from the training rows; an unseen channel gets all zeros)."""

    channels: list[str] = field(default_factory=list)

    @classmethod
    def fit(cls, frame: pd.DataFrame) -> CampaignEncoder:
        leaked = protected_among(frame.columns)
        if leaked:
            raise CampaignInputError(f"protected attributes may not reach the campaign models: {leaked}")
        return cls(sorted(frame["channel"].fillna("unknown").astype(str).unique()))

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        columns: dict[str, np.ndarray] = {}
        for column in COUNT_FEATURES:
            columns[column] = np.log1p(frame[column].astype(float).fillna(0.0).clip(lower=0).to_numpy())
        for column in DAYS_FEATURES:
            values = frame[column].astype(float)
            columns[f"{column}_missing"] = values.isna().to_numpy(dtype=float)
            columns[column] = np.log1p(values.fillna(NEVER_DAYS).clip(lower=0).to_numpy())
        for column in RATE_FEATURES:
            values = frame[column].astype(float)
            columns[f"{column}_missing"] = values.isna().to_numpy(dtype=float)
            columns[column] = np.log1p(values.fillna(0.0).clip(lower=0).to_numpy())
        channel = frame["channel"].fillna("unknown").astype(str).to_numpy()
        for level in self.channels:
            columns[f"channel_{level}"] = (channel == level).astype(float)
        return pd.DataFrame(columns, index=frame.index)
