"""The pipeline settings as the DAGs read them: the chart's ConfigMap file, single keys overridden by environment
variables, and a clear error for anything missing or wrong."""

from __future__ import annotations

import datetime as dt
import json

import pytest


def load(tmp_path, settings, **env):
    from supermarket_pipeline.config import Config

    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps(settings))
    return Config.load({"SUPERMARKET_CONFIG_FILE": str(path), **env})


def test_the_charts_file_is_read_as_it_is(tmp_path, chart_defaults):
    cfg = load(tmp_path, chart_defaults)
    assert cfg.task_image == chart_defaults["taskImage"]
    assert cfg.supermarkets == tuple(chart_defaults["supermarkets"])
    assert cfg.sensor_poke_interval == dt.timedelta(seconds=chart_defaults["sensorPokeInterval"])
    assert cfg.data_pvc == chart_defaults["dataPvc"] and cfg.data_mount_path == chart_defaults["dataMountPath"]
    assert cfg.sensor_storage_url == cfg.storage_url == "file:///data"  # empty sensorStorageUrl: the same
    assert cfg.kube_in_cluster is True and cfg.kube_config_file is None


def test_environment_variables_override_single_keys(tmp_path, chart_defaults):
    cfg = load(tmp_path, chart_defaults, SUPERMARKET_TASK_IMAGE="registry/task:2", SUPERMARKET_SUPERMARKETS="2,3")
    assert cfg.task_image == "registry/task:2" and cfg.supermarkets == (2, 3)
    assert cfg.task_namespace == chart_defaults["taskNamespace"]


def test_every_setting_has_a_key_in_the_charts_file(chart_defaults):
    """The chart renders every key Config reads (kubeConfigFile only exists outside the cluster)."""
    import dataclasses

    from supermarket_pipeline.config import Config, key_of

    keys = {key_of(f.name) for f in dataclasses.fields(Config)}
    assert keys - set(chart_defaults) == {"kubeConfigFile"}
    assert set(chart_defaults) <= keys


def test_a_missing_file_names_what_is_missing(tmp_path):
    from supermarket_pipeline.config import Config, ConfigError

    with pytest.raises(ConfigError, match=r"not found: the chart's ConfigMap.*taskImage \(SUPERMARKET_TASK_IMAGE\)"):
        Config.load({"SUPERMARKET_CONFIG_FILE": str(tmp_path / "absent.json")})


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("executionMode", "docker", "executionMode in .* must be one of kubernetes, local"),
        ("supermarkets", [1, 1], "distinct positive ids"),
        ("sensorPokeInterval", "soon", "number of seconds"),
        ("sensorDeferrable", "maybe", "true or false"),
        ("dataMountPath", "data", "absolute path"),
        ("retries", -1, "whole number"),
        ("taskImage", "", "non-empty"),
    ],
)
def test_bad_values_are_refused_with_the_key(tmp_path, chart_defaults, key, value, message):
    from supermarket_pipeline.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        load(tmp_path, {**chart_defaults, key: value})


def test_bad_environment_override_names_the_variable(tmp_path, chart_defaults):
    from supermarket_pipeline.config import ConfigError

    with pytest.raises(ConfigError, match="SUPERMARKET_RETRIES must be a whole number"):
        load(tmp_path, chart_defaults, SUPERMARKET_RETRIES="three")


def test_unknown_keys_are_reported_and_ignored(tmp_path, chart_defaults, caplog):
    """A chart one release ahead of the synced DAGs may add a key; the DAGs still import, and the log says so."""
    cfg = load(tmp_path, {**chart_defaults, "newSetting": "x"})
    assert cfg.task_image == chart_defaults["taskImage"]
    assert "ignoring unknown keys ['newSetting']" in caplog.text
