"""Trains the candidate propensity models on the primary domain (document 000 §7): fit window
before the validation window; on the validation window the F1-optimal threshold of each and the
champion (README: champion selection). One row per candidate, naming the file and SHA-256 of the
fitted model in the artifact folder's version, which the scoring models load. The reference
XGBoost model is also saved there as XGBoost JSON with a metadata file."""

from shopper_propensity.propensity import training
from shopper_propensity.settings import PropensitySettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PropensitySettings.from_meta(dbt.config.get("meta"))
    return training.fit_registry(dbt.ref("session_features"), settings)
