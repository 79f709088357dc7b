"""Our chart, one class per template, rendered and validated against Kubernetes 1.35 (strict)."""

from __future__ import annotations

import json
import re
from typing import Any

import jmespath
import pytest

from .conftest import CHARTS, ROOT, HelmError, by_kind, one, render_chart

POOLS_FILE = ROOT / "dags" / "supermarket_pipeline" / "pools.json"


@pytest.fixture(scope="module")
def default():
    return render_chart()


class TestNamespace:
    def test_task_namespace_enforces_restricted_pod_security(self, default):
        ns = one(default, "Namespace", "supermarket-tasks")
        labels = ns["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert labels["pod-security.kubernetes.io/audit"] == "restricted"

    def test_namespace_can_be_left_to_the_user(self):
        assert by_kind(render_chart(values={"taskNamespace": {"name": "t", "create": False}}), "Namespace") == []


class TestServiceAccounts:
    def test_task_service_account_mounts_no_token(self, default):
        sa = one(default, "ServiceAccount", "supermarket-task")
        assert sa["metadata"]["namespace"] == "supermarket-tasks"
        assert sa["automountServiceAccountToken"] is False

    def test_external_launcher_gets_a_token_secret(self):
        objects = render_chart(values={"externalLauncher": {"enabled": True}})
        one(objects, "ServiceAccount", "supermarket-launcher")
        token = one(objects, "Secret", "supermarket-launcher-token")
        assert token["type"] == "kubernetes.io/service-account-token"
        assert token["metadata"]["annotations"]["kubernetes.io/service-account.name"] == "supermarket-launcher"

    def test_air_gapped_e2e_values(self):
        """k8s-tests/values-airgapped.yaml: Airflow standalone outside the cluster, so a launcher token, no
        pools job and no secrets for an official chart release."""
        objects = render_chart(values_files=[ROOT / "k8s-tests/values-airgapped.yaml"])
        one(objects, "Secret", "supermarket-launcher-token")
        assert not [o for o in objects if o["kind"] == "Job"]
        assert not [o for o in objects if o["kind"] == "Secret" and o["type"] != "kubernetes.io/service-account-token"]


class TestRbac:
    def test_role_allows_pods_logs_and_events_only(self, default):
        role = one(default, "Role", "supermarket-pod-launcher")
        assert role["metadata"]["namespace"] == "supermarket-tasks"
        rules = {tuple(r["resources"]): set(r["verbs"]) for r in role["rules"]}
        assert rules == {
            ("pods",): {"create", "get", "list", "watch", "patch", "delete"},
            ("pods/log",): {"get"},
            ("events",): {"list"},
        }
        assert jmespath.search("rules[].apiGroups[]", role) == ["", "", ""]

    def test_binding_names_the_airflow_releases_service_accounts(self, default):
        binding = one(default, "RoleBinding", "supermarket-pod-launcher")
        assert binding["roleRef"]["name"] == "supermarket-pod-launcher"
        assert jmespath.search("subjects[].[name, namespace]", binding) == [
            ["airflow-scheduler", "airflow"],
            ["airflow-worker", "airflow"],
            ["airflow-triggerer", "airflow"],
        ]

    def test_other_release_name_and_external_launcher(self):
        objects = render_chart(
            values={
                "airflow": {"releaseName": "af", "image": {"repository": "x", "tag": "1"}},
                "externalLauncher": {"enabled": True},
            },
            namespace="data",
        )
        names = jmespath.search("subjects[].name", one(objects, "RoleBinding"))
        assert names == ["af-scheduler", "af-worker", "af-triggerer", "supermarket-launcher"]


class TestDataVolume:
    def test_host_path_mode_binds_one_claim_per_namespace_to_the_same_path(self, default):
        claims = {c["metadata"]["namespace"]: c for c in by_kind(default, "PersistentVolumeClaim")}
        assert set(claims) == {"supermarket-tasks", "airflow"}
        volumes = {v["metadata"]["name"]: v for v in by_kind(default, "PersistentVolume")}
        for ns, claim in claims.items():
            assert claim["metadata"]["name"] == "supermarket-data"
            assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
            volume = volumes[claim["spec"]["volumeName"]]
            assert volume["spec"]["claimRef"] == {"namespace": ns, "name": "supermarket-data"}
            assert volume["spec"]["hostPath"]["path"] == "/data/supermarket"
            assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"

    def test_nfs_mode_is_read_write_many(self):
        objects = render_chart(values={"dataVolume": {"mode": "nfs", "nfs": {"server": "nfs.example", "path": "/x"}}})
        for volume in by_kind(objects, "PersistentVolume"):
            assert volume["spec"]["nfs"] == {"server": "nfs.example", "path": "/x"}
            assert volume["spec"]["accessModes"] == ["ReadWriteMany"]

    def test_none_mode_creates_no_volume(self):
        objects = render_chart(values={"dataVolume": {"mode": "none"}})
        assert by_kind(objects, "PersistentVolume") == [] and by_kind(objects, "PersistentVolumeClaim") == []


class TestQuota:
    def test_quota_and_limit_range_in_the_task_namespace(self, default):
        quota = one(default, "ResourceQuota")
        assert quota["metadata"]["namespace"] == "supermarket-tasks"
        assert quota["spec"]["hard"]["pods"] == "20"
        limits = one(default, "LimitRange")["spec"]["limits"][0]
        assert limits["type"] == "Container" and limits["default"]["memory"] == "1Gi"


class TestNetworkPolicies:
    def test_default_deny_everything_for_task_pods(self, default):
        policy = one(default, "NetworkPolicy", "default-deny-all")
        assert policy["metadata"]["namespace"] == "supermarket-tasks"
        assert policy["spec"]["podSelector"] == {}
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        assert "ingress" not in policy["spec"] and "egress" not in policy["spec"]

    def test_extra_egress_for_object_storage(self):
        rule = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443, "protocol": "TCP"}]}
        objects = render_chart(values={"networkPolicies": {"enabled": True, "extraTaskEgress": [rule]}})
        assert one(objects, "NetworkPolicy", "task-egress")["spec"]["egress"] == [rule]


class TestPools:
    @staticmethod
    def pools_objects(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
        (obj,) = [o for o in by_kind(objects, kind) if o["metadata"]["name"].startswith("supermarket-pools")]
        return obj

    def test_config_map_holds_exactly_the_dags_pool_file(self, default):
        data = self.pools_objects(default, "ConfigMap")["data"]["pools.json"]
        assert json.loads(data) == json.loads(POOLS_FILE.read_text())
        assert (CHARTS / "supermarket-pipeline" / "files" / "pools.json").resolve() == POOLS_FILE.resolve()

    def test_helm_hook_mode(self):
        objects = render_chart(values={"pools": {"useHelmHooks": True}})
        job = one(objects, "Job", "supermarket-pools")
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"

    def test_job_imports_pools_after_migrations_with_the_metadata_secret(self, default):
        job = self.pools_objects(default, "Job")
        container = jmespath.search("spec.template.spec.containers[0]", job)
        assert container["image"] == "supermarket-airflow:0.1.0"
        script = container["args"][2]
        assert "airflow db check-migrations --migration-wait-timeout=600" in script
        assert script.index("check-migrations") < script.index("airflow pools import /pools/pools.json")
        secret = jmespath.search("env[?name=='AIRFLOW__DATABASE__SQL_ALCHEMY_CONN'].valueFrom.secretKeyRef", container)
        assert secret == [{"name": "airflow-metadata", "key": "connection"}]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True

    def test_default_is_a_plain_job_whose_name_changes_with_its_inputs(self):
        """Not a hook: `helm install` of this chart before the official chart must not wait for Airflow's
        database. A Job's pod template is immutable, so any change of its inputs must give it a new name."""
        values = {"airflow": {"metadataSecretName": "db", "image": {"repository": "a", "tag": "b"}}}
        job = self.pools_objects(render_chart(values=values), "Job")
        name = job["metadata"]["name"]
        assert re.fullmatch(r"supermarket-pools-[0-9a-f]{10}", name)
        assert "helm.sh/hook" not in job["metadata"]["annotations"]
        assert job["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "10"
        assert jmespath.search("spec.template.spec.volumes[?name=='pools'].configMap.name", job) == [name]
        assert jmespath.search("spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name", job) == "db"
        assert self.pools_objects(render_chart(values=values), "Job")["metadata"]["name"] == name
        values["airflow"]["image"]["tag"] = "c"
        assert self.pools_objects(render_chart(values=values), "Job")["metadata"]["name"] != name


class TestAirflowSecrets:
    def test_stable_secrets_for_the_official_chart(self, default):
        secrets = {s["metadata"]["name"]: s for s in by_kind(default, "Secret")}
        expected = {
            "supermarket-airflow-fernet-key": "fernet-key",
            "supermarket-airflow-jwt-secret": "jwt-secret",
            "supermarket-airflow-api-secret-key": "api-secret-key",
            "supermarket-airflow-webserver-secret-key": "webserver-secret-key",
        }
        for name, key in expected.items():
            assert list(secrets[name]["data"]) == [key]
            assert secrets[name]["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"

    def test_names_match_the_official_chart_values(self, default):
        import yaml

        values = yaml.safe_load((CHARTS / "airflow" / "values.yaml").read_text())
        names = {s["metadata"]["name"] for s in by_kind(default, "Secret")}
        for key in ("fernetKeySecretName", "jwtSecretName", "apiSecretKeySecretName", "webserverSecretKeySecretName"):
            assert values[key] in names

    def test_production_leaves_secrets_to_a_secret_manager(self):
        objects = render_chart(
            values={
                "airflow": {"createSecrets": False, "releaseName": "airflow", "image": {"repository": "a", "tag": "b"}}
            }
        )
        assert by_kind(objects, "Secret") == []


class TestSchema:
    @pytest.mark.parametrize(
        "values,message",
        [
            ({"dataVolume": {"mode": "s3", "claimName": "x", "size": "1Gi"}}, "mode"),
            ({"taskNamespace": {"name": "Bad_Name"}}, "name"),
            ({"unknownKey": True}, "unknownKey"),
            ({"pools": {"useHelmHooks": "yes"}}, "useHelmHooks"),
            ({"dataVolume": {"mode": "nfs", "claimName": "x", "size": "1Gi", "nfs": {"server": ""}}}, "server"),
            ({"resourceQuota": {"hard": {"pods": "lots"}}}, "pods"),
        ],
    )
    def test_bad_values_are_rejected_with_a_message(self, values, message):
        with pytest.raises(HelmError, match=message):
            render_chart(values=values)


def test_helm_lint_is_clean():
    import subprocess

    from .conftest import helm

    proc = subprocess.run(
        [helm(), "lint", "--strict", str(CHARTS / "supermarket-pipeline")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout


class TestDevDags:
    def test_off_by_default(self, default):
        assert [o for o in default if o["metadata"]["name"] == "supermarket-dev-dags"] == []

    def test_dev_dags_claim_reads_the_node_folder(self):
        objects = render_chart(values={"devDags": {"enabled": True}})
        claim = one(objects, "PersistentVolumeClaim", "supermarket-dev-dags")
        volume = one(objects, "PersistentVolume", "supermarket-dev-dags")
        assert claim["spec"]["volumeName"] == "supermarket-dev-dags" and claim["metadata"]["namespace"] == "airflow"
        assert volume["spec"]["hostPath"] == {"path": "/dags", "type": "Directory"}
        assert volume["spec"]["accessModes"] == ["ReadOnlyMany"]
