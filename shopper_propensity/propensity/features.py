"""Model features of session propensity (document 000 §7.1) and their encoding.

What a model sees, and how it survives time and sparse data:

* calendar features (weekday, hour, month) are numbers: the ordinal value and its sine and
  cosine over the period (so December sits next to January), never one-hot levels: a month
  first seen after the training window would get all-zero indicators, which on a panel
  shorter than a year is every validation and test row;
* other categoricals are one-hot over the levels of the training window; a level first seen
  later is counted (``unseen_level_rows``) and gets all-zero indicators, the encoding of
  "none of the known levels";
* a feature empty or constant in the training window carries nothing a model can learn: it is
  dropped, and one log line names it (single-visit panels leave every history feature so);
* linear models see the skewed counts and day gaps through log1p and scaling
  (``log_scaled_positions``; see candidates.build_models).

The encoder is fitted on training rows only and serialises to plain JSON.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shopper_propensity.fairness import protected_among

# Document 000 §7.1, plus the history features of SPEC.md. Never racial_background or zip_code.
CALENDAR_PERIODS = {"day_of_week": 7, "hour_of_day": 24, "event_month": 12}
CALENDAR_FEATURES = tuple(CALENDAR_PERIODS)
CATEGORICAL_FEATURES = (
    "referrer_bucket", "hoh_most_education", "household_income", "census_region", "household_size",
    "hoh_oldest_age", "children",
)
NUMERIC_FEATURES = (
    "pages_viewed", "duration_minutes", "session_count", "days_since_last_purchase",
    "days_since_last_session", "prior_session_days", "prior_purchase_days", "historical_conversion_rate",
)
PARSIMONY_FEATURES = ("pages_viewed", "duration_minutes", "days_since_last_purchase")
MODEL_FEATURES = (*NUMERIC_FEATURES, *CALENDAR_FEATURES, *CATEGORICAL_FEATURES)

UNKNOWN = "unknown"
CALENDAR_SUFFIXES = ("", "_sin", "_cos")  # ordinal, then the cycle

log = logging.getLogger(__name__)


class FeatureError(ValueError):
    """Features cannot be encoded as asked (e.g. a protected attribute); a readable message."""


@dataclass
class FeatureEncoder:
    """Numeric columns as they are (NaN = missing), calendar columns as ordinal, sine and
    cosine, one-hot for categoricals: the same matrix feeds every model family for a fair comparison.

    ``levels`` holds each categorical's training levels, ``calendar_values`` each calendar
    feature's training values (what later rows are compared with), ``dropped`` the features
    left out with the reason.
    """

    numeric: tuple[str, ...]
    calendar: tuple[str, ...]
    categorical: tuple[str, ...]
    levels: dict[str, list[str]] = field(default_factory=dict)
    calendar_values: dict[str, list[int]] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)

    @classmethod
    def fit(cls, frame: pd.DataFrame, numeric=NUMERIC_FEATURES, calendar=CALENDAR_FEATURES,
            categorical=CATEGORICAL_FEATURES) -> FeatureEncoder:
        leaked = protected_among((*numeric, *calendar, *categorical))
        if leaked:
            raise FeatureError(f"protected attributes may not be features: {leaked}")
        dropped = {column: reason for column in (*numeric, *calendar, *categorical)
                   if (reason := uninformative_reason(frame[column])) is not None}
        if dropped:
            log.warning("Features dropped, empty or constant in the training window (%s rows): %s",
                        f"{len(frame):,}", "; ".join(f"{c} ({r})" for c, r in dropped.items()))
        kept = lambda columns: tuple(c for c in columns if c not in dropped)  # noqa: E731
        categorical, calendar = kept(categorical), kept(calendar)
        return cls(
            kept(numeric), calendar, categorical,
            levels={column: sorted(_as_labels(frame[column]).unique()) for column in categorical},
            calendar_values={column: sorted(int(v) for v in frame[column].dropna().unique()) for column in calendar},
            dropped=dropped,
        )

    @property
    def feature_names(self) -> list[str]:
        return (list(self.numeric)
                + [f"{column}{suffix}" for column in self.calendar for suffix in CALENDAR_SUFFIXES]
                + [f"{column}={level}" for column in self.categorical for level in self.levels[column]])

    @property
    def log_scaled_positions(self) -> list[int]:
        """Encoded columns a linear model sees through log1p: the leading numeric block, since every
        numeric feature is a count, a day gap or a rate of counts (right-skewed, never negative)."""
        return list(range(len(self.numeric)))

    @property
    def dense_count(self) -> int:
        """Leading encoded columns that may be missing: numeric and calendar (one-hot never is)."""
        return len(self.numeric) + len(CALENDAR_SUFFIXES) * len(self.calendar)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        # one preallocated matrix filled in place: stacking per-column blocks copied it twice
        rows = len(frame)
        encoded = np.zeros((rows, len(self.feature_names)), dtype=np.float32)
        for position, column in enumerate(self.numeric):
            encoded[:, position] = frame[column].to_numpy(dtype=np.float32, na_value=np.nan)
        offset = len(self.numeric)
        for column in self.calendar:
            values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
            angle = 2 * np.pi * values / CALENDAR_PERIODS[column]
            encoded[:, offset:offset + 3] = np.column_stack([values, np.sin(angle), np.cos(angle)])
            offset += len(CALENDAR_SUFFIXES)
        row_index = np.arange(rows)
        for column in self.categorical:
            codes = _level_codes(frame[column], self.levels[column])  # -1 = a level not seen in training
            seen = codes >= 0
            encoded[row_index[seen], offset + codes[seen]] = 1.0
            offset += len(self.levels[column])
        return encoded

    def unseen_level_rows(self, column: str, value_counts: pd.Series) -> int:
        """Rows whose value of a categorical or calendar feature never occurred in the training
        window, from the value counts of later rows (index = value, NULL included)."""
        if column in self.levels:
            codes = _level_codes(pd.Series(value_counts.index, dtype=value_counts.index.dtype), self.levels[column])
            return int(value_counts.to_numpy()[codes < 0].sum())
        seen = set(self.calendar_values[column])
        return int(sum(count for value, count in value_counts.items() if pd.isna(value) or int(value) not in seen))

    def source_feature(self, encoded_name: str) -> str:
        """The session_features column an encoded column comes from."""
        name = encoded_name.split("=", 1)[0]
        for suffix in CALENDAR_SUFFIXES[1:]:
            if name.endswith(suffix) and name[: -len(suffix)] in self.calendar:
                return name[: -len(suffix)]
        return name

    def positions_of(self, features: tuple[str, ...]) -> list[int]:
        """Encoded columns of the given session_features columns (those not dropped)."""
        return [position for position, name in enumerate(self.feature_names) if self.source_feature(name) in features]

    def to_dict(self) -> dict:
        return {"numeric": list(self.numeric), "calendar": list(self.calendar), "categorical": list(self.categorical),
                "levels": self.levels, "calendar_values": self.calendar_values, "dropped": self.dropped}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureEncoder:
        return cls(tuple(data["numeric"]), tuple(data["calendar"]), tuple(data["categorical"]),
                   data["levels"], data["calendar_values"], data["dropped"])


def uninformative_reason(values: pd.Series) -> str | None:
    """Why a training column cannot inform a model (empty, or one value), else None."""
    non_null = values.dropna()
    if non_null.empty:
        return f"empty: no value in {len(values):,} rows"
    distinct = non_null.nunique()
    if distinct == 1 and len(non_null) == len(values):
        return f"constant: {non_null.iloc[0]} in every row"
    return None


def _as_labels(values: pd.Series) -> pd.Series:
    """Categorical values as text labels; NULL is its own level (document 000 keeps 'Unknown')."""
    if pd.api.types.is_numeric_dtype(values):
        values = values.astype("Int64")  # 3.0 and 3 are the same level
    return values.astype("string").fillna(UNKNOWN).astype(object)


def _level_codes(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Position of each value's label in levels (-1 = not a level). Labels are made for the
    distinct values only: a column has a few dozen of them but hundreds of thousands of rows."""
    inverse, distinct = pd.factorize(values, use_na_sentinel=False)
    return pd.Index(levels).get_indexer(_as_labels(pd.Series(distinct, dtype=values.dtype)))[inverse]
