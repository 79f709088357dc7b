#!/usr/bin/env python3
"""Promote what one environment runs to the next: copies the tested release (pipeline revision, chart version,
image tags) from environments/<from>/release.yaml to environments/<to>/release.yaml. Commit the result and open a
review: promotion is a reviewed commit.

    environments/promote.py dev staging
    environments/promote.py staging prod --expect-revision 0.1.0

Refuses to skip an environment (dev -> prod), and refuses when --expect-* names something the source
environment does not run.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ORDER = ("dev", "staging", "prod")
PROMOTED = ("pipelineRevision", "airflowChartVersion", "airflowImageRepository", "airflowImageTag", "taskImage")
HERE = Path(__file__).resolve().parent
LINE = re.compile(r"^(  )(?P<key>\w+): (?P<value>.*)$")


class PromotionError(Exception):
    pass


def read_release(env: str, root: Path = HERE) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (root / env / "release.yaml").read_text().splitlines():
        m = LINE.match(line)
        if m:
            values[m["key"]] = m["value"].split("  #")[0].strip().strip('"')
    return values


def promote(source: str, target: str, expect: dict[str, str], root: Path = HERE) -> dict[str, tuple[str, str]]:
    """Rewrites target's release.yaml in place (comments kept); returns {key: (old, new)} of what changed."""
    if source not in ORDER or target not in ORDER:
        raise PromotionError(f"environments are {', '.join(ORDER)}; got {source!r} -> {target!r}")
    if ORDER.index(target) != ORDER.index(source) + 1:
        raise PromotionError(
            f"{source} promotes to {ORDER[ORDER.index(source) + 1] if source != 'prod' else 'nothing'}"
            f", not {target}: every release passes through each environment in order"
        )
    running = read_release(source, root)
    for key, wanted in expect.items():
        if running.get(key) != wanted:
            raise PromotionError(
                f"{source} does not run {key}={wanted} (it runs {running.get(key)!r}): "
                "promote only what the previous environment runs"
            )
    missing = [k for k in PROMOTED if k not in running]
    if missing:
        raise PromotionError(f"{source}/release.yaml lacks {missing}")
    path = root / target / "release.yaml"
    before = read_release(target, root)
    lines = []
    for line in path.read_text().splitlines():
        m = LINE.match(line)
        if m and m["key"] in PROMOTED:
            line = f'  {m["key"]}: "{running[m["key"]]}"'
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")
    return {k: (before.get(k, ""), running[k]) for k in PROMOTED if before.get(k) != running[k]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", choices=ORDER)
    parser.add_argument("target", choices=ORDER)
    parser.add_argument("--expect-revision", help="refuse unless the source runs this pipeline revision")
    parser.add_argument("--expect-airflow-tag", help="refuse unless the source runs this Airflow image tag")
    parser.add_argument("--root", type=Path, default=HERE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    expect = {
        k: v for k, v in (("pipelineRevision", args.expect_revision), ("airflowImageTag", args.expect_airflow_tag)) if v
    }
    try:
        changes = promote(args.source, args.target, expect, args.root)
    except PromotionError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    if not changes:
        print(f"{args.target} already runs what {args.source} runs: nothing to promote")
    for key, (old, new) in changes.items():
        print(f"{args.target}: {key} {old} -> {new}")
    if changes:
        print(f"now: git commit -am 'Promote {args.source} to {args.target}' and open a review")
    return 0


if __name__ == "__main__":
    sys.exit(main())
