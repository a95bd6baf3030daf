"""k-means segmentation of one domain's users on RFM and engagement (document 000 §6, documents
002 and 003): imputation, the standardized matrix, k selection, canonical segment ids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from shopper_propensity.metrics import sampled_silhouettes
from shopper_propensity.personas import names
from shopper_propensity.settings import PersonaSettings

# Behavioural features (document 000 §6.1), as user_rfm names them.
FREQUENCY = "frequency_days"
PURCHASE_GAP = "avg_days_between_purchases"
MONETARY = "avg_basket_spend_usd"
PAGES = "avg_pages_per_session"
DURATION = "avg_duration_minutes_per_session"
BEHAVIOR_FEATURES = (FREQUENCY, PURCHASE_GAP, MONETARY, PAGES, DURATION)
# Purchase days behind a user's mean basket (user_rfm), and how many baskets at the buyers'
# median a user's own baskets are pooled with: the prior weight of the shrunken mean basket.
PURCHASE_COUNT = "purchase_days"
BASKET_PRIOR_PURCHASES = 2.0
# Demographics that may join the segmentation (document 002); never racial_background or zip_code.
DEMOGRAPHIC_FEATURES = (
    "hoh_most_education", "household_income", "census_region", "household_size", "hoh_oldest_age", "children",
)

@dataclass(frozen=True)
class BehaviorMatrix:
    """Standardized features ready for k-means, with what is needed to read centroids back."""

    values: np.ndarray
    columns: list[str]
    means: np.ndarray
    scales: np.ndarray


def impute_behavior(users: pd.DataFrame) -> pd.DataFrame:
    """Fill what is undefined for users with few purchases, so every user can be clustered.

    Fewer than two purchase days: the gap between purchases is at least the time we have
    watched the user, so it takes the observed span (``tenure_days``) and puts one-time and
    never buyers with the long-gap users. Never bought: basket size is unknown, not zero, so
    it takes the median basket of the buyers; a zero would make non-buyers a cluster of their
    own on that one feature, whatever their browsing looks like.

    Few purchases (when the frame has ``purchase_days``): one or two baskets say little about a
    user's usual basket, so the mean basket is shrunk toward the buyers' median, as if the user
    also had ``BASKET_PRIOR_PURCHASES`` baskets at the median (an empirical-Bayes mean; never
    buyers get the median itself). Without it, the noise of one-off baskets splits rare buyers
    into "small" and "big spender" segments that say nothing about the user.
    """
    filled = users.copy()
    filled[PURCHASE_GAP] = filled[PURCHASE_GAP].fillna(filled["tenure_days"].astype(float))
    median_basket = filled[MONETARY].median()
    median_basket = 0.0 if pd.isna(median_basket) else float(median_basket)
    own = filled[MONETARY].fillna(median_basket)
    if PURCHASE_COUNT in filled.columns:
        purchases = filled[PURCHASE_COUNT].fillna(0).astype(float).clip(lower=0)
        own = (purchases * own + BASKET_PRIOR_PURCHASES * median_basket) / (purchases + BASKET_PRIOR_PURCHASES)
    filled[MONETARY] = own
    return filled


def prepare_behavior_matrix(users: pd.DataFrame, demographic_features: tuple[str, ...] = ()) -> BehaviorMatrix:
    """log1p the behavioural features, standardize, and optionally add one-hot demographics.

    All five behavioural features are right-skewed counts, gaps and amounts: log1p before
    standardizing (document 003).

    Unknown demographics (NULL) get their own one-hot column rather than an imputed value
    (document 000 §4.2 treats "Unknown" as a category).
    """
    numeric = users.loc[:, list(BEHAVIOR_FEATURES)].astype(float)
    if numeric.isna().any().any():
        missing = numeric.columns[numeric.isna().any()].tolist()
        raise ValueError(f"behavioral features have NULLs after imputation: {missing}")
    for column in BEHAVIOR_FEATURES:
        numeric[column] = np.log1p(numeric[column].clip(lower=0))
    means = numeric.mean().to_numpy()
    scales = numeric.std(ddof=0).replace(0, 1).to_numpy()
    standardized = (numeric.to_numpy() - means) / scales
    columns = list(BEHAVIOR_FEATURES)
    if demographic_features:
        one_hot = pd.get_dummies(
            users.loc[:, list(demographic_features)].astype("Int64").astype(str), dummy_na=False
        ).astype(float)
        standardized = np.hstack([standardized, one_hot.to_numpy()])
        columns += one_hot.columns.tolist()
    return BehaviorMatrix(standardized, columns, means, scales)


def fit_kmeans(values: np.ndarray, k: int, seed: int, n_init: int = 4) -> KMeans:
    """Seeded k-means with a fixed number of restarts, so a run is reproducible.

    One thread: dbt runs another model beside this one on a 2-core machine, and k-means'
    OpenMP threads then wait on each other (k selection at paper scale: 6 s on one thread,
    23 s on two beside a busy core).
    """
    with threadpool_limits(limits=1):
        return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(values)


def evaluate_k(values: np.ndarray, k_values: range, seed: int, silhouette_sample: int, n_init: int = 4) -> pd.DataFrame:
    """Inertia (elbow) and silhouette for each k; silhouette on a seeded sample to stay fast."""
    models = {k: fit_kmeans(values, k, seed, n_init) for k in k_values}
    silhouettes = sampled_silhouettes(values, [model.labels_ for model in models.values()], silhouette_sample, seed)
    return pd.DataFrame([
        {"k": k, "inertia": float(model.inertia_), "silhouette": silhouette}
        for (k, model), silhouette in zip(models.items(), silhouettes, strict=True)
    ])


def choose_k(k_table: pd.DataFrame, forced_k: int | None) -> int:
    """The configured k when set, else the k with the highest silhouette (smaller k on ties)."""
    if forced_k:
        if forced_k not in set(k_table["k"]):
            raise ValueError(f"segment_k={forced_k} is outside the evaluated range {sorted(k_table['k'])}")
        return int(forced_k)
    best = k_table.sort_values(["silhouette", "k"], ascending=[False, True]).iloc[0]
    return int(best["k"])


def canonical_order(centroids: np.ndarray, columns: list[str]) -> np.ndarray:
    """Old cluster label -> new id, ordering clusters by centroid monetary, then frequency.

    k-means numbers clusters arbitrarily; this makes ids the same for the same data every run.
    """
    monetary = centroids[:, columns.index(MONETARY)]
    frequency = centroids[:, columns.index(FREQUENCY)]
    order = np.lexsort((frequency, monetary))  # last key is primary
    mapping = np.empty(len(order), dtype=int)
    mapping[order] = np.arange(len(order))
    return mapping


def name_personas(centroids: pd.DataFrame, users: pd.DataFrame, segment_ids: np.ndarray) -> list[str]:
    """Persona names of the segments (rows of centroids, by canonical id) from the evidence of
    the users' raw features (personas.names)."""
    medians, domain = names.evidence_medians(users, segment_ids)
    return names.name_segments(centroids, medians.reindex(centroids.index), domain)


def segmentation_matrix(users: pd.DataFrame, with_demographics: bool) -> BehaviorMatrix:
    """Imputed, transformed, standardized features of the users (plus one-hot demographics)."""
    demographics = DEMOGRAPHIC_FEATURES if with_demographics else ()
    return prepare_behavior_matrix(impute_behavior(users), demographic_features=demographics)


def assign_segments(users: pd.DataFrame, k: int, settings: PersonaSettings) -> pd.DataFrame:
    """Fit k-means with k clusters; return one row per user with canonical segment id, persona,
    distance to centroid and the standardized behavioural features (``z_<feature>``)."""
    matrix = segmentation_matrix(users, settings.segment_with_demographics)
    model = fit_kmeans(matrix.values, k, settings.segment_seed)
    mapping = canonical_order(model.cluster_centers_, matrix.columns)
    segment_ids = mapping[model.labels_]
    centers = np.empty_like(model.cluster_centers_)
    centers[mapping] = model.cluster_centers_
    personas = np.asarray(name_personas(pd.DataFrame(centers, columns=matrix.columns), users, segment_ids),
                          dtype=object)

    assignments = pd.DataFrame({
        "machine_id": users["machine_id"].to_numpy(),
        "segment_id": segment_ids,
        "persona": personas[segment_ids],
        "distance_to_centroid": np.linalg.norm(matrix.values - centers[segment_ids], axis=1),
        "segment_count": k,
    })
    for position, feature in enumerate(BEHAVIOR_FEATURES):
        assignments[f"z_{feature}"] = matrix.values[:, position]
    return assignments


def select_k(users: pd.DataFrame, settings: PersonaSettings) -> pd.DataFrame:
    """The k table for one domain's users (k = segment_k_min..segment_k_max), with the chosen k
    flagged in ``is_chosen``."""
    matrix = segmentation_matrix(users, settings.segment_with_demographics)
    k_table = evaluate_k(matrix.values, settings.k_values, settings.segment_seed, settings.segment_silhouette_sample)
    k_table["is_chosen"] = k_table["k"] == choose_k(k_table, settings.segment_k)
    return k_table


def chosen_k(k_table: pd.DataFrame) -> int:
    """The k flagged in a k table."""
    return int(k_table.loc[k_table["is_chosen"], "k"].iloc[0])
