"""The candidate families of the repeat-purchase forecast. Each answers the three questions with
one estimator apiece, on the same encoded features: will the customer buy in the horizon (a
classifier), how many purchase days (a Poisson count model), how much will they spend (a
Tweedie model: zero for most customers, a skewed amount for the rest).

- ``logistic_regression``: generalised linear models on the log1p-scaled features - logistic,
  Poisson and Tweedie regression (scikit-learn);
- ``xgboost``: boosted trees with the matching objectives (binary:logistic, count:poisson,
  reg:tweedie).

Neither is class-weighted: the probabilities are meant as probabilities (Brier score and
calibration are judged), and the counts and spend as expectations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, PoissonRegressor, TweedieRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from shopper_propensity.propensity.candidates import log1p_nonnegative
from shopper_propensity.propensity.features import FeatureEncoder

CANDIDATES = ("logistic_regression", "xgboost")  # simplest first
# Tweedie power between Poisson (1) and gamma (2): a point mass at zero plus a skewed amount.
TWEEDIE_POWER = 1.5
# A light ridge keeps the GLMs finite when a feature separates buyers (tiny panels).
GLM_PENALTY = 1e-4


@dataclass
class RepeatModel:
    """One fitted family: buys (classifier), purchases (count model), spend (amount model)."""

    name: str
    buys: object
    purchases: object
    spend: object

    def fit(self, features: np.ndarray, buys: np.ndarray, purchases: np.ndarray, spend: np.ndarray) -> RepeatModel:
        # one BLAS thread: dbt runs another model beside this one on 2 cores (as propensity.candidates)
        with threadpool_limits(limits=1, user_api="blas"):
            self.buys.fit(features, buys.astype(int))
            self.purchases.fit(features, purchases)
            self.spend.fit(features, spend)
        return self

    def predict(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """P(a purchase in the horizon), expected purchase days and expected spend per row.

        The expected count is at least the probability (E[N] >= P(N >= 1) for a count N): the
        two come from separate models and are made to agree where they do not.
        """
        with threadpool_limits(limits=1, user_api="blas"):
            probability = self.buys.predict_proba(features)[:, 1].astype(np.float64)
            purchases = np.maximum(self.purchases.predict(features).astype(np.float64), probability)
            spend = np.maximum(self.spend.predict(features).astype(np.float64), 0.0)
        return probability, purchases, spend


def build_candidate(name: str, encoder: FeatureEncoder, seed: int) -> RepeatModel:
    """An unfitted family."""
    if name == "logistic_regression":
        return RepeatModel(
            name,
            _linear(encoder, LogisticRegression(max_iter=2000, solver="newton-cholesky")),
            _linear(encoder, PoissonRegressor(alpha=GLM_PENALTY, max_iter=2000, solver="newton-cholesky")),
            _linear(encoder, TweedieRegressor(power=TWEEDIE_POWER, link="log", alpha=GLM_PENALTY, max_iter=2000,
                                              solver="newton-cholesky")),
        )
    if name == "xgboost":
        return RepeatModel(
            name,
            xgb.XGBClassifier(**_boosting(seed), objective="binary:logistic", eval_metric="logloss"),
            xgb.XGBRegressor(**_boosting(seed), objective="count:poisson"),
            xgb.XGBRegressor(**_boosting(seed), objective="reg:tweedie", tweedie_variance_power=TWEEDIE_POWER),
        )
    raise ValueError(f"unknown repeat candidate {name!r}; the candidates are {CANDIDATES}")


def _linear(encoder: FeatureEncoder, estimator):
    """Numeric features imputed (median, with missingness indicators), log1p'd, then everything scaled."""
    numeric = encoder.log_scaled_positions
    inputs = ColumnTransformer(
        [("log_scaled", make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                                      FunctionTransformer(log1p_nonnegative)), numeric)],
        remainder="passthrough",
    )
    return make_pipeline(inputs, StandardScaler(), estimator)


def _boosting(seed: int) -> dict:
    """Shallow trees with a floor on leaf weight: per-customer aggregates are few and noisy. One
    thread: on 16K customer rows two threads beside another dbt model took 30 s instead of 1 s
    (OpenMP workers waiting on busy cores); XGBoost is fast on this little data alone."""
    return {
        "tree_method": "hist", "n_estimators": 300, "learning_rate": 0.05, "max_depth": 4,
        "min_child_weight": 10, "subsample": 0.8, "colsample_bytree": 0.8, "reg_lambda": 1.0,
        "random_state": seed, "n_jobs": 1,
    }
