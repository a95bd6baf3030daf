"""The data's path runs one way through the folders: staging -> intermediate -> marts.

Read from the manifest `dbt parse` writes (the `manifest` fixture): a model's layer is its folder (models/staging,
models/intermediate, models/marts; python_models/ are the Python models, a stage of their own
that intermediate and marts read). Rules:
- source() appears only in staging models;
- a staging model reads only staging models and seeds;
- an intermediate model never reads a mart;
- each layer has its schema, and the marts (main) are exactly the served models.
"""

from __future__ import annotations

from conftest import served_marts

LAYER_FOLDERS = {
    "models/staging/": "staging",
    "models/intermediate/": "intermediate",
    "models/marts/": "marts",
    "python_models/": "python",
}


def layer_of(node: dict) -> str:
    """The layer of a manifest node: its folder's, or its resource type (seed, analysis, ...)."""
    if node["resource_type"] == "model":
        for folder, layer in LAYER_FOLDERS.items():
            if node["original_file_path"].startswith(folder):
                return layer
        return "unlayered"
    return node["resource_type"]


def layer_violations(manifest: dict) -> list[str]:
    """Every edge of the manifest that runs against the layers, as readable lines."""
    nodes = {**manifest["nodes"], **manifest["sources"]}
    problems = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "analysis"):
            continue
        layer = layer_of(node)
        if layer == "unlayered":
            problems.append(f"{node['original_file_path']} is in no layer folder")
        for parent_id in node["depends_on"]["nodes"]:
            parent = nodes[parent_id]
            parent_layer = "source" if parent["resource_type"] == "source" else layer_of(parent)
            edge = f"{node['name']} ({layer}) reads {parent['name']} ({parent_layer})"
            if parent_layer == "source" and layer != "staging":
                problems.append(f"{edge}: source() belongs in staging only")
            elif layer == "staging" and parent_layer not in ("source", "staging", "seed"):
                problems.append(f"{edge}: staging reads only sources, staging and seeds")
            elif layer == "intermediate" and parent_layer == "marts":
                problems.append(f"{edge}: an intermediate model never reads a mart")
    return sorted(problems)


def test_every_model_reads_only_earlier_layers(manifest):
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert {layer_of(node) for node in models} == {"staging", "intermediate", "marts", "python"}
    assert layer_violations(manifest) == []


# Each layer's schema (macros/schemas.sql): BI tools see the marts in main, nothing else.
LAYER_SCHEMAS = {"staging": "staging", "seed": "staging", "intermediate": "intermediate", "python": "ml",
                 "marts": "main"}


def test_each_layer_has_its_own_schema_and_only_marts_are_served(manifest):
    nodes = [node for node in manifest["nodes"].values() if node["resource_type"] in ("model", "seed")]
    wrong = [f"{node['name']} ({layer_of(node)}) is in schema {node['schema']}" for node in nodes
             if node["schema"] != LAYER_SCHEMAS[layer_of(node)]]
    assert wrong == []
    marts = {node["name"] for node in nodes if layer_of(node) == "marts"}
    assert set(served_marts(manifest)) == marts


def _node(name: str, path: str, parents: list[str], resource_type: str = "model") -> tuple[str, dict]:
    unique_id = f"{resource_type}.shopper_propensity.{name}"
    return unique_id, {"name": name, "resource_type": resource_type, "original_file_path": path,
                       "depends_on": {"nodes": parents}}


def test_layer_check_names_each_backward_edge():
    nodes = dict([
        _node("stg_a", "models/staging/stg_a.sql", ["source.shopper_propensity.raw.a"]),
        _node("stg_b", "models/staging/stg_b.sql", ["model.shopper_propensity.int_a"]),
        _node("int_a", "models/intermediate/int_a.sql", ["model.shopper_propensity.mart_a"]),
        _node("int_b", "models/intermediate/int_b.sql", ["source.shopper_propensity.raw.a"]),
        _node("mart_a", "models/marts/mart_a.sql", ["model.shopper_propensity.int_b"]),
        _node("odd", "models/odd.sql", []),
    ])
    sources = {"source.shopper_propensity.raw.a": {"name": "a", "resource_type": "source"}}
    assert layer_violations({"nodes": nodes, "sources": sources}) == [
        "int_a (intermediate) reads mart_a (marts): an intermediate model never reads a mart",
        "int_b (intermediate) reads a (source): source() belongs in staging only",
        "models/odd.sql is in no layer folder",
        "stg_b (staging) reads int_a (intermediate): staging reads only sources, staging and seeds",
    ]
