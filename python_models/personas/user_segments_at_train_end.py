"""Personas as of train_end: k chosen and users segmented on int_user_rfm_at_train_end (RFM from
pseudo-sessions before var train_end only). segment_targeting_roi evaluates test-period
sessions with these, so the segmentation has not seen the test period."""

import pandas as pd

from shopper_propensity import segmentation


def model(dbt, session):
    dbt.config(materialized="table")
    # one plain statement per setting: dbt only passes meta keys it finds read this way
    domains = dbt.config.meta_get("segment_domains")
    forced_k = dbt.config.meta_get("segment_k")
    k_min = dbt.config.meta_get("segment_k_min")
    k_max = dbt.config.meta_get("segment_k_max")
    seed = dbt.config.meta_get("segment_seed")
    silhouette_sample = dbt.config.meta_get("segment_silhouette_sample")
    with_demographics = dbt.config.meta_get("segment_with_demographics")

    user_rfm = dbt.ref("int_user_rfm_at_train_end")
    frames = []
    for domain in segmentation.domain_list(domains):
        _, assignments = segmentation.segment_users(
            segmentation.users_of_domain(user_rfm, domain),
            seed=seed,
            with_demographics=with_demographics,
            k_values=range(k_min, k_max + 1),
            forced_k=forced_k,
            silhouette_sample=silhouette_sample,
        )
        assignments.insert(1, "domain_name", domain)
        frames.append(assignments)
    return pd.concat(frames, ignore_index=True)
