"""What every peer shares: arguments, data, the timed loop and the DP check.

A peer module defines a class with
  make_dp(clip, sigma, lr, batch) -> step(x, y)   one DP step of the peer's own DP machinery
  make_plain(lr, batch) -> step(x, y)             one non-private step (same model, same optimizer)
  get_flat() / set_flat(v)                        the current model's parameters as one float vector
  reference_grads(x, y) -> (n, d) array           per-example gradients, one example at a time, by
                                                  the framework's plain autograd (no DP code)
  own_norms() -> array or None                    per-example norms the DP step itself computed
  to_batch(x, y)                                  numpy -> framework tensors
  sync(); versions() -> dict; mode_description -> str
and calls main(PeerClass). The peer prints one JSON object as its last line.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from benchlib import cases, data, stats  # noqa: E402

CHECK_BATCH = 256


def load_fashion_mnist():
    images, labels = data.train_files()
    dims, raw = data.read_idx(images)
    x = np.frombuffer(raw, dtype=np.uint8).reshape(dims[0], dims[1] * dims[2]).astype(np.float32)
    x /= 255.0  # pixels in [0, 1], as `dpsgd bench` packs them (feature-scale 1, shift 0)
    _, raw_y = data.read_idx(labels)
    y = np.frombuffer(raw_y, dtype=np.uint8).astype(np.int64)
    return x, y


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=cases.MODELS, required=True)
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--steps", type=int, default=20, help="timed steps per mode")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps per mode first")
    p.add_argument("--max-seconds", type=float, default=None,
                   help="stop timing a mode after this many seconds (at least --min-steps steps)")
    p.add_argument("--min-steps", type=int, default=3)
    p.add_argument("--mode", default=None, help="DP mode (default: cases.PEER_MODES)")
    p.add_argument("--check", action="store_true", help="run the DP check instead of timing")
    p.add_argument("--lr", type=float, default=cases.LEARNING_RATE)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def timed(step, batches, warmup, steps, sync, max_seconds=None, min_steps=3):
    """(seconds, steps) of up to `steps` timed steps after `warmup` untimed ones; with
    max_seconds, stops once that much time has passed and at least min_steps were timed."""
    for i in range(warmup):
        step(*batches[i % len(batches)])
    sync()
    t0 = time.perf_counter()
    done = 0
    while done < steps:
        step(*batches[(warmup + done) % len(batches)])
        done += 1
        if max_seconds is not None and done >= min_steps:
            sync()
            if time.perf_counter() - t0 > max_seconds:
                break
    sync()
    return time.perf_counter() - t0, done


def bench(peer, args, x, y):
    rng = np.random.default_rng(args.seed)
    b = args.batch_size
    perm = rng.permutation(len(x))
    k = min(len(x) // b, args.warmup + args.steps)
    # Fixed batches (no Poisson sampling: it changes nothing in the cost of a step of this size),
    # converted to the framework's tensors before timing.
    batches = [peer.to_batch(x[perm[i * b : (i + 1) * b]], y[perm[i * b : (i + 1) * b]]) for i in range(k)]
    out = {}
    for name, step in (
        ("dp", peer.make_dp(cases.L2_NORM_CLIP, cases.NOISE_MULTIPLIER, args.lr, b)),
        ("nonprivate", peer.make_plain(args.lr, b)),
    ):
        seconds, done = timed(step, batches, args.warmup, args.steps, peer.sync,
                              args.max_seconds, args.min_steps)
        out[name + "_examples_per_s"] = round(b * done / seconds, 1)
        out[name + "_ms_per_step"] = round(1000 * seconds / done, 2)
        out[name + "_steps"] = done
    return out


def dp_check(peer, args, x, y):
    """Clipping: a DP step with noise 0, lr 1, from w0 on a batch of CHECK_BATCH examples must move
    the weights by the mean of the per-example gradients (computed one example at a time by the
    framework's own autograd), each clipped to C, at C = 1 (the benchmarked C) and at C = the median
    norm (so that both branches of clipping are exercised); the peer's own per-example norms
    are compared with the reference where it exposes them. Noise: two DP steps (sigma = 1, C = 1)
    from the same w0 on the same batch, minus that noiseless value, must each have per-coordinate
    std sigma*C/B, mean 0, and be uncorrelated (benchlib.stats.verdict has the tolerances)."""
    n = CHECK_BATCH
    xb, yb = x[:n], y[:n]
    batch = peer.to_batch(xb, yb)
    w0 = np.array(peer.get_flat(), dtype=np.float64)
    grads = np.asarray(peer.reference_grads(xb, yb), dtype=np.float64)
    norms = np.linalg.norm(grads, axis=1)
    report = {"n": n, "d": int(w0.size), "reference_norms": {
        "min": float(norms.min()), "median": float(np.median(norms)), "max": float(norms.max())}}

    def clipped_mean(clip):
        scale = np.minimum(1.0, clip / np.maximum(norms, 1e-30))
        return (grads * scale[:, None]).mean(axis=0)

    runs = []
    for clip in (cases.L2_NORM_CLIP, float(np.median(norms))):
        step = peer.make_dp(clip, 0.0, 1.0, n)
        peer.set_flat(w0)
        step(*batch)
        peer.sync()
        delta = w0 - np.asarray(peer.get_flat(), dtype=np.float64)
        run = {"clip": clip, "n": n, "n_clipped": int((norms > clip).sum())}
        run.update(stats.clip_stats(delta.tolist(), clipped_mean(clip).tolist()))
        run["max_clipped_norm"] = float(np.minimum(norms, clip).max())
        own = peer.own_norms()
        if own is not None:
            own = np.asarray(own, dtype=np.float64)
            run["norms_rel_err"] = float(np.max(np.abs(own - norms) / np.maximum(norms, 1e-30)))
        runs.append(run)
    report["clip_runs"] = runs

    clip, sigma = cases.L2_NORM_CLIP, cases.NOISE_MULTIPLIER
    step = peer.make_dp(clip, sigma, 1.0, n)
    noiseless = clipped_mean(clip)
    draws = []
    for _ in range(2):
        peer.set_flat(w0)
        step(*batch)
        peer.sync()
        draws.append((w0 - np.asarray(peer.get_flat(), dtype=np.float64)) - noiseless)
    report["noise"] = stats.noise_stats(draws[0].tolist(), draws[1].tolist(), sigma * clip / n)
    ok, reasons = stats.verdict(report)
    report["ok"] = ok
    report["reasons"] = reasons
    return report


def thread_env():
    keys = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE",
            "XLA_FLAGS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
    return {k: os.environ[k] for k in keys if k in os.environ}


def main(peer_cls, argv=None):
    args = parse_args(argv)
    mode = args.mode or cases.PEER_MODES[peer_cls.name][args.model]
    x, y = load_fashion_mnist()
    peer = peer_cls(args.model, mode, args.seed)
    result = {"peer": peer_cls.name, "model": args.model, "mode": mode,
              "mode_description": peer.mode_description, "versions": peer.versions(),
              "env": thread_env()}
    if args.check:
        result["check"] = dp_check(peer, args, x, y)
    else:
        result.update({"batch_size": args.batch_size, "steps": args.steps, "warmup": args.warmup,
                       "lr": args.lr, "clip": cases.L2_NORM_CLIP, "sigma": cases.NOISE_MULTIPLIER})
        result.update(bench(peer, args, x, y))
    print(json.dumps(result), flush=True)
