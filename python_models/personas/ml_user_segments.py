"""One row per user of each segmented domain: segment id, persona, distance to the centroid,
and the user's standardized features (their per-segment means are the radar-chart values)."""

from shopper_propensity.personas import pipeline
from shopper_propensity.settings import PersonaSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PersonaSettings.from_meta(dbt.config.get("meta"))
    return pipeline.user_segments(dbt.ref("user_rfm"), dbt.ref("ml_segment_k_selection"), settings)
