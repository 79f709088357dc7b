"""The `supermarket` command: one subcommand per pipeline step, run inside task pods."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence

from . import __version__
from .errors import EXIT_BAD_INPUT, EXIT_BUG, EXIT_CODES_HELP, EXIT_INFRA, EXIT_OK, PipelineError
from .layout import parse_date, parse_supermarket_id
from .logs import log
from .storage import is_storage_fault


def _date(value: str) -> dt.date:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _supermarket(value: str) -> int:
    try:
        return parse_supermarket_id(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _supermarkets(value: str) -> list[int]:
    if not value.strip():
        return []
    ids = [_supermarket(v.strip()) for v in value.split(",")]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise argparse.ArgumentTypeError(f"supermarket id(s) {repeated} given more than once in {value!r}")
    return ids


def _storage(value: str) -> str:
    """A storage root must name a place: not empty, not a filesystem's root (the data layout would be created
    directly in /, or in a bucket-less s3://)."""
    path = value.strip().split("://", 1)[-1] if "://" in value else value.strip()
    if not path.strip("/"):
        raise argparse.ArgumentTypeError(f"storage URL {value!r} is empty or the root of a filesystem")
    return value


def _positive(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    from .simulate import BAD_KINDS

    parser = argparse.ArgumentParser(
        prog="supermarket",
        description="Supermarket promotions pipeline steps. Storage is addressed by URL "
        "(file:///data, /data, s3://bucket/prefix); the data layout below it is fixed.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"supermarket {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--storage", type=_storage, required=True, metavar="URL", help="storage root URL")
        return p

    p = command("simulate", "write realistic deliveries into landing (_SUCCESS last)")
    p.add_argument("--date", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--supermarkets", type=_supermarkets, default=[1, 2, 3, 4], metavar="1,2,3,4")
    p.add_argument("--files", type=_positive, default=3, help="data files per delivery (default 3)")
    p.add_argument("--rows", type=_positive, default=1000, help="rows per delivery (default 1000)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--file-delay", type=float, default=0.0, metavar="SEC", help="pause between files")
    p.add_argument("--supermarket-delay", type=float, default=0.0, metavar="SEC", help="pause between supermarkets")
    p.add_argument(
        "--never-deliver",
        type=_supermarkets,
        default=[],
        metavar="ID,...",
        help="supermarkets that deliver nothing",
    )
    p.add_argument(
        "--bad",
        choices=sorted(BAD_KINDS),
        metavar="KIND",
        help="write a bad delivery: " + "; ".join(f"{k} = {v}" for k, v in BAD_KINDS.items()),
    )

    for name, help_ in (
        ("copy-to-raw", "copy one delivery from landing to raw, byte for byte, with a manifest"),
        ("process", "validate raw CSVs: good rows to processed (Parquet), bad rows to quarantine"),
        ("metrics", "compute one supermarket's metrics for a date"),
        ("ready", "exit 0 when the delivery is complete (data-*.csv and _SUCCESS), 1 when not"),
    ):
        p = command(name, help_)
        p.add_argument("--supermarket", type=_supermarket, required=True, metavar="ID")
        p.add_argument("--date", type=_date, required=True, metavar="YYYY-MM-DD")

    p = command("report", "aggregate the metrics of every supermarket for a date (table + HTML)")
    p.add_argument("--date", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--supermarkets", type=_supermarkets, default=[1, 2, 3, 4], metavar="1,2,3,4")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.command == "simulate":
        from .simulate import simulate

        simulate(
            args.storage,
            args.date,
            args.supermarkets,
            files=args.files,
            rows=args.rows,
            seed=args.seed,
            file_delay=args.file_delay,
            supermarket_delay=args.supermarket_delay,
            never_deliver=args.never_deliver,
            bad=args.bad,
        )
    elif args.command == "ready":
        from .delivery import delivery_status

        status = delivery_status(args.storage, args.supermarket, args.date)
        print(status.describe())
        return EXIT_OK if status.complete else 1
    elif args.command == "copy-to-raw":
        from .raw import copy_to_raw

        copy_to_raw(args.storage, args.supermarket, args.date)
    elif args.command == "process":
        from .process import process

        process(args.storage, args.supermarket, args.date)
    elif args.command == "metrics":
        from .metrics import metrics

        print(json.dumps(metrics(args.storage, args.supermarket, args.date)))
    elif args.command == "report":
        from .report import report

        report(args.storage, args.date, args.supermarkets)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except PipelineError as exc:
        kind = "bad-input" if exc.exit_code == EXIT_BAD_INPUT else "infrastructure"
        log("error", command=args.command, kind=kind, exit_code=exc.exit_code, message=str(exc))
        print(f"supermarket {args.command}: {kind} error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        if is_storage_fault(exc):  # disk full, read-only, unreachable object store: a retry may help
            message = f"storage error: {type(exc).__name__}: {exc}"
            log("error", command=args.command, kind="infrastructure", exit_code=EXIT_INFRA, message=message)
            print(f"supermarket {args.command}: infrastructure error: {message}", file=sys.stderr)
            return EXIT_INFRA
        # a bug: say so plainly; Airflow retries exit 1
        log("error", command=args.command, kind="unexpected", exit_code=EXIT_BUG, message=repr(exc))
        raise


def console() -> None:
    """Console-script entry point: the return code becomes the exit code."""
    sys.exit(main())
