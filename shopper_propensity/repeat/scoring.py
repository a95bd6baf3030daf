"""repeat_predictions: every model's forecast for the customers of the validation and the scored
cutoff - each registry candidate, and the BG/NBD + Gamma-Gamma baseline fitted at that cutoff
(``baseline``) - one row per customer, domain, cutoff and model."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa

from shopper_propensity.model_inputs import require_rows
from shopper_propensity.propensity.registry import encoder_from_json, load_stored_model
from shopper_propensity.repeat.baseline import BASELINE, FORECAST_COLUMNS, baseline_forecast
from shopper_propensity.repeat.features import KEYS, RepeatInputError, load_customers
from shopper_propensity.settings import RepeatSettings

SCORED_ROLES = ("validation", "scored")
PREDICTION_SCHEMA = pa.schema([
    ("machine_id", pa.int64()), ("domain_name", pa.string()), ("cutoff_date", pa.date32()),
    ("cutoff_role", pa.string()), ("model_name", pa.string()),
    *((column, pa.float64()) for column in FORECAST_COLUMNS),
])


def forecast_table(registry_relation, featurized, labeled, purchase_days_relation,
                   settings: RepeatSettings) -> pa.Table:
    """Forecasts of every registry candidate and of the baseline at the validation and scored
    cutoffs, after checking that the registry was fitted for the horizon the vars give."""
    registry = registry_relation.order("complexity_rank").df()
    require_rows(registry, "repeat_model_registry")
    fitted_horizon = int(registry["horizon_days"].iloc[0])
    if fitted_horizon != settings.repeat_horizon_days:
        raise RepeatInputError(
            f"repeat_model_registry was fitted for a {fitted_horizon}-day horizon, var repeat_horizon_days is "
            f"{settings.repeat_horizon_days}: rebuild it: dbt build --select repeat_model_registry+"
        )
    encoder = encoder_from_json(registry["encoder_json"].iloc[0])
    models = [(row.model_name, load_stored_model(settings.artifact_dir, row.artifact_file, row.artifact_sha256,
                                                 "repeat_model_registry"))
              for row in registry.itertuples()]
    purchase_days = (purchase_days_relation.project("machine_id, domain_name, event_date, basket_spend_usd")
                     .order("machine_id, domain_name, event_date").df())
    frames = []
    for role in SCORED_ROLES:
        customers = load_customers(featurized, labeled, role)
        if customers.empty:
            raise RepeatInputError(
                f"no customer has a purchase before the {role} cutoff: set var repeat_cutoff_date later"
            )
        features = encoder.transform(customers)
        keys = customers[list(KEYS)].assign(cutoff_role=role)
        for name, model in models:
            probability, purchases, spend = model.predict(features)
            frames.append(keys.assign(model_name=name, probability_alive=float("nan"), purchase_probability=probability,
                                      expected_purchase_days=purchases, expected_spend_usd=spend))
        frames.append(_baseline_rows(keys, purchase_days, settings.repeat_horizon_days))
    table = pd.concat(frames, ignore_index=True).sort_values([*KEYS, "model_name"], kind="mergesort")
    table["cutoff_date"] = pd.to_datetime(table["cutoff_date"]).dt.date
    return pa.Table.from_pandas(table[PREDICTION_SCHEMA.names], schema=PREDICTION_SCHEMA, preserve_index=False)


def _baseline_rows(keys: pd.DataFrame, purchase_days: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    """The baseline for exactly the customers the candidates score (the same definition of a
    customer at a cutoff, from the same purchase days: anything else is a defect, not data)."""
    cutoff = pd.Timestamp(keys["cutoff_date"].iloc[0])
    baseline = baseline_forecast(purchase_days, cutoff, horizon_days)
    merged = keys.merge(baseline, on=["machine_id", "domain_name"], how="outer", validate="one_to_one",
                        indicator=True)
    if (merged["_merge"] != "both").any():
        counts = json.dumps(merged["_merge"].value_counts().to_dict(), default=str)
        raise RepeatInputError(f"the baseline's customers at {cutoff.date()} differ from the featurized ones: {counts}")
    return merged.drop(columns="_merge").assign(model_name=BASELINE)
