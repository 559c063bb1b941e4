#!/usr/bin/env bash
# Creates the peers' virtual environments under spark-dpsgd-jobs/bench/target/ (git-ignored) from
# the pinned requirements files, one venv per peer (their pins conflict: TF Privacy 0.9.0 needs
# numpy 1.x and dp-accounting 0.4.3, jax-privacy 2.0.0 needs dp-accounting >= 0.6.0).
#   spark-dpsgd-jobs/bench/setup.sh               # all three (about 8 GB: torch's CUDA wheels)
#   spark-dpsgd-jobs/bench/setup.sh jax tfp       # some
# PYTHON picks the interpreter (default: python3; the pins are for CPython 3.11, Linux x86_64).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
peers=("$@")
[[ ${#peers[@]} -gt 0 ]] || peers=(opacus jax tfp)
if [[ ! -d /usr/share/datasets/fashion-mnist && -z "${FASHION_MNIST_DIR:-}" ]]; then
  apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist
fi
for p in "${peers[@]}"; do
  req="$HERE/requirements-$p.txt"
  [[ -f "$req" ]] || { echo "setup.sh: no $req (peers: opacus jax tfp)" >&2; exit 2; }
  venv="$HERE/target/venv-$p"
  [[ -x "$venv/bin/python" ]] || "$PYTHON" -m venv "$venv"
  echo "setup.sh: installing $req into $venv" >&2
  # The files are complete pip freezes, so --no-deps installs exactly them (and nothing newer).
  "$venv/bin/pip" install -q --no-deps -r "$req"
  "$venv/bin/pip" check >&2 || true
done
