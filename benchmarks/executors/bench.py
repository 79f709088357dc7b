"""Which executor for the pipeline: one day on the in-cluster Airflow (the e2e's production shape), per variant.

    PYTHONPATH=k8s-tests .venv/bin/python benchmarks/executors/bench.py [VARIANT ...]    (make bench-executors)

Needs the air-gapped cluster up with the e2e images loaded (KEEP_CLUSTER=1 scripts/test-k8s.sh leaves it so).
Each variant re-installs the official chart (and our chart's settings) with helm, then runs a day: the ingest
run is triggered, every sensor pokes once, supermarkets 1-4 deliver DELIVERY_GAP s apart, and the day ends when
the ingest run and every create_metrics run have finished. Reported per variant (a benchmark, not a test):
worker pods created (Airflow namespace), task pods created, CPU seconds of the scheduler pod and of all pods
(the kubelet's cgroups on this node), slot-seconds held by sensors (sensor task instances `running`, sampled
every second), and `_SUCCESS` -> metrics file per supermarket.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import mean, median

from deploy import NAMESPACE, TASK_NAMESPACE, admin_password, data_dir, install_in_cluster, port_forward
from kube import PodRecorder, kubectl
from supermarket_dev import ROOT
from supermarket_dev.airflow import Airflow
from supermarket_dev.simulate import start_simulate
from supermarket_dev.waiting import wait_until
from supermarket_pipeline.schedule import INGEST_DAG_ID, INGEST_HOUR, METRICS_DAG_ID, REPORT_DAG_ID

SUPERMARKETS = (1, 2, 3, 4)
DELIVERY_GAP = 15
ROWS = 2000
CGROUP = Path("/sys/fs/cgroup/cpuacct/kubepods")
# variant -> (official chart --set, our chart --set)
VARIANTS = {
    "local-reschedule": (["executor=LocalExecutor"], ["pipeline.sensorDeferrable=false"]),
    "kubernetes-reschedule": (["executor=KubernetesExecutor"], ["pipeline.sensorDeferrable=false"]),
    "kubernetes-deferrable": (["executor=KubernetesExecutor"], ["pipeline.sensorDeferrable=true"]),
}


def cpu_seconds(pod_uid: str | None = None) -> float:
    """CPU time charged to one pod's cgroup, or to every pod's (cgroup v1 charges parents cumulatively, so
    pods that are gone still count)."""
    if pod_uid is None:
        return int((CGROUP / "cpuacct.usage").read_text()) / 1e9
    (directory,) = [*CGROUP.glob(f"pod{pod_uid}"), *CGROUP.glob(f"*/pod{pod_uid}")]
    return int((directory / "cpuacct.usage").read_text()) / 1e9


def scheduler_uid() -> str:
    """The one scheduler pod, once the one of the previous variant is gone (switching executors replaces a
    Deployment by a StatefulSet or back, and helm's --wait does not wait for the old pod to end)."""

    def only_one() -> str | None:
        out = kubectl("-n", NAMESPACE, "get", "pods", "-l", "component=scheduler", "-o", "json").stdout
        pods = json.loads(out)["items"]
        return str(pods[0]["metadata"]["uid"]) if len(pods) == 1 else None

    return wait_until("a single scheduler pod", only_one, 300, 2)


@dataclass
class Result:
    variant: str
    wall_s: float
    worker_pods: int
    task_pods: int
    scheduler_cpu_s: float
    all_pods_cpu_s: float
    sensor_slot_s: float
    success_to_metrics_s: dict[str, float]


def one_day(variant: str, date: str, workdir: Path) -> Result:
    chart_sets, our_sets = VARIANTS[variant]
    data = data_dir()
    install_in_cluster(workdir, data, airflow_sets=chart_sets, our_sets=our_sets)
    with port_forward() as port:
        af = Airflow(workdir / "client", port, {}, credentials=("admin", admin_password()))
        for area in ("landing", "raw", "processed", "quarantine", "metrics"):
            for sm in SUPERMARKETS:
                shutil.rmtree(data / area / f"supermarket_{sm}" / date, ignore_errors=True)
        for dag_id in (INGEST_DAG_ID, METRICS_DAG_ID, REPORT_DAG_ID):
            af.unpause(dag_id)
            for run in af.runs(dag_id):  # a re-run of the benchmark starts from the same clean slate
                if (run["logical_date"] or "").startswith(date) or run["conf"].get("date") == date:
                    af.request("DELETE", f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}").raise_for_status()
        workers, tasks = PodRecorder(NAMESPACE), PodRecorder(TASK_NAMESPACE)
        workers.start()
        tasks.start()
        sched, cpu0 = scheduler_uid(), cpu_seconds()
        sched0, started = cpu_seconds(sched), time.monotonic()
        r = af.trigger(INGEST_DAG_ID, logical_date=f"{date}T{INGEST_HOUR:02d}:00:00+00:00")
        r.raise_for_status()
        run_id = r.json()["dag_run_id"]
        sensors = {f"wait_for_supermarket_{sm}" for sm in SUPERMARKETS}
        seen: set[str] = set()
        held, last, deliveries = 0.0, time.monotonic(), None
        while True:
            tis = af.task_instances(INGEST_DAG_ID, run_id)
            now = time.monotonic()
            held += sum(tis[s]["state"] == "running" for s in sensors if s in tis) * (now - last)
            last = now
            seen |= {s for s in sensors if tis.get(s, {}).get("state") in ("up_for_reschedule", "deferred")}
            if deliveries is None and seen == sensors:  # every sensor waited once: now deliver
                deliveries = start_simulate(data, date, rows=ROWS, supermarket_delay=DELIVERY_GAP,
                                            preexec_fn=lambda: os.umask(0))  # fmt: skip
            if af.run(INGEST_DAG_ID, run_id)["state"] in ("success", "failed"):
                break
            if now - started > 1800:
                raise TimeoutError(f"{variant}: the day did not finish in 30 min")
            time.sleep(1)

        def metrics_done() -> bool:
            runs = [r for r in af.runs(METRICS_DAG_ID) if r["conf"].get("date") == date]
            return len(runs) == len(SUPERMARKETS) and all(r["state"] in ("success", "failed") for r in runs)

        wait_until("every create_metrics run of the day", metrics_done, 900, 2)
        wall = time.monotonic() - started
        result = Result(
            variant,
            round(wall),
            len([p for p in workers.pods.values() if p.labels.get("kubernetes_executor") == "True"]),
            len(tasks.pods),
            round(cpu_seconds(sched) - sched0, 1),
            round(cpu_seconds() - cpu0, 1),
            round(held, 1),
            {
                f"supermarket_{sm}": round(
                    (data / "metrics" / f"supermarket_{sm}" / date / "summary.json").stat().st_mtime
                    - (data / "landing" / f"supermarket_{sm}" / date / "_SUCCESS").stat().st_mtime,
                    1,
                )
                for sm in SUPERMARKETS
            },
        )
        workers.stop()
        tasks.stop()
        assert deliveries is not None and deliveries.wait(timeout=60) == 0
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="*", help=f"some of {', '.join(VARIANTS)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}; choose from {', '.join(VARIANTS)}")
    workdir = Path(tempfile.mkdtemp(prefix="executors-"))
    variants = args.variants or list(VARIANTS)
    # Days after the DAGs' start_date (a run before it has no task instances) and apart from the e2e's day.
    results = []
    for i, variant in enumerate(variants):
        results.append(one_day(variant, f"2026-11-{10 + i:02d}", workdir))
        print(json.dumps(asdict(results[-1])), flush=True)  # each as soon as it is measured
    out = ROOT / ".cache" / "bench" / "executors.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([asdict(r) for r in results], indent=2))
    print(f"{'variant':24s} {'wall s':>7s} {'worker pods':>11s} {'task pods':>9s} {'sched CPU s':>11s} "
          f"{'pods CPU s':>10s} {'sensor slot-s':>13s} {'_SUCCESS->metrics s (median, max)':>34s}")  # fmt: skip
    for r in results:
        lat = list(r.success_to_metrics_s.values())
        print(f"{r.variant:24s} {r.wall_s:7.0f} {r.worker_pods:11d} {r.task_pods:9d} {r.scheduler_cpu_s:11.1f} "
              f"{r.all_pods_cpu_s:10.1f} {r.sensor_slot_s:13.1f} "
              f"{median(lat):>22.0f}, {max(lat):.0f} (mean {mean(lat):.0f})")  # fmt: skip
    print(f"saved to {out}")


if __name__ == "__main__":
    main()
