#!/usr/bin/env python3
"""A single-node Kubernetes cluster from upstream binaries, for machines that cannot pull kind's node image.

    k8s-tests/cluster/cluster.py up        build (cached) + start; idempotent; prints the KUBECONFIG to use
    k8s-tests/cluster/cluster.py status    what runs, and whether the node is Ready
    k8s-tests/cluster/cluster.py load IMG  copy local Docker images into the cluster's containerd
    k8s-tests/cluster/cluster.py down      stop what `up` started, remove what it created

Kubernetes (kube-apiserver, -controller-manager, -scheduler, kubelet, kube-proxy) and CoreDNS are built from
source by build/build.sh; containerd, runc and the CNI plugins come from Debian bookworm packages, etcd from
Debian trixie (see etcd_binary); the pause and CoreDNS images are built here FROM scratch. Everything lives
under one state directory ($SUPERMARKET_CLUSTER_DIR, default /var/lib/supermarket-k8s). Needs root (kubelet,
containerd, iptables). Standard library only: it runs before any virtual environment exists.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ.get("SUPERMARKET_CLUSTER_DIR", "/var/lib/supermarket-k8s"))
BUILD_DIR = HERE / "build"
K8S_VERSION = next(
    line.split()[-1]
    for line in (BUILD_DIR / "go.mod").read_text().splitlines()
    if line.startswith("require k8s.io/kubernetes ")
)
BIN = Path(os.environ.get("SUPERMARKET_K8S_BIN", Path.home() / ".cache/supermarket-k8s" / K8S_VERSION / "bin"))

API_PORT = 6443  # the same fixed local port as the kind cluster (k8s-tests/cluster/kind.yaml)
ETCD_CLIENT, ETCD_PEER = 12379, 12380  # not the defaults: never collide with a system etcd
SERVICE_CIDR, SERVICE_API_IP, DNS_IP = "10.96.0.0/16", "10.96.0.1", "10.96.0.10"
POD_CIDR = "10.244.0.0/24"
BRIDGE = "supermarket0"
PAUSE_IMAGE = "supermarket.local/pause:1.0"
COREDNS_IMAGE = "supermarket.local/coredns:v1.14.7"
CONTEXT = "supermarket-airgapped"
# Stop order: node side first (so pods stop while the API is still up), the datastore last.
COMPONENTS = [
    "kube-proxy",
    "kubelet",
    "containerd",
    "kube-scheduler",
    "kube-controller-manager",
    "kube-apiserver",
    "etcd",
]


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


# --- paths and processes ------------------------------------------------------------------------------------


def path(*parts: str) -> Path:
    return STATE.joinpath(*parts)


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


# --- prerequisites ------------------------------------------------------------------------------------------

DEBIAN = {  # executable -> bookworm package (etcd: see etcd_binary)
    "apt-get": "apt",
    "dpkg": "dpkg",
    "containerd": "containerd",
    "containerd-shim-runc-v2": "containerd",
    "ctr": "containerd",
    "runc": "runc",
    "iptables": "iptables",
    "iptables-save": "iptables",
    "conntrack": "conntrack",
    "openssl": "openssl",
    "ip": "iproute2",
    "docker": "docker.io",
    "go": "golang (Go >= 1.24; build.sh builds Kubernetes from source)",
}
CNI_DIR = Path("/usr/lib/cni")
CNI_PLUGINS = ("bridge", "host-local", "portmap", "loopback", "firewall")


def check_prerequisites() -> None:
    problems = []
    if os.geteuid() != 0:
        problems.append("run as root: the kubelet, containerd and kube-proxy need it")
    missing = {pkg for exe, pkg in DEBIAN.items() if shutil.which(exe) is None}
    if any(not (CNI_DIR / p).exists() for p in CNI_PLUGINS):
        missing.add("containernetworking-plugins")
    if missing:
        problems.append("missing, install with apt-get: " + " ".join(sorted(missing)))
    if not kubectl():
        problems.append("kubectl not found (make tools installs it into .cache/tools/bin)")
    if shutil.which("docker") and run("docker", "info", check=False).returncode != 0:
        problems.append("the Docker daemon is not running (scripts/start-docker.sh); images are built with it")
    if problems:
        raise ClusterError("cannot bring the cluster up:\n  - " + "\n  - ".join(problems))


def kubectl() -> str | None:
    return shutil.which("kubectl") or shutil.which("kubectl", path=str(HERE.parents[1] / ".cache/tools/bin"))


def node_ip() -> str:
    out = run("ip", "-4", "route", "get", "1.1.1.1").stdout.split()
    return out[out.index("src") + 1]


def node_name() -> str:
    return socket.gethostname().lower()


# --- certificates and kubeconfigs ---------------------------------------------------------------------------


def certificates(ip: str, node: str) -> None:
    pki = path("pki")
    pki.mkdir(parents=True, exist_ok=True)
    if not (pki / "ca.crt").exists():
        run("openssl", "req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-days", "3650",
            "-keyout", pki / "ca.key", "-out", pki / "ca.crt", "-subj", "/CN=supermarket-k8s-ca")  # fmt: skip
    if not (pki / "sa.key").exists():
        run("openssl", "genrsa", "-out", pki / "sa.key", "2048")
        run("openssl", "rsa", "-in", pki / "sa.key", "-pubout", "-out", pki / "sa.pub")
    api_names = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
                 "localhost", node]  # fmt: skip
    api_sans = [f"DNS:{n}" for n in api_names] + [f"IP:{a}" for a in ("127.0.0.1", SERVICE_API_IP, ip)]
    leaf(pki, "apiserver", "/CN=kube-apiserver", api_sans)
    leaf(pki, "apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client")
    leaf(pki, "admin", "/O=system:masters/CN=supermarket-admin")
    leaf(pki, "controller-manager", "/CN=system:kube-controller-manager")
    leaf(pki, "scheduler", "/CN=system:kube-scheduler")
    leaf(pki, "kube-proxy", "/CN=system:kube-proxy")
    leaf(pki, "kubelet-client", f"/O=system:nodes/CN=system:node:{node}")
    leaf(pki, "kubelet", f"/CN={node}", [f"DNS:{node}", f"IP:{ip}", "IP:127.0.0.1"])


def leaf(pki: Path, name: str, subject: str, sans: list[str] | None = None) -> None:
    if (pki / f"{name}.crt").exists():
        return
    ext = pki / f"{name}.ext"
    lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
             "extendedKeyUsage=serverAuth,clientAuth"]  # fmt: skip
    if sans:
        lines.append("subjectAltName=" + ",".join(sans))
    ext.write_text("\n".join(lines) + "\n")
    run("openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", pki / f"{name}.key",
        "-out", pki / f"{name}.csr", "-subj", subject)  # fmt: skip
    run("openssl", "x509", "-req", "-in", pki / f"{name}.csr", "-CA", pki / "ca.crt", "-CAkey", pki / "ca.key",
        "-CAcreateserial", "-days", "3650", "-extfile", ext, "-out", pki / f"{name}.crt")  # fmt: skip
    for f in (ext, pki / f"{name}.csr"):
        f.unlink()


def kubeconfig(name: str, user: str, server: str = f"https://127.0.0.1:{API_PORT}") -> Path:
    """A kubeconfig (JSON, which kubectl and client-go read) with client certificates from the state's PKI."""
    pki = path("pki")
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": server, "certificate-authority": str(pki / "ca.crt")}}],
        "users": [
            {
                "name": user,
                "user": {"client-certificate": str(pki / f"{name}.crt"), "client-key": str(pki / f"{name}.key")},
            }
        ],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": user}}],
        "current-context": CONTEXT,
    }
    target = path(f"{name}.kubeconfig")
    write(target, json.dumps(config, indent=2))
    target.chmod(0o600)
    return target


def api_ready() -> bool:
    pki = path("pki")
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    with urllib.request.urlopen(f"https://127.0.0.1:{API_PORT}/readyz", context=ctx, timeout=3) as response:
        return bool(response.read() == b"ok")


def kube(*args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    kc = kubectl()
    assert kc is not None
    return run(kc, "--kubeconfig", path("admin.kubeconfig"), *args, check=check, input=stdin)


# --- components ---------------------------------------------------------------------------------------------


ETCD_SUITE, ETCD_MINIMUM = "trixie", (3, 5, 13)
ETCD_DIR = BIN.parent / f"etcd-{ETCD_SUITE}"


def etcd_binary() -> Path:
    """etcd >= 3.5.13, the first with working watch-progress requests. Kubernetes 1.35's watch cache needs them:
    with bookworm's 3.4.23 the cache of a quiet resource never advances, and every watch without a resource
    version fails with "Too large resource version". Taken from Debian trixie with apt (signatures checked) and
    unpacked with dpkg -x into a private directory: nothing is installed system-wide."""
    etcd = ETCD_DIR / "root" / "usr" / "bin" / "etcd"
    if etcd.exists():
        return etcd
    log(f"fetching etcd from Debian {ETCD_SUITE} into {ETCD_DIR} (once)")
    apt_dir = ETCD_DIR / "apt"
    for sub in ("lists/partial", "cache/archives/partial"):
        (apt_dir / sub).mkdir(parents=True, exist_ok=True)
    (apt_dir / "sources.list").write_text(f"deb http://deb.debian.org/debian {ETCD_SUITE} main\n")
    options = [f"-oDir::Etc::SourceList={apt_dir / 'sources.list'}", "-oDir::Etc::SourceParts=/dev/null",
               f"-oDir::State::Lists={apt_dir / 'lists'}", f"-oDir::Cache={apt_dir / 'cache'}",
               "-oDir::State::status=/dev/null", "-oAPT::Sandbox::User=root"]  # fmt: skip
    run("apt-get", *options, "update")
    run("apt-get", *options, "download", "etcd-server", cwd=apt_dir)
    (deb,) = apt_dir.glob("etcd-server_*.deb")
    run("dpkg", "-x", deb, ETCD_DIR / "root")
    version = run(etcd, "--version").stdout.split()[2]
    if tuple(int(v) for v in version.split(".")[:3]) < ETCD_MINIMUM:
        minimum = ".".join(map(str, ETCD_MINIMUM))
        raise ClusterError(f"Debian {ETCD_SUITE} has etcd {version}; Kubernetes {K8S_VERSION} needs >= {minimum}")
    return etcd


def start_etcd() -> None:
    start("etcd", etcd_binary(),
          "--name", "supermarket", "--data-dir", path("etcd"),
          "--listen-client-urls", f"http://127.0.0.1:{ETCD_CLIENT}",
          "--advertise-client-urls", f"http://127.0.0.1:{ETCD_CLIENT}",
          "--listen-peer-urls", f"http://127.0.0.1:{ETCD_PEER}",
          "--initial-advertise-peer-urls", f"http://127.0.0.1:{ETCD_PEER}",
          "--initial-cluster", f"supermarket=http://127.0.0.1:{ETCD_PEER}",
          "--listen-metrics-urls", "http://127.0.0.1:12381")  # fmt: skip

    def healthy() -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{ETCD_CLIENT}/health", timeout=2) as r:
            return bool(json.loads(r.read()).get("health") == "true")

    wait_for("etcd health", healthy, 60, "etcd")


def start_control_plane(ip: str) -> None:
    pki = path("pki")
    start("kube-apiserver", BIN / "kube-apiserver",
          "--advertise-address", ip, "--bind-address", "0.0.0.0", "--secure-port", str(API_PORT),
          "--etcd-servers", f"http://127.0.0.1:{ETCD_CLIENT}",
          "--service-cluster-ip-range", SERVICE_CIDR, "--allow-privileged=true",
          "--authorization-mode", "Node,RBAC", "--enable-admission-plugins", "NodeRestriction",
          "--client-ca-file", pki / "ca.crt",
          "--tls-cert-file", pki / "apiserver.crt", "--tls-private-key-file", pki / "apiserver.key",
          "--kubelet-client-certificate", pki / "apiserver-kubelet-client.crt",
          "--kubelet-client-key", pki / "apiserver-kubelet-client.key",
          "--kubelet-certificate-authority", pki / "ca.crt",
          # The node's name does not resolve on these machines: reach the kubelet (logs, exec) by its IP.
          "--kubelet-preferred-address-types", "InternalIP,Hostname",
          "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
          "--service-account-key-file", pki / "sa.pub", "--service-account-signing-key-file", pki / "sa.key",
          "--profiling=false")  # fmt: skip
    wait_for("kube-apiserver /readyz", api_ready, 120, "kube-apiserver")
    start("kube-controller-manager", BIN / "kube-controller-manager",
          "--kubeconfig", kubeconfig("controller-manager", "system:kube-controller-manager"),
          "--authentication-kubeconfig", path("controller-manager.kubeconfig"),
          "--authorization-kubeconfig", path("controller-manager.kubeconfig"),
          "--bind-address", "127.0.0.1", "--leader-elect=false", "--use-service-account-credentials=true",
          "--service-account-private-key-file", pki / "sa.key", "--root-ca-file", pki / "ca.crt",
          "--cluster-signing-cert-file", pki / "ca.crt", "--cluster-signing-key-file", pki / "ca.key",
          "--service-cluster-ip-range", SERVICE_CIDR, "--profiling=false")  # fmt: skip
    start("kube-scheduler", BIN / "kube-scheduler",
          "--kubeconfig", kubeconfig("scheduler", "system:kube-scheduler"),
          "--authentication-kubeconfig", path("scheduler.kubeconfig"),
          "--authorization-kubeconfig", path("scheduler.kubeconfig"),
          "--bind-address", "127.0.0.1", "--leader-elect=false", "--profiling=false")  # fmt: skip


def containerd_config() -> Path:
    runc = shutil.which("runc") or "runc"
    config = f"""\
version = 2
root = "{path("containerd", "root")}"
state = "{path("containerd", "state")}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "{path("containerd", "containerd.sock")}"
[plugins."io.containerd.internal.v1.opt"]
  path = "{path("containerd", "opt")}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  # These VMs drop CAP_SYS_RESOURCE: without this every sandbox fails ("can't get final child's PID from pipe").
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "{runc}"
        Root = "{path("containerd", "runc")}"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{CNI_DIR}"
    conf_dir = "{path("cni", "net.d")}"
"""
    target = path("containerd", "config.toml")
    target.parent.mkdir(parents=True, exist_ok=True)
    write(target, config)
    return target


def cni_config() -> None:
    conf = {
        "cniVersion": "0.4.0",
        "name": "supermarket",
        "plugins": [
            {
                "type": "bridge",
                "bridge": BRIDGE,
                "isGateway": True,
                "ipMasq": True,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": POD_CIDR}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(path("cni", "ipam")),
                },
            },
            # Docker sets the FORWARD policy to DROP: accept traffic from and to pod addresses.
            {"type": "firewall", "backend": "iptables"},
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    path("cni", "net.d").mkdir(parents=True, exist_ok=True)
    write(path("cni", "net.d", "10-supermarket.conflist"), json.dumps(conf, indent=2))


def ctr_command(*args: str) -> list[str]:
    """`ctr` talking to this cluster's containerd, in the namespace the kubelet's images live in."""
    return ["ctr", "--address", str(path("containerd", "containerd.sock")), "--namespace", "k8s.io", *args]


def ctr(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(*ctr_command(*args), check=check)


def start_containerd() -> None:
    cni_config()
    start("containerd", shutil.which("containerd") or "containerd", "--config", containerd_config())
    wait_for("containerd", lambda: ctr("version", check=False).returncode == 0, 60, "containerd")


def cluster_images() -> set[str]:
    return set(ctr("images", "ls", "-q").stdout.split())


def load(*images: str) -> None:
    """docker save | ctr import: the cluster's containerd gets the images without any registry."""
    for image in images:
        started = time.monotonic()
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        imported = run(*ctr_command("images", "import", "-"), check=False, stdin=save.stdout)
        if save.wait() != 0 or imported.returncode != 0:
            raise ClusterError(f"could not load {image} into the cluster: {imported.stderr.strip()}")
        log(f"loaded {image} in {time.monotonic() - started:.1f} s")


def build_local_images() -> None:
    """The pause and CoreDNS images, FROM scratch, unless containerd has them already."""
    have = cluster_images()
    if {PAUSE_IMAGE, COREDNS_IMAGE} <= have:
        return
    work = path("images")
    shutil.rmtree(work, ignore_errors=True)
    (work / "pause").mkdir(parents=True)
    run("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", work / "pause" / "pause", ".",
        cwd=HERE / "images" / "pause", env={**os.environ, "CGO_ENABLED": "0"})  # fmt: skip
    shutil.copy(HERE / "images" / "pause" / "Dockerfile", work / "pause")
    (work / "coredns").mkdir()
    shutil.copy(BIN / "coredns", work / "coredns")
    shutil.copy(HERE / "images" / "coredns" / "Dockerfile", work / "coredns")
    for name, tag in (("pause", PAUSE_IMAGE), ("coredns", COREDNS_IMAGE)):
        run("docker", "build", "-q", "-t", tag, work / name)
    load(PAUSE_IMAGE, COREDNS_IMAGE)


def start_node(ip: str, node: str) -> None:
    pki = path("pki")
    kubelet_config = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "cgroupDriver": "cgroupfs",
        "failCgroupV1": False,  # these hosts are cgroup v1; kubelet >= 1.35 refuses it unless told
        "failSwapOn": False,
        "containerRuntimeEndpoint": f"unix://{path('containerd', 'containerd.sock')}",
        "clusterDNS": [DNS_IP],
        "clusterDomain": "cluster.local",
        "resolvConf": "/etc/resolv.conf",
        "tlsCertFile": str(pki / "kubelet.crt"),
        "tlsPrivateKeyFile": str(pki / "kubelet.key"),
        "readOnlyPort": 0,
        # Images cannot be pulled again here: never garbage-collect them.
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {"memory.available": "100Mi", "nodefs.available": "2%", "imagefs.available": "2%"},
        "maxPods": 60,
    }
    config_file = path("kubelet-config.json")
    write(config_file, json.dumps(kubelet_config, indent=2))
    start("kubelet", BIN / "kubelet",
          "--config", config_file, "--kubeconfig", kubeconfig("kubelet-client", f"system:node:{node}"),
          "--root-dir", path("kubelet"), "--hostname-override", node, "--node-ip", ip)  # fmt: skip
    proxy_config = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "mode": "iptables",
        "clientConnection": {"kubeconfig": str(kubeconfig("kube-proxy", "system:kube-proxy"))},
        "clusterCIDR": POD_CIDR,
        "hostnameOverride": node,
        "bindAddress": "127.0.0.1",
        "metricsBindAddress": "127.0.0.1:10249",
        "healthzBindAddress": "127.0.0.1:10256",
        "conntrack": {"maxPerCore": 0},  # leave the host's conntrack table size alone
    }
    write(path("kube-proxy-config.json"), json.dumps(proxy_config, indent=2))
    start("kube-proxy", BIN / "kube-proxy", "--config", path("kube-proxy-config.json"))
    wait_for(f"node {node} Ready", lambda: node_ready(node), 180, "kubelet")


def node_ready(node: str) -> bool:
    out = kube("get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}", check=False)
    return out.stdout.strip() == "True"


def start_dns() -> None:
    manifest = (HERE / "manifests" / "coredns.yaml").read_text()
    manifest = manifest.replace("${DNS_IP}", DNS_IP).replace("${COREDNS_IMAGE}", COREDNS_IMAGE)
    kube("apply", "-f", "-", stdin=manifest)
    out = kube("-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=120s", check=False)
    if out.returncode != 0:
        pods = kube("-n", "kube-system", "describe", "pods", "-l", "k8s-app=kube-dns", check=False).stdout
        raise ClusterError(f"CoreDNS did not become ready: {out.stderr}\n{pods}")


# --- commands -----------------------------------------------------------------------------------------------


def up() -> None:
    started = time.monotonic()
    check_prerequisites()
    if not all((BIN / b).exists() for b in ("kube-apiserver", "kubelet", "kube-proxy", "coredns")):
        log(f"building Kubernetes {K8S_VERSION} and CoreDNS from source (once; cached in {BIN})")
    subprocess.run(["bash", str(BUILD_DIR / "build.sh"), str(BIN)], check=True, stdout=subprocess.DEVNULL)
    built = time.monotonic()
    for key, value in (("net/ipv4/ip_forward", "1"), ("net/bridge/bridge-nf-call-iptables", "1")):
        Path("/proc/sys", key).write_text(value)  # pod traffic is routed and bridged through iptables
    ip, node = node_ip(), node_name()
    STATE.mkdir(parents=True, exist_ok=True)
    certificates(ip, node)
    kubeconfig("admin", "supermarket-admin")
    start_etcd()
    start_control_plane(ip)
    start_containerd()
    build_local_images()
    start_node(ip, node)
    start_dns()
    total = time.monotonic() - started
    log(f"cluster is up in {total:.0f} s (of which build {built - started:.0f} s); Kubernetes {K8S_VERSION}")
    print(f"export KUBECONFIG={path('admin.kubeconfig')}")


def down() -> None:
    if not STATE.exists():
        log(f"nothing to do: {STATE} does not exist")
        return
    for component in COMPONENTS[:2]:
        stop(component)
    remove_containers()
    for component in COMPONENTS[2:]:
        stop(component)
    kill_shims()
    clean_network()
    unmount_under(STATE)
    remove_cgroups()
    shutil.rmtree(STATE)
    log(f"removed {STATE}")


def remove_containers() -> None:
    """Every container of the cluster, through runc directly: works whether containerd still runs or not."""
    runc = shutil.which("runc") or "runc"
    root = path("containerd", "runc", "k8s.io")
    if not root.exists():
        return
    listing = run(runc, "--root", root, "list", "-q", check=False).stdout.split()
    for container in listing:
        run(runc, "--root", root, "delete", "--force", container, check=False)
    log(f"removed {len(listing)} containers")


def kill_shims() -> None:
    """Shims of this containerd (their argv names its socket) outlive it: kill them."""
    sock = str(path("containerd", "containerd.sock"))
    for proc in (p for p in Path("/proc").iterdir() if p.name.isdigit()):
        with suppress(OSError):  # gone meanwhile
            argv = proc.joinpath("cmdline").read_bytes().decode(errors="replace").split("\0")
            if argv[0].endswith("containerd-shim-runc-v2") and sock in argv:
                os.kill(int(proc.name), signal.SIGKILL)


def clean_network() -> None:
    if (BIN / "kube-proxy").exists():
        run(BIN / "kube-proxy", "--cleanup", check=False)
    # What kube-proxy leaves and the CNI plugins' chains (CNI-*): drop every rule and chain that names them.
    for save, restore in (("iptables-save", "iptables-restore"), ("ip6tables-save", "ip6tables-restore")):
        if shutil.which(save) is None:
            continue
        rules = run(save, check=False).stdout
        kept = "\n".join(line for line in rules.splitlines() if "KUBE-" not in line and "CNI-" not in line)
        if kept != rules.rstrip("\n"):
            run(restore, input=kept + "\n", check=False)
    # Network namespaces of pods whose sandboxes were force-removed (containerd names them cni-<uuid>).
    for netns in Path("/var/run/netns").glob("cni-*") if Path("/var/run/netns").exists() else []:
        run("ip", "netns", "delete", netns.name, check=False)
    run("ip", "link", "delete", BRIDGE, check=False)


def unmount_under(root: Path) -> None:
    mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    ours = sorted((m for m in mounts if m == str(root) or m.startswith(f"{root}/")), key=len, reverse=True)
    for mount in ours:
        run("umount", "-l", mount, check=False)
    if ours:
        log(f"unmounted {len(ours)} mounts")


def remove_cgroups() -> None:
    """The kubelet's pod cgroups (cgroupfs driver): /kubepods in each v1 hierarchy, deepest first."""
    for top in Path("/sys/fs/cgroup").glob("*/kubepods*"):
        for directory in sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            with suppress(OSError):
                directory.rmdir()
        with suppress(OSError):
            top.rmdir()


def status() -> int:
    if not STATE.exists():
        print(f"down ({STATE} does not exist)")
        return 1
    for component in reversed(COMPONENTS):
        pid = pid_of(component)
        print(f"{component:24s} {'running, pid ' + str(pid) if pid else 'not running'}")
    ready = False
    with suppress(Exception):
        ready = api_ready()
    print(f"{'kube-apiserver /readyz':24s} {'ok' if ready else 'not ready'}")
    if ready:
        print(kube("get", "nodes", "-o", "wide", check=False).stdout)
        print(kube("get", "pods", "-A", "-o", "wide", check=False).stdout)
        print(f"export KUBECONFIG={path('admin.kubeconfig')}")
    return 0 if ready and all(alive(c) for c in COMPONENTS) and node_ready(node_name()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up")
    sub.add_parser("down")
    sub.add_parser("status")
    load_parser = sub.add_parser("load")
    load_parser.add_argument("images", nargs="+")
    args = parser.parse_args()
    try:
        if args.command == "up":
            up()
        elif args.command == "down":
            down()
        elif args.command == "load":
            load(*args.images)
        else:
            return status()
    except ClusterError as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"cluster: {' '.join(map(str, error.cmd))} failed ({error.returncode}):\n{error.stderr}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
