"""Stage 1 of document 004's two-stage model: a class-weighted multinomial softmax classifier
(eq. 1) over engaged / unengaged / inactive, fitted on the train campaigns and applied to every
exposure. Users it predicts inactive (P(inactive) >= campaign_inactive_cut) are excluded from
targeting. Empty when there are no campaign exposures."""

from shopper_propensity import campaign


def model(dbt, session):
    dbt.config(materialized="table")
    # one plain statement per setting: dbt only passes meta keys it finds read this way
    inactive_cut = dbt.config.meta_get("campaign_inactive_cut")
    seed = dbt.config.meta_get("campaign_seed")

    examples = campaign.load_examples(
        dbt.ref("int_campaign_exposures_featurized"), dbt.ref("int_campaign_exposures_labeled")
    )
    settings = campaign.CampaignSettings(inactive_cut=inactive_cut, seed=seed)
    return campaign.stage1_predictions(examples, settings)
