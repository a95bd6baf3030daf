"""The model registry: fitted models travel between the dbt Python models as rows of
propensity_model_registry (pickled, with their encoder and column positions); the reference
XGBoost model is also saved as XGBoost JSON with a metadata file."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
import xgboost as xgb

from shopper_propensity.propensity.features import FeatureEncoder
from shopper_propensity.propensity.splits import PropensityInputError


def dump_model(model) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def load_model(blob: bytes, registry: str = "propensity_model_registry"):
    """A model of a registry table (only blobs this project wrote to its own warehouse are loaded)."""
    try:
        return pickle.loads(blob)
    except (AttributeError, ModuleNotFoundError) as error:  # pickled by code that has moved since
        raise PropensityInputError(
            f"{registry} holds a model this version of shopper_propensity cannot load ({error}); "
            f"rebuild it: dbt build --select {registry}+"
        ) from error


def encoder_from_json(text: str) -> FeatureEncoder:
    return FeatureEncoder.from_dict(json.loads(text))


def registry_models(registry: pd.DataFrame) -> tuple[FeatureEncoder, list[tuple[str, object, list[int], float]]]:
    """The shared encoder and (name, fitted model, column positions, threshold) per registry row."""
    encoder = encoder_from_json(registry["encoder_json"].iloc[0])
    models = [
        (row.model_name, load_model(bytes(row.model_blob)), json.loads(row.feature_positions), float(row.threshold))
        for row in registry.sort_values("model_name").itertuples()
    ]
    return encoder, models


def save_artifacts(booster: xgb.Booster, metadata: dict, artifact_dir: str) -> None:
    """XGBoost JSON plus a metadata file, so scores can be reproduced outside dbt."""
    folder = Path(artifact_dir)
    folder.mkdir(parents=True, exist_ok=True)
    booster.save_model(folder / "xgboost_propensity.json")
    (folder / "xgboost_propensity.metadata.json").write_text(json.dumps(metadata, indent=2, default=str))
