"""The stand-ins for what production has outside the cluster: PostgreSQL (Airflow's metadata database) and an
SSH git server (the DAG repository git-sync pulls), both in the namespace `supermarket-e2e`, from images built
here (scripts/build-cluster-images.sh). Every credential is generated at deploy time and handed over through
Secrets: nothing is a default.

    deploy_services(workdir) -> Services     apply, wait until ready, return what clients need
    Services.push_dags(message, change)      commit the repository's dags/ (optionally changed) and push it
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kube import ROOT, kubectl
from supermarket_dev.waiting import wait_until

NAMESPACE = "supermarket-e2e"
SERVICES = Path(__file__).with_name("services")
POSTGRESQL_IMAGE = "supermarket-e2e-postgresql:15"
GIT_SERVER_IMAGE = "supermarket-e2e-git-server:1"
GIT_HOST = f"git-server.{NAMESPACE}.svc.cluster.local"
REPOSITORY = "/srv/git/supermarket.git"
GIT_URL = f"ssh://git@{GIT_HOST}{REPOSITORY}"  # what git-sync clones (values: dags.gitSync.repo)
DB_HOST = f"postgresql.{NAMESPACE}.svc.cluster.local"


def secret(name: str, namespace: str, data: dict[str, str]) -> None:
    """Create or replace a Secret (string data)."""
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": "Opaque",
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }
    kubectl("apply", "-f", "-", stdin=json.dumps(manifest))


def ensure_namespace(name: str) -> None:
    kubectl("create", "namespace", name, check=False)


def keypair(directory: Path, name: str) -> tuple[Path, str]:
    """An ed25519 key pair made with ssh-keygen: (private key file, public key line)."""
    key = directory / name
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, key.with_suffix(".pub").read_text().strip()


def apply_manifest(template: Path, image: str) -> None:
    text = template.read_text().replace("${NAMESPACE}", NAMESPACE).replace("${IMAGE}", image)
    kubectl("apply", "-f", "-", stdin=text)


def rollout(kind_name: str, timeout: int = 180) -> None:
    out = kubectl("-n", NAMESPACE, "rollout", "status", kind_name, f"--timeout={timeout}s", check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind_name} in {NAMESPACE} did not become ready: {out.stderr.strip()}")


def cluster_ip(service: str) -> str:
    return kubectl("-n", NAMESPACE, "get", "svc", service, "-o", "jsonpath={.spec.clusterIP}").stdout.strip()


@dataclass
class Services:
    workdir: Path
    db_password: str
    git_key: Path  # the client key: git-sync's (Secret) and the tests' (push)
    known_hosts: str  # one line, the git server's pinned host key, for git-sync (values: knownHosts)

    @property
    def metadata_connection(self) -> str:
        return f"postgresql://airflow:{self.db_password}@{DB_HOST}:5432/airflow"

    def git(self, *args: str, cwd: Path | None = None) -> str:
        """git against the in-cluster server from this machine (the node: Service addresses are routed here)."""
        hosts = self.workdir / "known_hosts"
        ip = cluster_ip("git-server")
        hosts.write_text(self.known_hosts.replace(f"{GIT_HOST} ", f"{GIT_HOST},{ip} ", 1) + "\n")
        ssh = (
            f"ssh -i {self.git_key} -o IdentitiesOnly=yes -o UserKnownHostsFile={hosts} -o StrictHostKeyChecking=yes"
            " -o ConnectTimeout=5"
        )
        env = {**os.environ, "GIT_SSH_COMMAND": ssh, "GIT_AUTHOR_NAME": "e2e", "GIT_AUTHOR_EMAIL": "e2e@localhost",
               "GIT_COMMITTER_NAME": "e2e", "GIT_COMMITTER_EMAIL": "e2e@localhost"}  # fmt: skip
        result = subprocess.run(["git", *args], cwd=cwd, env=env, text=True, capture_output=True)
        if result.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the server answers git over SSH with our key (a restarted pod takes a moment to be routed)."""

        def answers() -> bool:
            try:
                self.git("ls-remote", f"ssh://git@{cluster_ip('git-server')}{REPOSITORY}")
            except RuntimeError:
                return False
            return True

        wait_until("the git server to answer over SSH", answers, timeout, 1)

    def push_dags(self, message: str, change: Callable[[Path], None] | None = None) -> str:
        """Commit the repository's dags/ (after `change(dags_dir)`, if given) to main and push it; returns the
        commit id. The clone keeps history, so every push is a fast-forward like a developer's."""
        clone = self.workdir / "repository"
        url = f"ssh://git@{cluster_ip('git-server')}{REPOSITORY}"
        if not clone.exists():
            clone.mkdir(parents=True)
            self.git("init", "-q", "--initial-branch=main", cwd=clone)
            self.git("remote", "add", "origin", url, cwd=clone)
        shutil.rmtree(clone / "dags", ignore_errors=True)
        shutil.copytree(ROOT / "dags", clone / "dags", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        if change is not None:
            change(clone / "dags")
        self.git("add", "-A", cwd=clone)
        self.git("commit", "-q", "--allow-empty", "-m", message, cwd=clone)
        self.git("push", "-q", "origin", "main", cwd=clone)
        return self.git("rev-parse", "HEAD", cwd=clone)


def deploy_services(workdir: Path) -> Services:
    workdir.mkdir(parents=True, exist_ok=True)
    ensure_namespace(NAMESPACE)
    password = secrets.token_urlsafe(24)
    existing = kubectl("-n", NAMESPACE, "get", "secret", "postgresql", "-o", "jsonpath={.data.password}", check=False)
    if existing.returncode == 0 and existing.stdout:
        password = base64.b64decode(existing.stdout).decode()  # the database was initialised with it
    secret("postgresql", NAMESPACE, {"password": password})
    host_key, host_pub = keypair(workdir, "git_server_host_key")
    client_key, client_pub = keypair(workdir, "git_client_key")
    secret("git-server-host-key", NAMESPACE, {"ssh_host_ed25519_key": host_key.read_text()})
    secret("git-server-clients", NAMESPACE, {"e2e.pub": client_pub + "\n"})
    apply_manifest(SERVICES / "postgresql" / "postgresql.yaml", POSTGRESQL_IMAGE)
    apply_manifest(SERVICES / "git-server" / "git-server.yaml", GIT_SERVER_IMAGE)
    # The git server restarts to read Secrets that changed (keys are regenerated for a new workdir).
    kubectl("-n", NAMESPACE, "rollout", "restart", "deployment/git-server")
    started = time.monotonic()
    rollout("statefulset/postgresql")
    rollout("deployment/git-server")
    print(f"e2e services ready in {time.monotonic() - started:.0f} s")
    key_type, key_data = host_pub.split()[:2]
    services = Services(workdir, password, client_key, f"{GIT_HOST} {key_type} {key_data}")
    services.wait_ready()
    return services
