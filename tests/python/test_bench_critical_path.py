"""bench.dbt_results.critical_path: the chain of nodes a `dbt build` had to run one after another,
with the data tests that hold back the children of what they test."""

from __future__ import annotations

import json

from bench import dbt_results


def write_build(target, nodes: dict[str, tuple[str, list[str], float]]) -> None:
    """A manifest and run_results of nodes {name: (resource type, parents, seconds)}."""
    uid = {name: f"{kind}.project.{name}" for name, (kind, _, _) in nodes.items()}
    manifest = {"nodes": {uid[name]: {"name": name, "resource_type": kind,
                                      "depends_on": {"nodes": [uid[parent] for parent in parents]}}
                          for name, (kind, parents, _) in nodes.items() if kind != "unit_test"},
                "unit_tests": {uid[name]: {"name": name, "resource_type": kind,
                                           "depends_on": {"nodes": [uid[parent] for parent in parents]}}
                               for name, (kind, parents, _) in nodes.items() if kind == "unit_test"}}
    results = {"results": [{"unique_id": uid[name], "status": "success", "execution_time": seconds}
                           for name, (_, _, seconds) in nodes.items()]}
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / "run_results.json").write_text(json.dumps(results))


def test_the_longest_chain_runs_through_the_tests_a_child_waits_for(tmp_path):
    write_build(tmp_path / "target", {
        "raw": ("seed", [], 1.0),
        "wide": ("model", ["raw"], 5.0),
        "unique_wide": ("test", ["wide"], 2.0),  # dbt build runs it before wide's children
        "narrow": ("model", ["raw"], 6.0),
        "joined": ("model", ["wide", "narrow"], 1.0),
        "joined_unit": ("unit_test", ["joined"], 0.5),
        # a test across two models holds back only a child downstream of both
        "wide_matches_narrow": ("test", ["wide", "narrow"], 3.0),
        "after_wide_only": ("model", ["wide"], 0.1),
    })
    path = dbt_results.critical_path(tmp_path / "target")
    assert [node["name"] for node in path["nodes"]] == ["raw", "narrow", "wide_matches_narrow", "joined"]
    assert path["seconds"] == 1.0 + 6.0 + 3.0 + 1.0
    waits = dbt_results.build_order(json.loads((tmp_path / "target" / "manifest.json").read_text()))
    assert waits["model.project.after_wide_only"] == {"model.project.wide", "test.project.unique_wide"}
    assert "unit_test.project.joined_unit" in waits["model.project.joined"]
