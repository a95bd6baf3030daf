"""One row per user of each segmented domain: segment id, persona, distance to the centroid,
and the user's standardized features (their per-segment means are the radar-chart values)."""

import pandas as pd

from shopper_propensity import model_inputs, segmentation


def model(dbt, session):
    dbt.config(materialized="table")
    # one plain statement per setting: dbt only passes meta keys it finds read this way
    domains = dbt.config.meta_get("segment_domains")
    seed = dbt.config.meta_get("segment_seed")
    with_demographics = dbt.config.meta_get("segment_with_demographics")

    chosen_k = dict(dbt.ref("segment_k_selection").filter("is_chosen").project("domain_name, k").fetchall())
    user_rfm = dbt.ref("user_rfm")
    model_inputs.require_rows(user_rfm, "user_rfm")
    frames = []
    for domain in segmentation.domain_list(domains):
        users = segmentation.users_of_domain(user_rfm, domain)
        assignments = segmentation.assign_segments(users, chosen_k[domain], seed, with_demographics)
        assignments.insert(1, "domain_name", domain)
        frames.append(assignments)
    return pd.concat(frames, ignore_index=True)
