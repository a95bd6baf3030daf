"""ROC AUC, PR AUC, accuracy, precision, recall, F1, Brier, support and threshold per model,
domain (and all non-primary domains together) and split, at the tuned and the default threshold."""

import pandas as pd

from shopper_propensity import model_inputs, propensity
from shopper_propensity.sql_literals import sql_literal


def model(dbt, session):
    dbt.config(materialized="table")
    primary_domain = dbt.config.meta_get("primary_domain")

    thresholds = dict(dbt.ref("propensity_model_registry").project("model_name, threshold").fetchall())
    predictions = dbt.ref("propensity_predictions")
    model_inputs.require_rows(predictions, "propensity_predictions")
    tables = []
    for model_name, threshold in sorted(thresholds.items()):
        # one model at a time keeps memory to one model's predictions
        # through Arrow with text as categoricals: .df() builds a Python string per row and value
        # in key order: a mean (Brier) over rows in arrival order differs in its last bits run to run
        selected = (predictions.filter(f"model_name = {sql_literal(model_name)}")
                    .project("split, domain_name, actual, score, pseudo_session_id")
                    .order("split, domain_name, pseudo_session_id"))
        frame = selected.to_arrow_table().to_pandas(strings_to_categorical=True)
        table = propensity.metrics_table(frame, threshold, primary_domain)
        table.insert(0, "model_name", model_name)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)
