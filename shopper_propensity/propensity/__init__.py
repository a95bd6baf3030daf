"""Session propensity (document 000 §7): which pseudo-sessions convert.

Pure functions on pandas/numpy and DuckDB relations; the dbt Python models in
python_models/propensity/ read refs, call one function here and return its frame. Differences
from document 000 on purpose: the decision threshold is tuned on a validation window at the end
of the training period, never on the test set, and nothing of the validation or test windows
fits the encoder or the models.

Modules: ``features`` (what a model sees, the encoder), ``splits`` (the temporal windows),
``inputs`` (reading session_features), ``candidates`` (the model zoo), ``champion`` (the choice
on validation), ``registry`` (models as rows, artifacts), ``training`` (the registry run),
``scoring``, ``evaluation`` (the metrics table), ``importance``, ``model_health``. The metrics
themselves are in shopper_propensity.metrics.
"""
