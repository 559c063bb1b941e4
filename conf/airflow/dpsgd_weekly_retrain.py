"""Weekly DP-SGD retraining: check the privacy ledger, train with spark-submit, publish the report.

    check_budget  ->  train  ->  publish_report

check_budget runs `dpsgd ledger plan` for this week's run: exit 0 (the run fits the budget) lets the
run go on, exit 3 (it does not fit) skips it and every task after it (the DAG run succeeds, nothing
is spent), anything else (a missing ledger, a bad config) fails it. train submits the job jar with
SparkSubmitOperator on the `spark_default` connection, names the ledger (`privacy.ledger`), so the
run itself reserves its charge before its first step and refuses if another run took the budget
meanwhile, and writes to <dpsgd_output_root>/<logical date, YYYYMMDD>. publish_report copies the
report (report.json, report.html, the PNG plots) to <dpsgd_publish_dir>/<YYYYMMDD> and points
<dpsgd_publish_dir>/latest at it.

Nothing here is edited per deployment; it is set through Airflow (Variables can also come from
AIRFLOW_VAR_<NAME> environment variables):
  connection spark_default      spark-submit's master: host local[2], or spark://HOST with a port,
                                or yarn; extra {"deploy-mode": "client"} (train's output and the
                                publish step must see the same file system)
  Variable dpsgd_job_jar        the job jar (spark-dpsgd-jobs-*-job.jar)
  Variable dpsgd_config         the run's HOCON config (hyperparameters, data, target epsilon)
  Variable dpsgd_ledger         the privacy ledger (`dpsgd ledger init` made it)
  Variable dpsgd_output_root    runs go to <root>/<YYYYMMDD> (a local path or hdfs:///...)
  Variable dpsgd_publish_dir    a local or shared directory for the published reports
  Variable dpsgd_train_examples (optional) N, for the plan when the config sets
                                training.expected-batch-size (q = batch / N)
  Variable dpsgd_cli            (optional) the command that runs the dpsgd CLI for the plan;
                                default: spark-submit --master local[1] of the job jar's CLI
"""

from __future__ import annotations

import os
import shlex
import shutil
from urllib.parse import urlparse

import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

DAG_ID = "dpsgd_weekly_retrain"
DPSGD_MAIN = "org.sparkdpsgd.jobs.DpsgdCli"
# `dpsgd ledger plan` exit codes: 0 fits, 3 does not fit, 2 a mistake in the input.
LEDGER_DOES_NOT_FIT = 3
# What publish_report copies from a run's output directory (train writes all of them).
REPORT_FILES = ("report.json", "report.html")
REPORT_PATTERNS = (".png",)

# One run per logical date, under the root the Variable names.
OUTPUT = "{{ var.value.dpsgd_output_root }}/{{ ds_nodash }}"
# The dpsgd CLI for the plan: the Variable's command, or the job jar's CLI under spark-submit (the
# plan reads the config and the ledger only; it starts no Spark context).
DPSGD_CLI = (
    "{% if var.value.get('dpsgd_cli', '') %}{{ var.value.dpsgd_cli }}{% else %}"
    "spark-submit --master 'local[1]' --class " + DPSGD_MAIN + " {{ var.value.dpsgd_job_jar | sh }}"
    "{% endif %}"
)
CHECK_BUDGET = (
    DPSGD_CLI + " ledger plan {{ var.value.dpsgd_ledger | sh }}"
    " --config {{ var.value.dpsgd_config | sh }}"
    "{% if var.value.get('dpsgd_train_examples', '') %}"
    " --n {{ var.value.dpsgd_train_examples | sh }}{% endif %}"
)


def local_dir(path: str, variable: str) -> str:
    """The local directory a path names (plain or file:), or a clear error for other schemes."""
    u = urlparse(path)
    if u.scheme in ("", "file"):
        return u.path if u.scheme else path
    raise ValueError(
        f"{variable} must be a local or shared directory (a plain path or file:); "
        f"provided value: {path}"
    )


def publish(output: str, publish_root: str, run: str) -> str:
    """Copies the run's report files to <publish_root>/<run> (whole or not at all), then points
    <publish_root>/latest at it. Returns the published directory."""
    src = local_dir(output, "dpsgd_output_root")
    root = local_dir(publish_root, "dpsgd_publish_dir")
    names = [n for n in REPORT_FILES if os.path.exists(os.path.join(src, n))]
    missing = sorted(set(REPORT_FILES) - set(names))
    if missing:
        raise FileNotFoundError(f"the run in {output} wrote no {', '.join(missing)}")
    names += sorted(n for n in os.listdir(src) if n.endswith(REPORT_PATTERNS))
    os.makedirs(root, exist_ok=True)
    dest = os.path.join(root, run)
    staging = os.path.join(root, f".{run}.publishing")
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    for n in names:
        shutil.copy2(os.path.join(src, n), os.path.join(staging, n))
    # A republished date replaces the old copy; readers see the old or the new one, never half.
    if os.path.exists(dest):
        old = os.path.join(root, f".{run}.replaced")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(dest, old)
        os.rename(staging, dest)
        shutil.rmtree(old)
    else:
        os.rename(staging, dest)
    link = os.path.join(root, "latest")
    tmp_link = os.path.join(root, ".latest.tmp")
    if os.path.lexists(tmp_link):
        os.remove(tmp_link)
    os.symlink(run, tmp_link)
    os.replace(tmp_link, link)
    return dest


with DAG(
    dag_id=DAG_ID,
    description="Weekly DP-SGD retraining within the privacy ledger's budget",
    schedule="@weekly",
    start_date=pendulum.datetime(2026, 1, 4, tz="UTC"),
    catchup=False,
    # Runs of one ledger one after the other: each plan then sees the previous run's charge.
    max_active_runs=1,
    user_defined_filters={"sh": shlex.quote},
    default_args={"owner": "spark-dpsgd", "retries": 0},
    doc_md=__doc__,
    tags=["dpsgd", "privacy"],
) as dag:
    check_budget = BashOperator(
        task_id="check_budget",
        bash_command=CHECK_BUDGET,
        skip_on_exit_code=LEDGER_DOES_NOT_FIT,
        doc_md="`dpsgd ledger plan`: exit 0 continue, 3 skip the run, anything else fail.",
    )

    train = SparkSubmitOperator(
        task_id="train",
        conn_id="spark_default",
        application="{{ var.value.dpsgd_job_jar }}",
        java_class=DPSGD_MAIN,
        application_args=[
            "train",
            "--config",
            "{{ var.value.dpsgd_config }}",
            "--output",
            OUTPUT,
            "--set",
            "privacy.ledger={{ var.value.dpsgd_ledger }}",
        ],
        conf={"spark.ui.showConsoleProgress": "false"},
        # Never retried: every attempt that reaches its first step is charged to the ledger.
        retries=0,
        doc_md="Submits `dpsgd train` of the job jar; the run reserves its charge in the ledger.",
    )

    @task(task_id="publish_report")
    def publish_report(output: str, publish_root: str, run: str) -> str:
        dest = publish(output, publish_root, run)
        print(f"published the report of {output} to {dest}")
        return dest

    published = publish_report(
        output=OUTPUT, publish_root="{{ var.value.dpsgd_publish_dir }}", run="{{ ds_nodash }}"
    )

    check_budget >> train >> published
