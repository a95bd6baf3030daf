"""Checks on the per-customer arrays the CLV models read, so bad input fails with its name.

A NaN or a negative T inside a likelihood otherwise comes back as a NaN parameter or an
optimizer's "ABNORMAL_TERMINATION"; this names the array and the count of bad rows instead.
"""

from __future__ import annotations

import numpy as np


class ClvInputError(ValueError):
    """Per-customer input that a CLV model cannot read (NaN, negative, inconsistent, empty)."""


class ClvFitWarning(UserWarning):
    """A CLV fit that ran but says little: it stopped early, the data barely constrain a
    parameter, or an assumption of the model visibly fails."""


def as_float_array(values, name: str, require_finite: bool = True) -> np.ndarray:
    """values as a 1-d float array; raise ClvInputError naming `name` on non-numeric values
    and, with require_finite, on missing or infinite ones (pandas NA counts as missing)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ClvInputError(f"{name} must be numeric: {error}") from error
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ClvInputError(f"{name} must be one value per customer (1-d), got shape {array.shape}")
    bad = ~np.isfinite(array)
    if require_finite and bad.any():
        raise ClvInputError(f"{name} has {int(bad.sum())} missing or infinite value(s) of {array.size}")
    return array


def _require_non_negative(array: np.ndarray, name: str) -> None:
    negative = array < 0
    if negative.any():
        raise ClvInputError(f"{name} has {int(negative.sum())} negative value(s) of {array.size}")


def repeat_history(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated (frequency, recency, T) arrays: one value per customer, in days.

    frequency counts repeat purchases (purchases after the first), so it is a non-negative
    whole number; recency (first to last purchase) lies in [0, T]; a customer without a repeat
    purchase has recency 0.
    """
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    age = as_float_array(T, "T")
    if not x.size == t_x.size == age.size:
        raise ClvInputError(
            f"frequency, recency and T differ in length ({x.size}, {t_x.size}, {age.size})"
        )
    if x.size == 0:
        raise ClvInputError("no customers: frequency, recency and T are empty")
    for array, name in ((x, "frequency"), (t_x, "recency"), (age, "T")):
        _require_non_negative(array, name)
    fractional = x != np.floor(x)
    if fractional.any():
        raise ClvInputError(f"frequency has {int(fractional.sum())} non-integer value(s): it counts purchases")
    late = t_x > age
    if late.any():
        raise ClvInputError(
            f"recency exceeds T for {int(late.sum())} customer(s): the last purchase is after the cutoff"
        )
    stray = (x == 0) & (t_x > 0)
    if stray.any():
        raise ClvInputError(
            f"{int(stray.sum())} customer(s) have recency > 0 but no repeat purchase (frequency 0)"
        )
    return x, t_x, age


def horizon(t, name: str = "t") -> float:
    """A forecast horizon in days: one finite, non-negative number."""
    value = float(t)
    if not np.isfinite(value) or value < 0:
        raise ClvInputError(f"{name} must be a finite, non-negative number of days, got {t!r}")
    return value
