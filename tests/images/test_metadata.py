"""Both images: OCI labels, and the SBOM the build wrote beside them (.cache/images/) for this very build; the
Airflow image loads the reports plugin with no plugins folder and no setting."""

from __future__ import annotations

import json

from .conftest import ROOT, docker, inspect

LABELS = ("title", "description", "source", "url", "documentation", "vendor", "licenses", "version", "revision",
          "created")  # fmt: skip


def sbom_of(image: str) -> dict[str, object]:
    path = ROOT / ".cache" / "images" / (image.replace(":", "-").replace("/", "_") + ".cdx.json")
    assert path.exists(), f"no SBOM for {image} at {path}: scripts/build-images.sh writes it"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def test_labels_and_sbom(task_image, airflow_image):
    for image, must_list in ((task_image, {"duckdb", "fsspec"}), (airflow_image, {"apache-airflow"})):
        labels = inspect(image)["Config"]["Labels"]  # type: ignore[index]
        for key in LABELS:
            assert labels.get(f"org.opencontainers.image.{key}") not in (None, "", "unknown"), (image, key)
        bom = sbom_of(image)
        assert bom["bomFormat"] == "CycloneDX"
        names = {c["name"].lower() for c in bom["components"]}  # type: ignore[attr-defined]
        assert must_list <= names, (image, must_list - names)
        assert bom["metadata"]["component"]["properties"] == [{"name": "supermarket:image", "value": image}]  # type: ignore[index]


def test_the_airflow_image_loads_the_reports_plugin(airflow_image):
    out = docker("run", "--rm", airflow_image, "airflow", "plugins", "--output", "json").stdout
    plugins = json.loads(next(line for line in out.splitlines() if line.startswith("[")))
    [plugin] = [p for p in plugins if p["name"] == "supermarket_reports"]
    assert "/reports" in json.dumps(plugin)
