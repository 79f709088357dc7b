"""What every part of the cluster does: come up, report how it is, go down."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Host:
    """The one node: this machine."""

    ip: str
    name: str


class Component:
    """A part of the cluster. `up` is idempotent; `down` undoes `up` and tolerates a half-made state."""

    name = "component"

    def up(self, host: Host) -> None:
        """Bring the part up (nothing to do by default)."""

    def status(self, host: Host) -> list[tuple[str, bool]]:
        """(line, healthy) pairs for `cluster.py status`; none for parts with nothing running."""
        return []

    def down(self) -> None:
        """Stop and remove what `up` started or created (nothing by default)."""
