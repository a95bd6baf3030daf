"""The model versions of the artifact folder's history (propensity.lifecycle), one row per
version and candidate, the current version (the registry's) last: served as the mart
propensity_model_versions."""

from shopper_propensity.propensity import lifecycle
from shopper_propensity.settings import PropensitySettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PropensitySettings.from_meta(dbt.config.get("meta"))
    return lifecycle.history_table(dbt.ref("propensity_model_registry"), settings.artifact_dir)
