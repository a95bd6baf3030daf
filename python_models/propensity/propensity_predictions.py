"""Scores of every registry model on the validation window (primary domain) and the test period
(every domain, without retuning), scored in batches, with the windows the registry was fitted
on (a mismatch with the vars fails). Feeds session_scores, the metrics and the confusion matrix."""

from shopper_propensity.propensity import scoring
from shopper_propensity.settings import PropensitySettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PropensitySettings.from_meta(dbt.config.get("meta"))
    return scoring.score_predictions(dbt.ref("propensity_model_registry"), dbt.ref("session_features"), settings)
