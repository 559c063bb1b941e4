#!/usr/bin/env python3
"""Peers side by side: Opacus, JAX (jax-privacy) and TF Privacy against our `dpsgd bench`.

  python3 spark-dpsgd-jobs/bench/run.py --rounds 2            # all cases (see README.md)
  python3 spark-dpsgd-jobs/bench/run.py --models logreg --batches 1024 --rounds 1 --steps 3

Needs the peers' venvs (spark-dpsgd-jobs/bench/setup.sh). Runs each peer's DP check first and
refuses to report a peer whose check fails; then, for each round and each case (model, batch),
runs every peer, then ours, one after the other (A B A B ...). Writes every per-round number to
target/peers-<time>.json (after each measurement) and prints one Markdown table.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from benchlib import cases, stats  # noqa: E402

VENVS = {"opacus": "venv-opacus", "jax": "venv-jax", "tf": "venv-tfp"}
SCRIPTS = {"opacus": "opacus_peer.py", "jax": "jax_peer.py", "tf": "tf_peer.py"}
PEER_THREADS = "2"


def peer_env():
    env = dict(os.environ)
    # The whole machine for a peer, as our local[*] uses both cores; nothing else is forced (a
    # caller's OPENBLAS_CORETYPE, if any, passes through).
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[k] = PEER_THREADS
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def ours_env():
    env = dict(os.environ)
    # Our launcher's own default: OMP_NUM_THREADS=1 per task, local[*] = 2 tasks on 2 cores.
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.pop(k, None)
    return env


def python_of(peer):
    return os.path.join(HERE, "target", VENVS[peer], "bin", "python")


def run_json(cmd, env, log, cwd=None, timeout=None):
    t0 = time.time()
    with open(log, "a") as f:
        f.write(f"\n$ {' '.join(cmd)}\n")
        f.flush()
        p = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=f, text=True,
                           timeout=timeout)
        f.write(p.stdout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {p.returncode} (see {log})")
    out = stats.parse_last_json(p.stdout)
    out["_wall_seconds"] = round(time.time() - t0, 1)
    return out


def machine():
    info = {"nproc": os.cpu_count(), "platform": platform.platform()}
    try:
        for line in subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                info["cpu"] = line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        info["ours_commit"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                             stdout=subprocess.PIPE, text=True).stdout.strip()
    except OSError:
        pass
    return info


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=list(cases.MODELS), choices=cases.MODELS)
    ap.add_argument("--batches", nargs="+", type=int, default=list(cases.BATCHES))
    ap.add_argument("--peers", nargs="+", default=list(cases.PEERS), choices=cases.PEERS)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10, help="peers' timed steps per mode")
    ap.add_argument("--our-steps", type=int, default=30,
                    help="our bench's timed steps per mode")
    ap.add_argument("--our-warmup-steps", type=int, default=None,
                    help="our bench's untimed steps per mode before timing (default per model,"
                         " benchlib/cases.py OURS_WARMUP_STEPS: the JVM keeps compiling for a few"
                         " hundred steps, and a training run is thousands of steps long)")
    ap.add_argument("--warmup", type=int, default=3, help="peers' untimed steps per mode")
    ap.add_argument("--max-seconds", type=float, default=60,
                    help="a peer stops timing a mode after this long (at least 3 steps)")
    ap.add_argument("--no-ours", action="store_true", help="peers only")
    ap.add_argument("--out", default=None, help="JSON file (default target/peers-<time>.json)")
    args = ap.parse_args(argv)

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    os.makedirs(os.path.join(HERE, "target"), exist_ok=True)
    out_path = args.out or os.path.join(HERE, "target", f"peers-{stamp}.json")
    log = os.path.splitext(out_path)[0] + ".log"
    for p in args.peers:
        if not os.path.exists(python_of(p)):
            sys.exit(f"run.py: {python_of(p)} is missing: run spark-dpsgd-jobs/bench/setup.sh first")
    t_start = time.time()
    result = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
              "settings": {"sigma": cases.NOISE_MULTIPLIER, "clip": cases.L2_NORM_CLIP,
                           "lr": cases.LEARNING_RATE, "optimizer": "sgd", "steps": args.steps,
                           "our_steps": args.our_steps,
                           "warmup": args.warmup, "max_seconds": args.max_seconds,
                           "rounds": args.rounds, "peer_threads": PEER_THREADS},
              "checks": {}, "peers": {}, "rounds": []}

    def save():
        result["elapsed_seconds"] = round(time.time() - t_start, 1)
        with open(out_path, "w") as f:
            json.dump(result, f, indent=1)

    print(f"peers: log {log}, results {out_path}", flush=True)
    ok_peers = {}
    for p in args.peers:
        for m in args.models:
            cmd = [python_of(p), os.path.join(HERE, "peers", SCRIPTS[p]), "--model", m, "--check"]
            try:
                r = run_json(cmd, peer_env(), log)
                check = r["check"]
                ok, reasons = stats.verdict(check)  # judged here again, not taken on the peer's word
            except (RuntimeError, ValueError, KeyError) as e:
                r, check, ok, reasons = {}, {}, False, [str(e)]
            result["checks"][f"{p}/{m}"] = {"ok": ok, "reasons": reasons, "mode": r.get("mode"),
                                            "report": check}
            entry = result["peers"].setdefault(p, {"modes": {}})
            if r:
                entry["versions"], entry["env"] = r.get("versions"), r.get("env")
            entry["modes"][m] = r.get("mode_description")
            ok_peers[(p, m)] = ok
            print(f"check {p}/{m} ({r.get('mode')}): {'ok' if ok else 'FAILED: ' + '; '.join(reasons)}",
                  flush=True)
            save()

    for rnd in range(args.rounds):
        for m in args.models:
            for b in args.batches:
                for p in args.peers:
                    if not ok_peers[(p, m)]:
                        continue
                    cmd = [python_of(p), os.path.join(HERE, "peers", SCRIPTS[p]), "--model", m,
                           "--batch-size", str(b), "--steps", str(args.steps), "--warmup",
                           str(args.warmup), "--max-seconds", str(args.max_seconds)]
                    row = {"model": m, "batch": b, "round": rnd, "side": p}
                    try:
                        r = run_json(cmd, peer_env(), log)
                        row.update(dp=r.get("dp_examples_per_s"), nonprivate=r.get("nonprivate_examples_per_s"), raw=r)
                    except (RuntimeError, ValueError) as e:
                        row.update(dp=None, nonprivate=None, error=str(e))
                    result["rounds"].append(row)
                    save()
                    print(f"round {rnd} {m} {b} {p}: DP {row['dp']}, non-private {row['nonprivate']} ex/s", flush=True)
                if args.no_ours:
                    continue
                cmd = [os.path.join(ROOT, "spark-dpsgd-jobs", "bin", "dpsgd"), "bench",
                       *cases.OURS_ARGS[m], "--batch-size", str(b), "--rounds", "1", "--steps",
                       str(args.our_steps), "--warmup-steps",
                       str(args.our_warmup_steps or cases.OURS_WARMUP_STEPS[m])]
                row = {"model": m, "batch": b, "round": rnd, "side": "ours"}
                try:
                    r = run_json(cmd, ours_env(), log, cwd=ROOT)
                    dp, plain = stats.ours_rates(r)
                    row.update(dp=dp, nonprivate=plain, raw=r)
                except (RuntimeError, ValueError) as e:
                    row.update(dp=None, nonprivate=None, error=str(e))
                result["rounds"].append(row)
                save()
                print(f"round {rnd} {m} {b} ours: DP {row['dp']}, non-private {row['nonprivate']} ex/s", flush=True)

    peers = [p for p in args.peers if any(ok_peers[(p, m)] for m in args.models)]
    summary = stats.summarise(result["rounds"], peers)
    result["summary"] = summary
    tbl = stats.table(summary, peers)
    result["table"] = tbl
    save()
    failed = [k for k, v in result["checks"].items() if not v["ok"]]
    print()
    print(tbl)
    print()
    print(f"examples/s, medians over {args.rounds} round(s); ours/peer = median of per-round ratios;"
          f" {result['machine'].get('cpu')}, {result['machine'].get('nproc')} cores;"
          f" {result['elapsed_seconds'] / 60:.1f} min")
    if failed:
        print("not reported (DP check failed): " + ", ".join(failed))
    md = os.path.splitext(out_path)[0] + ".md"
    with open(md, "w") as f:
        f.write(tbl + "\n")
    print(f"wrote {out_path} and {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
