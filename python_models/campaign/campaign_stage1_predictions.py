"""Stage 1 of document 004's two-stage model: a class-weighted multinomial softmax classifier
(eq. 1) over engaged / unengaged / inactive, fitted on the train campaigns and applied to every
exposure. Users it predicts inactive (P(inactive) >= campaign_inactive_cut) are excluded from
targeting. Empty when there are no campaign exposures."""

from shopper_propensity.campaign import pipeline
from shopper_propensity.settings import CampaignSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = CampaignSettings.from_meta(dbt.config.get("meta"))
    examples = pipeline.load_examples(
        dbt.ref("int_campaign_exposures_featurized"), dbt.ref("int_campaign_exposures_labeled")
    )
    return pipeline.stage1_predictions(examples, settings)
