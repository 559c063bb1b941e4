"""The weekly retraining DAG: it imports, its shape, its templates, the check's exit codes and the
publish step. End-to-end runs (`airflow dags test` against Spark) are in .ci/airflow."""

import copy
import os
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest
from airflow.exceptions import AirflowException, AirflowSkipException
from airflow.models import DagBag
from airflow.utils.context import VariableAccessor

DAGS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(DAGS))  # publish() is imported from the DAG file
DAG_ID = "dpsgd_weekly_retrain"
VARIABLES = {
    "dpsgd_job_jar": "/opt/dpsgd/job.jar",
    "dpsgd_config": "/opt/dpsgd/weekly run.conf",
    "dpsgd_ledger": "hdfs:///privacy/patients",
    "dpsgd_output_root": "hdfs:///runs/weekly",
    "dpsgd_publish_dir": "/srv/reports",
}


@pytest.fixture(scope="module")
def dagbag():
    return DagBag(dag_folder=str(DAGS), include_examples=False)


@pytest.fixture
def dag(dagbag):
    return dagbag.get_dag(DAG_ID)


@pytest.fixture
def variables(monkeypatch):
    """Airflow Variables through AIRFLOW_VAR_* (looked up before the metadata DB)."""
    for k in list(os.environ):
        if k.startswith("AIRFLOW_VAR_DPSGD_"):
            monkeypatch.delenv(k)
    for k, v in VARIABLES.items():
        monkeypatch.setenv("AIRFLOW_VAR_" + k.upper(), v)
    return monkeypatch


def render(dag, task_id, field, logical_date="2026-01-04"):
    task = dag.get_task(task_id)
    d = pendulum.parse(logical_date)
    context = {
        "ds": d.to_date_string(),
        "ds_nodash": d.format("YYYYMMDD"),
        "logical_date": d,
        "var": {"value": VariableAccessor(deserialize_json=False), "json": VariableAccessor(deserialize_json=True)},
    }
    return task.render_template(getattr(task, field), context, jinja_env=dag.get_template_env())


def test_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert list(dagbag.dag_ids) == [DAG_ID]


def test_tasks_and_dependencies(dag):
    assert sorted(dag.task_ids) == ["check_budget", "publish_report", "train"]
    assert dag.get_task("check_budget").downstream_task_ids == {"train"}
    assert dag.get_task("train").downstream_task_ids == {"publish_report"}
    assert dag.get_task("publish_report").downstream_task_ids == set()
    assert [t.task_id for t in dag.roots] == ["check_budget"]
    assert type(dag.get_task("check_budget")).__name__ == "BashOperator"
    assert type(dag.get_task("train")).__name__ == "SparkSubmitOperator"


def test_weekly_one_run_at_a_time_never_retried(dag):
    assert dag.schedule_interval == "@weekly"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.get_task("train").retries == 0


def test_check_skips_only_on_does_not_fit(dag):
    assert list(dag.get_task("check_budget").skip_on_exit_code) == [3]


def test_train_submits_the_job_jar_to_spark_default(dag, variables):
    t = dag.get_task("train")
    assert t._conn_id == "spark_default"
    assert t._java_class == "org.sparkdpsgd.jobs.DpsgdCli"
    assert render(dag, "train", "application") == "/opt/dpsgd/job.jar"


def test_output_path_is_templated_by_the_logical_date(dag, variables):
    args = render(dag, "train", "application_args", logical_date="2026-02-15")
    assert args == [
        "train",
        "--config",
        "/opt/dpsgd/weekly run.conf",
        "--output",
        "hdfs:///runs/weekly/20260215",
        "--set",
        "privacy.ledger=hdfs:///privacy/patients",
    ]
    assert render(dag, "train", "application_args", logical_date="2026-02-22")[4].endswith("/20260222")


def test_check_command_default_and_from_variables(dag, variables):
    assert render(dag, "check_budget", "bash_command") == (
        "spark-submit --master 'local[1]' --class org.sparkdpsgd.jobs.DpsgdCli /opt/dpsgd/job.jar"
        " ledger plan hdfs:///privacy/patients --config '/opt/dpsgd/weekly run.conf'"
    )
    variables.setenv("AIRFLOW_VAR_DPSGD_CLI", "/opt/dpsgd/bin/dpsgd")
    variables.setenv("AIRFLOW_VAR_DPSGD_TRAIN_EXAMPLES", "60000")
    assert render(dag, "check_budget", "bash_command") == (
        "/opt/dpsgd/bin/dpsgd ledger plan hdfs:///privacy/patients"
        " --config '/opt/dpsgd/weekly run.conf' --n 60000"
    )


@pytest.mark.parametrize(
    "exit_code, outcome", [(0, None), (3, AirflowSkipException), (2, AirflowException), (1, AirflowException)]
)
def test_check_exit_codes(dag, exit_code, outcome):
    """The check's own BashOperator with a stand-in command for the plan's exit code."""
    op = copy.copy(dag.get_task("check_budget"))
    op.bash_command = f"echo planned; exit {exit_code}"
    op.env = None
    if outcome is None:
        assert op.execute({}) == "planned"
    else:
        with pytest.raises(outcome):
            op.execute({})


def make_run(tmp_path, name="20260104"):
    out = tmp_path / "runs" / name
    out.mkdir(parents=True)
    for n in ("report.json", "report.html", "epsilon.png", "test-accuracy.png", "model.json", "metrics.csv"):
        (out / n).write_text(f"{name} {n}")
    return out


def test_publish_copies_the_report_and_points_latest(dag, tmp_path):
    from dpsgd_weekly_retrain import publish

    root = tmp_path / "published"
    dest = publish(str(make_run(tmp_path)), f"file:{root}", "20260104")
    assert dest == str(root / "20260104")
    assert sorted(os.listdir(dest)) == ["epsilon.png", "report.html", "report.json", "test-accuracy.png"]
    assert os.readlink(root / "latest") == "20260104"
    publish(str(make_run(tmp_path, "20260111")), str(root), "20260111")
    assert os.readlink(root / "latest") == "20260111"
    assert sorted(os.listdir(root)) == ["20260104", "20260111", "latest"]


def test_publish_replaces_a_republished_date(tmp_path):
    from dpsgd_weekly_retrain import publish

    root = tmp_path / "published"
    out = make_run(tmp_path)
    publish(str(out), str(root), "20260104")
    (out / "report.json").write_text("second")
    publish(str(out), str(root), "20260104")
    assert (root / "20260104" / "report.json").read_text() == "second"
    assert sorted(os.listdir(root)) == ["20260104", "latest"]


def test_publish_refuses_a_run_without_report_and_remote_paths(tmp_path):
    from dpsgd_weekly_retrain import publish

    out = tmp_path / "empty"
    out.mkdir()
    (out / "report.html").write_text("x")
    with pytest.raises(FileNotFoundError, match="wrote no report.json"):
        publish(str(out), str(tmp_path / "p"), "20260104")
    with pytest.raises(ValueError, match="dpsgd_publish_dir must be a local or shared directory.*s3a://b/r"):
        publish(str(make_run(tmp_path)), "s3a://b/r", "20260104")


def test_dag_file_runs_as_a_script_without_side_effects():
    """Parsing it is cheap and touches nothing (no Variable or connection read at import)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_VAR_")}
    subprocess.run([sys.executable, str(DAGS / "dpsgd_weekly_retrain.py")], check=True, env=env)
