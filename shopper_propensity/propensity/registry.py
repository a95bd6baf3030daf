"""The model registry: every training run's fitted models are stored as one version in the
artifact folder, and the rows of propensity_model_registry (and of repeat_model_registry, which
stores its families the same way under `<artifact_dir>/repeat/`) point at them.

A version is a folder `<artifact_dir>/propensity/<version_id>/`: each candidate pickled
(`<model_name>.pkl`, with its encoder and column positions in the registry row), the reference
XGBoost model also as XGBoost JSON (`xgboost_propensity.json`, readable without this package),
and `manifest.json` (the candidates with their files and SHA-256, the champion, windows, encoder,
settings, library versions, the registry rows, the run date it was trained on). The version id
is a digest of the manifest, so a rebuild on the same rows and run date is the same version and a
retraining on other rows or another run date is a new folder beside it. The
artifact folder lives outside `target/` (which `dbt clean` empties) and no build deletes a
version: the folder is the models' history, and `history.jsonl` beside the versions lists them
in the order they were trained (propensity.lifecycle).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb

from shopper_propensity.propensity.features import FeatureEncoder
from shopper_propensity.propensity.splits import PropensityInputError

FAMILY = "propensity"
MANIFEST = "manifest.json"
REFERENCE_JSON = "xgboost_propensity.json"
VERSION_ID_LENGTH = 16


@dataclass(frozen=True)
class StoredModel:
    """Where one candidate of a version is stored, relative to the artifact folder."""

    version_id: str
    artifact_file: str
    artifact_sha256: str


def dump_model(model) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def load_model(blob: bytes, registry: str = "propensity_model_registry"):
    """A model this project pickled (load_stored_model checks the file is the one it wrote)."""
    try:
        return pickle.loads(blob)
    except (AttributeError, ModuleNotFoundError) as error:  # pickled by code that has moved since
        raise PropensityInputError(
            f"{registry} points at a model this version of shopper_propensity cannot load ({error}); "
            f"rebuild it: dbt build --select {registry}+"
        ) from error


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_version(models: dict[str, object], metadata: dict, artifact_dir: str | Path, family: str = FAMILY,
                 reference: xgb.XGBClassifier | None = None) -> dict[str, StoredModel]:
    """Store a training run of a model family (propensity, repeat) as one version folder
    `<artifact_dir>/<family>/<version_id>/`; {model name: where it is stored}. A `reference`
    XGBoost model is also stored as XGBoost JSON.

    Written beside the final folder and renamed into place, so a version folder is always
    complete; when it already exists (the same run built again) it is left as it is.
    """
    files = {f"{name}.pkl": dump_model(model) for name, model in sorted(models.items())}
    if reference is not None:
        files[REFERENCE_JSON] = bytes(reference.get_booster().save_raw(raw_format="json"))
    manifest = {
        **metadata,
        "family": family,
        "files": {file: _digest(blob) for file, blob in sorted(files.items())},
        "library_versions": {"python": platform.python_version(), "numpy": np.__version__,
                             "pandas": pd.__version__, "scikit-learn": sklearn.__version__,
                             "xgboost": xgb.__version__},
    }
    version_id = _digest(json.dumps(manifest, sort_keys=True, default=str).encode())[:VERSION_ID_LENGTH]
    manifest = {"version_id": version_id, **manifest}
    versions = Path(artifact_dir) / family
    final = versions / version_id
    if not final.exists():  # else the same run, stored by an earlier build: a version id is its content
        with _scratch_folder(versions) as scratch:
            for file, blob in files.items():
                (scratch / file).write_bytes(blob)
            (scratch / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
            _rename_into_place(scratch, final)
    return {name: StoredModel(version_id, f"{family}/{version_id}/{name}.pkl", manifest["files"][f"{name}.pkl"])
            for name in models}


def stored_rows(rows: list[dict], stored: dict[str, StoredModel]) -> pd.DataFrame:
    """Registry rows (one per model_name) pointing at where save_version stored each model."""
    return pd.DataFrame([
        {**row, "model_version_id": stored[row["model_name"]].version_id,
         "artifact_file": stored[row["model_name"]].artifact_file,
         "artifact_sha256": stored[row["model_name"]].artifact_sha256}
        for row in rows
    ])


@contextmanager
def _scratch_folder(parent: Path):
    """A fresh folder beside the versions, gone on the way out unless renamed into place."""
    path = parent / f".incomplete-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _rename_into_place(scratch: Path, final: Path) -> None:
    try:
        scratch.rename(final)
    except OSError:
        if not final.exists():  # else another build of the same version got there first
            raise


def load_stored_model(artifact_dir: str | Path, artifact_file: str, artifact_sha256: str,
                      registry: str = "propensity_model_registry"):
    """The model stored at artifact_file, after checking its bytes are the ones the registry
    (the table named `registry`) recorded: a file changed or swapped since is never unpickled."""
    path = Path(artifact_dir) / artifact_file
    try:
        blob = path.read_bytes()
    except FileNotFoundError as error:
        raise PropensityInputError(
            f"{path}: the model {registry} points at is missing (artifact folder: var artifact_dir "
            f"or env SHOPPER_ARTIFACT_DIR); rebuild it: dbt build --select {registry}+"
        ) from error
    if _digest(blob) != artifact_sha256:
        raise PropensityInputError(
            f"{path} is not the file {registry} recorded (SHA-256 differs); "
            f"rebuild it: dbt build --select {registry}+"
        )
    return load_model(blob, registry)


def read_manifest(artifact_dir: str | Path, version_id: str, family: str = FAMILY) -> dict:
    """The manifest of a stored version (a clear error when the folder is gone)."""
    path = Path(artifact_dir) / family / version_id / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as error:
        raise PropensityInputError(
            f"{path}: the model version the history names is missing (artifact folder: var artifact_dir or env "
            "SHOPPER_ARTIFACT_DIR); restore the folder, or train a new version with retrain_policy always"
        ) from error


def encoder_from_json(text: str) -> FeatureEncoder:
    return FeatureEncoder.from_dict(json.loads(text))


def registry_models(registry: pd.DataFrame,
                    artifact_dir: str | Path) -> tuple[FeatureEncoder, list[tuple[str, object, list[int], float]]]:
    """The shared encoder and (name, fitted model, column positions, threshold) per registry row."""
    encoder = encoder_from_json(registry["encoder_json"].iloc[0])
    models = [
        (row.model_name, load_stored_model(artifact_dir, row.artifact_file, row.artifact_sha256),
         json.loads(row.feature_positions), float(row.threshold))
        for row in registry.sort_values("model_name").itertuples()
    ]
    return encoder, models
