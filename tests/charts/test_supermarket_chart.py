"""Our chart, one class per template: each test renders only the template under test (show_only), and every
rendered object is validated against Kubernetes 1.35 (strict)."""

from __future__ import annotations

import json
import re
from typing import Any

import jmespath
import pytest
import yaml

from .conftest import CHARTS, ROOT, HelmError, by_kind, one, render_chart

CHART = CHARTS / "supermarket-pipeline"
TEMPLATES = CHART / "templates"
POOLS_FILE = ROOT / "dags" / "supermarket_pipeline" / "pools.json"


def render(template: str, values: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    """The objects of one template (templates/<template>.yaml), validated."""
    return render_chart(values=values, show_only=[f"templates/{template}.yaml"], **kwargs)


def settings(values: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    [config_map] = render("pipeline-configmap", values, **kwargs)
    return json.loads(config_map["data"]["pipeline.json"])  # type: ignore[no-any-return]


class TestChart:
    """What holds for every template."""

    def test_one_kind_per_template_file(self):
        values = {"externalLauncher": {"enabled": True}, "devDags": {"enabled": True}}
        per_template = {t.name: render(t.stem, values) for t in sorted(TEMPLATES.glob("*.yaml"))}
        kinds = {name: {o["kind"] for o in objects} for name, objects in per_template.items()}
        assert all(len(k) == 1 for k in kinds.values()), kinds
        assert sum(map(len, per_template.values())) == len(render_chart(values=values))

    def test_every_object_has_the_recommended_labels(self):
        chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
        for obj in render_chart(values={"externalLauncher": {"enabled": True}, "devDags": {"enabled": True}}):
            labels = obj["metadata"]["labels"]
            assert labels["app.kubernetes.io/name"] == "supermarket-pipeline"
            assert labels["app.kubernetes.io/instance"] == "supermarket"
            assert labels["app.kubernetes.io/version"] == chart["appVersion"]
            assert labels["app.kubernetes.io/managed-by"] == "Helm"
            assert labels["app.kubernetes.io/part-of"] == "supermarket-pipeline"
            assert labels["app.kubernetes.io/component"], obj["metadata"]["name"]
            assert labels["helm.sh/chart"] == f"supermarket-pipeline-{chart['version']}"

    def test_two_releases_in_one_cluster_do_not_collide(self):
        """Every name (and every namespaced object's namespace) comes from the release."""
        values = {"externalLauncher": {"enabled": True}, "devDags": {"enabled": True}}

        def identities(release: str) -> set[tuple[str, str, str]]:
            objects = render_chart(values=values, name=release, namespace="airflow")
            return {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in objects}

        one_, two = identities("alpha"), identities("beta")
        assert one_ and not one_ & two
        for _, namespace, name in one_:
            assert name.startswith("alpha-") and (namespace in ("", "airflow") or namespace.startswith("alpha-"))

    def test_chart_metadata(self):
        chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
        assert chart["home"].startswith("https://") and chart["sources"]
        assert all(m["name"] and (m.get("email") or m.get("url")) for m in chart["maintainers"])
        assert chart["kubeVersion"] and chart["appVersion"]

    def test_notes_hard_code_no_version_or_file(self):
        notes = (TEMPLATES / "NOTES.txt").read_text()
        assert not re.search(r"\d+\.\d+\.\d+", notes)
        assert not re.search(r"[\w/-]+\.(yaml|json|py)\b", notes)
        assert "charts/" not in notes and "--version" not in notes

    def test_helm_lint_is_clean(self):
        import subprocess

        from .conftest import helm

        proc = subprocess.run([helm(), "lint", "--strict", str(CHART)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "0 chart(s) failed" in proc.stdout


class TestPipelineConfigMap:
    def test_holds_the_pipeline_block_and_the_derived_names(self):
        [config_map] = render("pipeline-configmap")
        assert config_map["metadata"]["name"] == "supermarket-pipeline"
        assert config_map["metadata"]["namespace"] == "airflow"
        values = yaml.safe_load((CHART / "values.yaml").read_text())["pipeline"]
        data = json.loads(config_map["data"]["pipeline.json"])
        for key, value in values.items():
            if key not in ("storageUrl",):
                assert data[key] == value, key
        assert data["executionMode"] == "kubernetes" and data["kubeInCluster"] is True
        assert data["storageUrl"] == "file:///data"  # empty storageUrl: file://<dataMountPath>
        assert (data["taskNamespace"], data["taskServiceAccount"], data["dataPvc"]) == (
            "supermarket-tasks",
            "supermarket-task",
            "supermarket-data",
        )

    def test_task_image_is_set_by_key(self):
        data = settings({"pipeline": {"taskImage": "registry.example/supermarket-task:9", "retries": 0}})
        assert data["taskImage"] == "registry.example/supermarket-task:9" and data["retries"] == 0

    def test_names_follow_the_release_and_the_overrides(self):
        data = settings({"taskNamespace": {"name": "work"}}, name="other")
        assert data["taskNamespace"] == "work"
        assert (data["taskServiceAccount"], data["dataPvc"]) == ("other-task", "other-data")

    def test_object_storage_has_no_claim_and_needs_a_url(self):
        data = settings({"dataVolume": {"mode": "none"}, "pipeline": {"storageUrl": "s3://bucket/prefix"}})
        assert data["dataPvc"] == "" and data["storageUrl"] == "s3://bucket/prefix"
        with pytest.raises(HelmError, match="storageUrl"):
            render("pipeline-configmap", {"dataVolume": {"mode": "none"}})

    def test_every_setting_is_described_in_the_schema(self):
        schema = json.loads((CHART / "values.schema.json").read_text())["properties"]["pipeline"]
        values = yaml.safe_load((CHART / "values.yaml").read_text())["pipeline"]
        assert set(schema["properties"]) == set(values)
        assert all(p.get("description") for p in schema["properties"].values())


class TestNamespace:
    def test_task_namespace_enforces_restricted_pod_security(self):
        ns = one(render("namespace"), "Namespace", "supermarket-tasks")
        labels = ns["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert labels["pod-security.kubernetes.io/audit"] == "restricted"

    def test_namespace_can_be_left_to_the_user(self):
        assert render("namespace", {"taskNamespace": {"name": "t", "create": False}}) == []


class TestServiceAccounts:
    def test_task_service_account_mounts_no_token(self):
        sa = one(render("serviceaccounts"), "ServiceAccount", "supermarket-task")
        assert sa["metadata"]["namespace"] == "supermarket-tasks"
        assert sa["automountServiceAccountToken"] is False

    def test_external_launcher(self):
        objects = render("serviceaccounts", {"externalLauncher": {"enabled": True}})
        launcher = one(objects, "ServiceAccount", "supermarket-launcher")
        assert launcher["metadata"]["namespace"] == "airflow"


class TestLauncherToken:
    def test_external_launcher_gets_a_token_secret(self):
        token = one(render("launcher-token", {"externalLauncher": {"enabled": True}}), "Secret")
        assert token["metadata"]["name"] == "supermarket-launcher-token"
        assert token["type"] == "kubernetes.io/service-account-token"
        assert token["metadata"]["annotations"]["kubernetes.io/service-account.name"] == "supermarket-launcher"

    def test_none_by_default(self):
        assert render("launcher-token") == []

    def test_air_gapped_e2e_values(self):
        """k8s-tests/values-airgapped.yaml: Airflow standalone outside the cluster, so a launcher token, no
        pools job and no secrets for an official chart release."""
        files = [ROOT / "k8s-tests/values-airgapped.yaml"]
        one(render_chart(values_files=files, show_only=["templates/launcher-token.yaml"]), "Secret")
        assert render_chart(values_files=files, show_only=["templates/pools-job.yaml"]) == []
        assert render_chart(values_files=files, show_only=["templates/airflow-secrets.yaml"]) == []


class TestRole:
    def test_role_allows_pods_logs_and_events_only(self):
        role = one(render("role"), "Role", "supermarket-pod-launcher")
        assert role["metadata"]["namespace"] == "supermarket-tasks"
        rules = {tuple(r["resources"]): set(r["verbs"]) for r in role["rules"]}
        assert rules == {
            ("pods",): {"create", "get", "list", "watch", "patch", "delete"},
            ("pods/log",): {"get"},
            ("events",): {"list"},
        }
        assert jmespath.search("rules[].apiGroups[]", role) == ["", "", ""]


class TestRoleBinding:
    def test_binding_names_the_airflow_releases_service_accounts(self):
        binding = one(render("rolebinding"), "RoleBinding", "supermarket-pod-launcher")
        assert binding["roleRef"]["name"] == "supermarket-pod-launcher"
        assert jmespath.search("subjects[].[name, namespace]", binding) == [
            ["airflow-scheduler", "airflow"],
            ["airflow-worker", "airflow"],
            ["airflow-triggerer", "airflow"],
        ]

    def test_other_release_name_and_external_launcher(self):
        values = {
            "airflow": {"releaseName": "af", "image": {"repository": "x", "tag": "1"}},
            "externalLauncher": {"enabled": True},
        }
        names = jmespath.search("subjects[].name", one(render("rolebinding", values, namespace="data"), "RoleBinding"))
        assert names == ["af-scheduler", "af-worker", "af-triggerer", "supermarket-launcher"]


class TestDataPersistentVolumes:
    def test_host_path_mode_one_volume_per_namespace_on_the_same_path(self):
        volumes = {v["spec"]["claimRef"]["namespace"]: v for v in render("data-persistentvolumes")}
        assert set(volumes) == {"supermarket-tasks", "airflow"}
        for ns, volume in volumes.items():
            assert volume["metadata"]["name"] == f"supermarket-data-{ns}"
            assert volume["spec"]["claimRef"] == {"namespace": ns, "name": "supermarket-data"}
            assert volume["spec"]["hostPath"]["path"] == "/data/supermarket"
            assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"

    def test_nfs_mode_is_read_write_many(self):
        values = {"dataVolume": {"mode": "nfs", "nfs": {"server": "nfs.example", "path": "/x"}}}
        for volume in render("data-persistentvolumes", values):
            assert volume["spec"]["nfs"] == {"server": "nfs.example", "path": "/x"}
            assert volume["spec"]["accessModes"] == ["ReadWriteMany"]

    def test_none_mode_creates_no_volume(self):
        values = {"dataVolume": {"mode": "none"}, "pipeline": {"storageUrl": "s3://b/p"}}
        assert render("data-persistentvolumes", values) == []


class TestDataPersistentVolumeClaims:
    def test_one_claim_per_namespace_bound_to_its_volume_and_kept(self):
        claims = {c["metadata"]["namespace"]: c for c in render("data-persistentvolumeclaims")}
        assert set(claims) == {"supermarket-tasks", "airflow"}
        for ns, claim in claims.items():
            assert claim["metadata"]["name"] == "supermarket-data"
            assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
            assert claim["spec"]["volumeName"] == f"supermarket-data-{ns}"
            assert claim["spec"]["storageClassName"] == "supermarket-data"

    def test_none_mode_creates_no_claim(self):
        values = {"dataVolume": {"mode": "none"}, "pipeline": {"storageUrl": "s3://b/p"}}
        assert render("data-persistentvolumeclaims", values) == []


class TestResourceQuota:
    def test_quota_in_the_task_namespace(self):
        quota = one(render("resourcequota"), "ResourceQuota", "supermarket-tasks")
        assert quota["metadata"]["namespace"] == "supermarket-tasks"
        assert quota["spec"]["hard"]["pods"] == "20"


class TestLimitRange:
    def test_container_defaults_in_the_task_namespace(self):
        limit_range = one(render("limitrange"), "LimitRange", "supermarket-tasks")
        limits = limit_range["spec"]["limits"][0]
        assert limits["type"] == "Container" and limits["default"]["memory"] == "1Gi"


class TestNetworkPolicies:
    def test_default_deny_everything_for_task_pods(self):
        policy = one(render("networkpolicies"), "NetworkPolicy", "supermarket-default-deny-all")
        assert policy["metadata"]["namespace"] == "supermarket-tasks"
        assert policy["spec"]["podSelector"] == {}
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        assert "ingress" not in policy["spec"] and "egress" not in policy["spec"]

    def test_extra_egress_for_object_storage(self):
        rule = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443, "protocol": "TCP"}]}
        objects = render("networkpolicies", {"networkPolicies": {"enabled": True, "extraTaskEgress": [rule]}})
        assert one(objects, "NetworkPolicy", "supermarket-task-egress")["spec"]["egress"] == [rule]


class TestPoolsConfigMap:
    def test_config_map_holds_exactly_the_dags_pool_file(self):
        [config_map] = render("pools-configmap")
        assert json.loads(config_map["data"]["pools.json"]) == json.loads(POOLS_FILE.read_text())
        assert (CHART / "files" / "pools.json").resolve() == POOLS_FILE.resolve()

    def test_helm_hook_mode(self):
        [config_map] = render("pools-configmap", {"pools": {"useHelmHooks": True}})
        assert config_map["metadata"]["name"] == "supermarket-pools"
        assert config_map["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"


class TestPoolsJob:
    def test_job_imports_pools_after_migrations_with_the_metadata_secret(self):
        [job] = render("pools-job")
        container = jmespath.search("spec.template.spec.containers[?name=='import-pools'] | [0]", job)
        assert container["image"] == "supermarket-airflow:0.1.0"
        script = container["args"][2]
        assert "airflow db check-migrations --migration-wait-timeout=600" in script
        assert script.index("check-migrations") < script.index("airflow pools import /pools/pools.json")
        secret = jmespath.search("env[?name=='AIRFLOW__DATABASE__SQL_ALCHEMY_CONN'].valueFrom.secretKeyRef", container)
        assert secret == [{"name": "airflow-metadata", "key": "connection"}]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True

    def test_helm_hook_mode(self):
        job = one(render("pools-job", {"pools": {"useHelmHooks": True}}), "Job", "supermarket-pools")
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"

    def test_default_is_a_plain_job_whose_name_changes_with_its_inputs(self):
        """Not a hook: `helm install` of this chart before the official chart must not wait for Airflow's
        database. A Job's pod template is immutable, so any change of its inputs must give it a new name."""
        values = {"airflow": {"metadataSecretName": "db", "image": {"repository": "a", "tag": "b"}}}
        [job] = render("pools-job", values)
        name = job["metadata"]["name"]
        assert re.fullmatch(r"supermarket-pools-[0-9a-f]{10}", name)
        assert "helm.sh/hook" not in job["metadata"]["annotations"]
        assert job["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "10"
        assert jmespath.search("spec.template.spec.volumes[?name=='pools'].configMap.name", job) == [name]
        assert [c["metadata"]["name"] for c in render("pools-configmap", values)] == [name]
        secret = "spec.template.spec.containers[].env[?name=='AIRFLOW__DATABASE__SQL_ALCHEMY_CONN'][].valueFrom"
        assert jmespath.search(secret, job) == [{"secretKeyRef": {"name": "db", "key": "connection"}}]
        assert render("pools-job", values)[0]["metadata"]["name"] == name
        values["airflow"]["image"]["tag"] = "c"
        assert render("pools-job", values)[0]["metadata"]["name"] != name


class TestAirflowSecrets:
    def test_stable_secrets_for_the_official_chart(self):
        secrets = {s["metadata"]["name"]: s for s in render("airflow-secrets")}
        expected = {
            "supermarket-airflow-fernet-key": "fernet-key",
            "supermarket-airflow-jwt-secret": "jwt-secret",
            "supermarket-airflow-api-secret-key": "api-secret-key",
            "supermarket-airflow-webserver-secret-key": "webserver-secret-key",
            # The admin's password for the official chart's createUserJob: generated, never a default.
            "supermarket-airflow-admin-password": "admin-password",
        }
        assert set(secrets) == set(expected)
        for name, key in expected.items():
            assert list(secrets[name]["data"]) == [key]
            assert secrets[name]["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"

    def test_production_leaves_secrets_to_a_secret_manager(self):
        values = {
            "airflow": {"createSecrets": False, "releaseName": "airflow", "image": {"repository": "a", "tag": "b"}}
        }
        assert render("airflow-secrets", values) == []


class TestDevDagsPersistentVolume:
    def test_off_by_default(self):
        assert render("dev-dags-persistentvolume") == []

    def test_reads_the_node_folder(self):
        volume = one(render("dev-dags-persistentvolume", {"devDags": {"enabled": True}}), "PersistentVolume")
        assert volume["metadata"]["name"] == "supermarket-dev-dags"
        assert volume["spec"]["hostPath"] == {"path": "/dags", "type": "Directory"}
        assert volume["spec"]["accessModes"] == ["ReadOnlyMany"]


class TestDevDagsPersistentVolumeClaim:
    def test_off_by_default(self):
        assert render("dev-dags-persistentvolumeclaim") == []

    def test_claim_for_the_official_charts_dags_persistence(self):
        claim = one(render("dev-dags-persistentvolumeclaim", {"devDags": {"enabled": True}}), "PersistentVolumeClaim")
        assert claim["metadata"]["name"] == "supermarket-dev-dags" and claim["metadata"]["namespace"] == "airflow"
        assert claim["spec"]["volumeName"] == "supermarket-dev-dags"
        dev = yaml.safe_load((CHARTS / "airflow" / "values-dev-dags.yaml").read_text())
        assert dev["dags"]["persistence"]["existingClaim"] == claim["metadata"]["name"]


class TestSchema:
    @pytest.mark.parametrize(
        "values,message",
        [
            ({"dataVolume": {"mode": "s3", "size": "1Gi"}}, "mode"),
            ({"taskNamespace": {"name": "Bad_Name"}}, "name"),
            ({"unknownKey": True}, "unknownKey"),
            ({"pools": {"useHelmHooks": "yes"}}, "useHelmHooks"),
            ({"dataVolume": {"mode": "nfs", "size": "1Gi", "nfs": {"server": ""}}}, "server"),
            ({"resourceQuota": {"hard": {"pods": "lots"}}}, "pods"),
            ({"pipeline": {"sensorPokeInterval": 10}}, "sensorPokeInterval"),
            ({"pipeline": {"supermarkets": [1, 1]}}, "supermarkets"),
            ({"pipeline": {"taskImagePullPolicy": "Sometimes"}}, "taskImagePullPolicy"),
            ({"pipeline": {"taskImag": "x"}}, "taskImag"),
            ({"dataVolume": {"mode": "none"}}, "storageUrl"),
        ],
    )
    def test_bad_values_are_rejected_with_a_message(self, values, message):
        with pytest.raises(HelmError, match=message):
            render_chart(values=values)


def test_everything_renders_valid_objects():
    """The whole chart at once, with every optional part on (each object validated by render_chart)."""
    objects = render_chart(values={"externalLauncher": {"enabled": True}, "devDags": {"enabled": True}})
    assert by_kind(objects, "ConfigMap") and by_kind(objects, "Job")
