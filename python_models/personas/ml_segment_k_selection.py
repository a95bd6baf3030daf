"""k = 2..10 evaluated per segmented domain: inertia (elbow), sampled silhouette, chosen k."""

from shopper_propensity.personas import pipeline
from shopper_propensity.settings import PersonaSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PersonaSettings.from_meta(dbt.config.get("meta"))
    return pipeline.k_selection(dbt.ref("user_rfm"), settings)
