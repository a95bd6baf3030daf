"""k = 2..10 evaluated per segmented domain: inertia (elbow), sampled silhouette, chosen k."""

import pandas as pd

from shopper_propensity import model_inputs, segmentation


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

    user_rfm = dbt.ref("user_rfm")
    model_inputs.require_rows(user_rfm, "user_rfm")
    tables = []
    for domain in segmentation.domain_list(domains):
        users = segmentation.users_of_domain(user_rfm, domain)
        k_table = segmentation.select_k(
            users,
            seed=seed,
            k_values=range(k_min, k_max + 1),
            forced_k=forced_k,
            with_demographics=with_demographics,
            silhouette_sample=silhouette_sample,
        )
        k_table.insert(0, "domain_name", domain)
        k_table.insert(2, "users", len(users))
        tables.append(k_table)
    return pd.concat(tables, ignore_index=True)
