"""The shape of the Python code: modules stay small, the hidden truth is read in one place, and the
dbt Python models stay thin (refs and config with literal arguments, no loops)."""

from __future__ import annotations

import ast
import re

from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "shopper_propensity"
PYTHON_MODELS = REPO_ROOT / "python_models"
MAX_MODULE_LINES = 400
# What carries the generator's hidden truth: the truth tables and their columns.
TRUTH = re.compile(r"stg_panel_truth|campaign_intent|is_prompted|user_types?\b")
# The generator writes the truth (panel/), and evaluation against it is campaign/evaluation.py.
TRUTH_WRITER = PACKAGE / "panel"
TRUTH_READER = PACKAGE / "campaign" / "evaluation.py"


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_400_lines():
    long = {str(path.relative_to(REPO_ROOT)): lines for path in _modules()
            if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, f"split these modules, one concept each: {long}"


def test_only_campaign_evaluation_reads_the_hidden_truth():
    readers = {str(path.relative_to(PACKAGE)) for path in _modules()
               if TRUTH.search(path.read_text()) and TRUTH_WRITER not in path.parents}
    assert readers == {str(TRUTH_READER.relative_to(PACKAGE))}
    # and the dbt models that ref the truth hand it to evaluation only
    for path in PYTHON_MODELS.glob("*/*.py"):
        text = path.read_text()
        if "stg_panel_truth" in text:
            imported = set(re.findall(r"^from (\S+) import", text, re.MULTILINE))
            assert imported - {"shopper_propensity.settings"} == {"shopper_propensity.campaign"}, path.name
            assert re.findall(r"^from shopper_propensity.campaign import (.+)$", text, re.MULTILINE) == ["evaluation"]


def test_python_models_are_thin():
    for path in PYTHON_MODELS.glob("*/*.py"):
        tree = ast.parse(path.read_text())
        loops = [node for node in ast.walk(tree) if isinstance(node, ast.For | ast.While | ast.comprehension)]
        assert not loops, f"{path.name}: loops belong in the package"
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("ref", "get"):
                # dbt.ref / dbt.config.get: dbt finds refs and config keys by reading literal arguments
                assert all(isinstance(arg, ast.Constant) for arg in node.args), f"{path.name}: {ast.unparse(node)}"
