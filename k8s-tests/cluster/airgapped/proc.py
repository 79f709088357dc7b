"""Running commands and supervising the cluster's long-running processes (pid files, logs, waits)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from airgapped.settings import path


class ClusterError(Exception):
    """A clear, user-facing failure (missing prerequisite, component that did not come up)."""


def log(message: str) -> None:
    print(f"[cluster {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(*args: str | Path, check: bool = True, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], check=check, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload,no-any-return]


def wait_for(what: str, probe: Callable[[], bool], timeout: float, component: str | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(Exception):
            if probe():
                return
        if component and not alive(component):
            raise ClusterError(f"{component} exited while waiting for {what}; its log:\n{tail(component)}")
        time.sleep(0.5)
    hint = f"; log of {component}:\n{tail(component)}" if component else ""
    raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}{hint}")


def write(target: Path, text: str) -> None:
    """Writes only a change: a running kube-proxy exits when its configuration file is written (`up` twice)."""
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


def tail(component: str, lines: int = 30) -> str:
    log_file = path("logs", f"{component}.log")
    return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:]) if log_file.exists() else "(no log)"


def pid_of(component: str) -> int | None:
    pid_file = path("pids", f"{component}.pid")
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text())
    # The pid must still be ours: the same executable, not a recycled pid.
    with suppress(OSError):
        if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].endswith(component.encode()):
            return pid
    return None


def alive(component: str) -> bool:
    return pid_of(component) is not None


def start(component: str, executable: Path | str, *args: str | Path) -> None:
    if alive(component):
        log(f"{component} already running (pid {pid_of(component)})")
        return
    path("logs").mkdir(parents=True, exist_ok=True)
    path("pids").mkdir(parents=True, exist_ok=True)
    with path("logs", f"{component}.log").open("ab") as out:
        proc = subprocess.Popen(
            [str(executable), *map(str, args)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    path("pids", f"{component}.pid").write_text(str(proc.pid))
    deadline = time.monotonic() + 5  # until the child has exec'd: before that its cmdline is Python's
    while not alive(component) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    log(f"started {component} (pid {proc.pid})")


def stop(component: str, grace: float = 15) -> None:
    pid = pid_of(component)
    if pid is not None:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and not _zombie(pid):
            time.sleep(0.2)
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        log(f"stopped {component} (pid {pid})")
    path("pids", f"{component}.pid").unlink(missing_ok=True)


def _zombie(pid: int) -> bool:
    with suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    return True


def process_line(name: str) -> str:
    pid = pid_of(name)
    return f"{name:24s} {'running, pid ' + str(pid) if pid else 'not running'}"
