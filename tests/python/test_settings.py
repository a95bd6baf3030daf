"""Settings of the dbt Python models: built from the vars of dbt_project.yml through each family's
YAML meta, with no default of their own, and failing readably on a missing or malformed var."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, project_settings, project_vars
from shopper_propensity.settings import (
    CampaignSettings,
    HealthSettings,
    MonitoringSettings,
    PersonaSettings,
    PropensitySettings,
    RepeatSettings,
    SettingsError,
)

FAMILIES = (PropensitySettings, HealthSettings, PersonaSettings, CampaignSettings, RepeatSettings, MonitoringSettings)
PYTHON_MODELS = REPO_ROOT / "python_models"


def _model_meta() -> dict[str, dict]:
    """Each Python model's config meta as its YAML declares it (anchors resolved)."""
    metas = {}
    for path in PYTHON_MODELS.glob("*/_*__models.yml"):
        for model in yaml.safe_load(path.read_text())["models"]:
            metas[model["name"]] = (model.get("config") or {}).get("meta") or {}
    return metas


def _settings_used(path: Path) -> list[str]:
    return re.findall(r"\b(\w+Settings)\.from_meta\(dbt\.config\.get\(\"meta\"\)\)", path.read_text())


def test_every_family_builds_from_the_project_vars_with_their_types():
    propensity = project_settings(PropensitySettings)
    assert propensity.train_end == date(2023, 1, 1) and propensity.validation_months == 3
    assert propensity.propensity_champion is None
    personas = project_settings(PersonaSettings)
    assert personas.segment_domains == ("amazon.com",) and personas.k_values == range(2, 11)
    assert personas.segment_k is None and personas.segment_with_demographics is False
    assert project_settings(CampaignSettings).campaign_target_share is None
    assert project_settings(HealthSettings).health_min_positives_per_window == 100
    repeat = project_settings(RepeatSettings)
    assert repeat.repeat_horizon_days == 90 and repeat.repeat_champion is None
    assert project_settings(PropensitySettings).panel_has_sessions is True
    assert project_settings(PersonaSettings, panel_has_sessions="false").panel_has_sessions is False


def test_no_setting_has_a_python_default():
    # the defaults live once, in dbt_project.yml
    for family in FAMILIES:
        defaulted = [field.name for field in dataclasses.fields(family)
                     if field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING]
        assert not defaulted, f"{family.__name__} repeats defaults of dbt_project.yml: {defaulted}"
        assert {field.name for field in dataclasses.fields(family)} <= set(project_vars()), family.__name__


def test_each_python_model_s_meta_maps_every_setting_it_reads_from_its_own_var():
    metas = _model_meta()
    families = {family.__name__: family for family in FAMILIES}
    checked = 0
    for path in sorted(PYTHON_MODELS.glob("*/*.py")):
        for name in _settings_used(path):
            meta = metas[path.stem]
            for field in dataclasses.fields(families[name]):
                # a folder may fall back to an env var when its var is null (var artifact_dir)
                assert re.fullmatch(rf"\{{\{{ var\('{field.name}'\)( or env_var\('SHOPPER_\w+', '[^']+'\))? \}}\}}",
                                    meta.get(field.name, "")), (path.stem, field.name, meta.get(field.name))
            checked += 1
    assert checked == 19  # every Python model but campaign_gain_curve reads one family


def test_python_models_read_settings_only_through_one_meta_mapping():
    for path in PYTHON_MODELS.glob("*/*.py"):
        text = path.read_text()
        assert "meta_get(" not in text, path.name
        assert len(re.findall(r"dbt\.config\.get\(", text)) == len(_settings_used(path)) <= 1, path.name


def test_a_missing_var_is_named():
    meta = {**project_vars()}
    del meta["campaign_splc_tau"]
    with pytest.raises(SettingsError, match=r"CampaignSettings needs \['campaign_splc_tau'\]"):
        CampaignSettings.from_meta(meta)


def test_values_as_dbt_renders_them_or_as_text_from_the_command_line():
    personas = project_settings(PersonaSettings, segment_domains="amazon.com, ebay.com", segment_k="null",
                                segment_with_demographics="true", segment_k_min="3")
    assert personas.segment_domains == ("amazon.com", "ebay.com")
    assert personas.segment_k is None and personas.segment_with_demographics is True and personas.segment_k_min == 3
    assert project_settings(PersonaSettings, segment_domains=["etsy.com"]).segment_domains == ("etsy.com",)
    assert project_settings(PropensitySettings, propensity_champion="").propensity_champion is None
    assert project_settings(CampaignSettings, campaign_target_share=0.2).campaign_target_share == 0.2
    with pytest.raises(SettingsError, match="var validation_months must be an integer, got 'three'"):
        project_settings(PropensitySettings, validation_months="three")
    with pytest.raises(SettingsError, match="var segment_with_demographics must be true or false"):
        project_settings(PersonaSettings, segment_with_demographics="sometimes")
    with pytest.raises(SettingsError, match="var train_end must be a date"):
        project_settings(PropensitySettings, train_end="2023-13-01")
