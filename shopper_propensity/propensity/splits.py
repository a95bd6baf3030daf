"""The temporal split of session propensity: fit before the validation window, tune the threshold
and choose the champion on it, test on the period from train_end (document 000 §7, tuned on
validation rather than on the test set); the SQL predicates of those windows; and the checks
that a window can train a classifier and that scoring uses the windows the models saw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from shopper_propensity.sql_literals import sql_literal


class PropensityInputError(ValueError):
    """The data cannot train a model (e.g. one class only); raised with a readable message."""


@dataclass(frozen=True)
class SplitWindows:
    """Fit on [.., validation_start), tune on [validation_start, train_end), test on [train_end, ..)."""

    validation_start: date
    train_end: date

    @classmethod
    def from_vars(cls, train_end: str | date, validation_months: int) -> SplitWindows:
        end = pd.Timestamp(train_end)
        return cls((end - pd.DateOffset(months=int(validation_months))).date(), end.date())

    @classmethod
    def of_registry(cls, registry: pd.DataFrame) -> SplitWindows:
        """The windows stored with the registry's models."""
        return cls(pd.Timestamp(registry["validation_start"].iloc[0]).date(),
                   pd.Timestamp(registry["train_end"].iloc[0]).date())


def check_target(labels: np.ndarray, target: str, window: str) -> None:
    """A clear error for a target with one class in a window, before any library sees it."""
    positives = int(np.sum(labels))
    if len(labels) == 0:
        raise PropensityInputError(f"no pseudo-sessions in the {window} window: check train_end and the data's dates")
    if positives == 0 or positives == len(labels):
        only = "1 (all positive)" if positives else "0 (no positives)"
        raise PropensityInputError(
            f"target '{target}' is {only} for all {len(labels):,} pseudo-sessions of the {window} window; "
            "a classifier needs both classes. Check the target var, train_end and the transactions input."
        )


def window_filter(domain: str | None, start: date | None, end: date | None) -> str:
    """SQL predicate for one domain (or all) and a [start, end) date window."""
    parts = ["true"]
    if domain is not None:
        parts.append(f"domain_name = {sql_literal(domain)}")
    if start is not None:
        parts.append(f"event_date >= cast({sql_literal(start)} as date)")
    if end is not None:
        parts.append(f"event_date < cast({sql_literal(end)} as date)")
    return " and ".join(parts)


def window_predicates(primary_domain: str, windows: SplitWindows) -> dict[str, str]:
    """SQL predicates of the primary domain's train, validation and test windows."""
    return {
        "train": window_filter(primary_domain, None, windows.validation_start),
        "validation": window_filter(primary_domain, windows.validation_start, windows.train_end),
        "test": window_filter(primary_domain, windows.train_end, None),
    }


def registry_windows(registry: pd.DataFrame, from_vars: SplitWindows, primary_domain: str) -> SplitWindows:
    """The windows the registry's models were fitted and tuned on: the one source of truth for
    scoring and importance. Vars that say otherwise fail here rather than score silently with
    windows the models never saw."""
    fitted = SplitWindows.of_registry(registry)
    fitted_domain = registry["primary_domain"].iloc[0]
    if fitted != from_vars or fitted_domain != primary_domain:
        raise PropensityInputError(
            f"propensity_model_registry was fitted on {fitted_domain} with validation from {fitted.validation_start} "
            f"and train_end {fitted.train_end}, but the vars now give {primary_domain}, validation from "
            f"{from_vars.validation_start} and train_end {from_vars.train_end}. Rebuild the registry with these "
            "vars (dbt build --select propensity_model_registry+) or run with the vars it was built with."
        )
    return fitted
