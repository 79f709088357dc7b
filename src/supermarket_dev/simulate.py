"""The `supermarket simulate` command line (realistic deliveries into landing), run as a subprocess the way a
supermarket would deliver: in the background, files appearing over time, `_SUCCESS` last."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path


def simulate_command(
    storage: Path | str,
    date: str,
    supermarkets: Iterable[int] = (1, 2, 3, 4),
    *,
    never_deliver: Iterable[int] = (),
    rows: int | None = None,
    files: int | None = None,
    supermarket_delay: float | None = None,
    file_delay: float | None = None,
) -> list[str]:
    command = [sys.executable, "-m", "supermarket", "simulate", "--storage", str(storage), "--date", date,
               "--supermarkets", ",".join(map(str, supermarkets))]  # fmt: skip
    never = ",".join(map(str, never_deliver))
    options = {"--never-deliver": never or None, "--rows": rows, "--files": files,
               "--supermarket-delay": supermarket_delay, "--file-delay": file_delay}  # fmt: skip
    for option, value in options.items():
        if value is not None:
            command += [option, str(value)]
    return command


def simulate(storage: Path | str, date: str, supermarkets: Iterable[int] = (1, 2, 3, 4), **options: object) -> None:
    """Delivers at once and waits (a failure raises with the command's output)."""
    proc = subprocess.run(simulate_command(storage, date, supermarkets, **options), capture_output=True, text=True)  # type: ignore[arg-type]
    if proc.returncode != 0:
        raise RuntimeError(f"supermarket simulate failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")


def start_simulate(
    storage: Path | str,
    date: str,
    supermarkets: Iterable[int] = (1, 2, 3, 4),
    *,
    preexec_fn: Callable[[], object] | None = None,
    **options: object,
) -> subprocess.Popen[bytes]:
    """Delivers in the background (stop it with .kill() when done)."""
    return subprocess.Popen(simulate_command(storage, date, supermarkets, **options), preexec_fn=preexec_fn)  # type: ignore[arg-type]
