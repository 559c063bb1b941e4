# Helpers shared by .ci/cluster and .ci/cluster-faults (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER="$ROOT/spark-dpsgd-jobs/bin/dpsgd-cluster"
CI="$ROOT/target/ci-cluster"
export DPSGD_CLUSTER_HOME="$CI/cluster"
export SPARK_LOCAL_IP=127.0.0.1
read -r -a FLAGS < "$ROOT/.mvn/jvm.config"

fail() { echo "CI CLUSTER FAILURE: $*" >&2; exit 1; }
step() { echo "=== $* ($(date +%T))"; }

# Hadoop's own shell (from the cluster's Spark jars) against the CI HDFS.
hdfs_shell() { java -cp "$HADOOP_CONF_DIR:$DPSGD_CLUSTER_HOME/spark/jars/*" org.apache.hadoop.fs.FsShell "$@" 2>/dev/null; }
hdfs_cat() { hdfs_shell -cat "$1"; }

# A JSON field of a report on HDFS.
report_field() {
  hdfs_cat "$1/report.json" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}

# Checks that metrics.csv on HDFS lists the steps 1..N, each exactly once.
check_steps_once() {
  local dir="$1" n="$2"
  hdfs_cat "$dir/metrics.csv" | python3 -c "
import sys
steps = [int(l.split(',')[0]) for l in sys.stdin.read().splitlines()[1:]]
assert steps == list(range(1, $n + 1)), 'steps in metrics.csv: %s' % steps
" || fail "$dir/metrics.csv does not list steps 1..$n once each"
}

# Waits until the file shows a line matching the pattern (or the process is gone).
wait_for_line() {
  local file="$1" pattern="$2" pid="$3" t
  for ((t = 0; t < 1200; t++)); do
    grep -q -E "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "process $pid ended before '$pattern' appeared in $file: $(tail -n 20 "$file")"
    sleep 0.1
  done
  fail "'$pattern' did not appear in $file"
}

expect_eq() { [[ "$1" == "$2" ]] || fail "$3: expected $2, got $1"; }
