"""Personas as of train_end: k chosen and users segmented on int_user_rfm_at_train_end (RFM from
pseudo-sessions before var train_end only). segment_targeting_roi evaluates test-period
sessions with these, so the segmentation has not seen the test period."""

from shopper_propensity.personas import pipeline
from shopper_propensity.settings import PersonaSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PersonaSettings.from_meta(dbt.config.get("meta"))
    return pipeline.select_and_segment(dbt.ref("int_user_rfm_at_train_end"), settings, "int_user_rfm_at_train_end")
