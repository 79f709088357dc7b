"""Certificates (openssl) and kubeconfigs from them, under the state directory's pki/.

openssl rather than `kubeadm init phase certs/kubeconfig`: kubeadm would be a sixth Kubernetes binary to build
(minutes on 2 cores, cached or not), its kubeconfig phase makes no kube-proxy credential (kubeadm clusters give
kube-proxy a ServiceAccount token from a DaemonSet), and its layout (etcd, front-proxy certificates) serves a
multi-node cluster this one is not. What is needed is a CA, a ServiceAccount key and eight leaf certificates.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from pathlib import Path

from airgapped.proc import run, write
from airgapped.settings import API_PORT, CONTEXT, SERVICE_API_IP, path


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
