"""Document 004 Table 1 on the test campaigns: the RFM baselines (Champions, Loyal Customers,
Potential Loyalist at exposure) and the SPLC and plain-BCE model segments, on precision,
recall, balanced accuracy and weighted F1 against the generator's hidden prompted intent, per
evaluated population. Empty when there are no exposures or no truth file."""

from shopper_propensity.campaign import evaluation
from shopper_propensity.settings import CampaignSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = CampaignSettings.from_meta(dbt.config.get("meta"))
    scored = evaluation.load_scored_test(
        dbt.ref("int_campaign_scores_ranked"),
        dbt.ref("int_campaign_exposures_featurized"),
        dbt.ref("stg_panel_truth__campaign_intent"),
    )
    return evaluation.segment_metrics(scored, settings)
