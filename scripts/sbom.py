"""A CycloneDX SBOM per image (cyclonedx-py, from PyPI), written beside the build: .cache/images/<image>-<tag>.cdx.json.

    python scripts/sbom.py IMAGE:TAG LOCK_FILE PYTHON_IN_IMAGE      (scripts/build-images.sh calls it)

The components come from the image's lock file (what pip installed, hashed, --require-hashes) plus our package;
then the Python distributions really inside the image are listed (a container of it, `importlib.metadata`): one the
lock names must be installed at the locked version (else the build fails), and ones the lock does not name (the
venv's own pip/setuptools) are added, marked. So the SBOM covers every Python distribution in the image.
Debian packages of the base are not covered (no PyPI tool reads dpkg status).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / ".cache" / "images"
LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps(sorted({(d.metadata['Name'], d.version) for d in m.distributions()})))"
)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> None:
    image, lock, python = sys.argv[1:4]
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / (image.replace(":", "-").replace("/", "_") + ".cdx.json")
    # cyclonedx-py warns that a requirements file gives no dependency graph: known, and said in the docstring.
    env = {**os.environ, "PYTHONWARNINGS": "ignore::UserWarning"}
    epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True)
    if epoch.returncode == 0 and epoch.stdout.strip():
        env["SOURCE_DATE_EPOCH"] = epoch.stdout.strip()  # reproducible: the commit's time, not now
    cyclonedx = Path(sys.executable).parent / "cyclonedx-py"
    subprocess.run(
        [str(cyclonedx), "requirements", str(ROOT / lock), "--pyproject", str(ROOT / "pyproject.toml"),
         "--output-reproducible", "--of", "JSON", "-o", str(target)],
        check=True, env=env,
    )  # fmt: skip
    bom = json.loads(target.read_text())
    root = bom["metadata"]["component"]
    listed = {normalize(c["name"]): c.get("version") for c in bom.get("components", [])}
    listed[normalize(root["name"])] = root.get("version")
    proc = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", python, image, "-c", LIST_DISTRIBUTIONS],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    installed = {normalize(n): v for n, v in json.loads(proc.stdout)}
    wrong = {n: (v, listed[n]) for n, v in installed.items() if n in listed and listed[n] != v}
    if wrong:
        raise SystemExit(f"{image}: installed at another version than its SBOM says (installed, SBOM): {wrong}")
    # What the venv brought itself (pip, setuptools of `python -m venv`) is in the image but not in the lock:
    # listed too, marked, so the SBOM covers every Python distribution inside.
    for name, version in sorted(installed.items()):
        if name not in listed:
            bom["components"].append(
                {
                    "type": "library",
                    "bom-ref": f"{name}=={version}",
                    "name": name,
                    "version": version,
                    "purl": f"pkg:pypi/{name}@{version}",
                    "properties": [{"name": "supermarket:source", "value": "in the image, not from the lock"}],
                }
            )
    root["properties"] = [{"name": "supermarket:image", "value": image}]
    target.write_text(json.dumps(bom, indent=2) + "\n")
    extra = len(installed) - len(set(installed) & set(listed))
    print(f"{image} SBOM: {target.relative_to(ROOT)}: {len(installed)} Python distributions, {extra} not from the lock")


if __name__ == "__main__":
    main()
