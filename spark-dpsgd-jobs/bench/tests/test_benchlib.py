"""The harness logic without the peers: pytest only (no numpy, no frameworks).

    python3 -m pytest spark-dpsgd-jobs/bench/tests -q
"""

import gzip
import json
import math
import os
import random
import struct
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchlib import cases, data, stats  # noqa: E402


def test_median_odd_even_and_none():
    assert stats.median([3, 1, 2]) == 2
    assert stats.median([4, 1, 3, 2]) == 2.5
    assert stats.median([None, 5, None]) == 5
    assert stats.median([]) is None


def test_median_ratio_pairs_rounds():
    # round-by-round pairs: 2/1, 3/3, 8/2 -> ratios 2, 1, 4 -> median 2 (not 13/6 from medians)
    assert stats.median_ratio([2, 3, 8], [1, 3, 2]) == 2
    assert stats.median_ratio([1, None], [2, 4]) == 0.5
    assert stats.median_ratio([1], [0]) is None


BENCH_STDOUT = """bench: network 784 > dense(256) > tanh > dense(10) (203530 parameters)
DP: 100.0 ms/step, non-private: 50.0 ms/step
{"model":"mlp","batch_size":1024,"steps":30,"dp_examples_per_s":10240.0,"nonprivate_examples_per_s":20480.0,"ratio":0.5,"median_ratio":0.52}
"""


def test_parse_our_bench_json_last_line():
    j = stats.parse_last_json(BENCH_STDOUT)
    assert j["model"] == "mlp"
    assert stats.ours_rates(j) == (10240.0, 20480.0)


def test_parse_skips_trailing_noise_and_bad_json():
    out = BENCH_STDOUT + "{not json}\n12:00:01 INFO shutdown hook\n"
    assert stats.parse_last_json(out)["batch_size"] == 1024
    with pytest.raises(ValueError):
        stats.parse_last_json("no json here\n[1, 2]\n")


def test_ours_rates_defensive():
    assert stats.ours_rates({"dp_examples_per_s": 5}) == (5.0, None)
    assert stats.ours_rates({"dp_examples_per_s": "fast", "nonprivate_examples_per_s": True}) == (None, None)
    assert stats.ours_rates({}) == (None, None)


def test_clipped_mean_and_clip_stats():
    grads = [[3.0, 4.0], [0.3, 0.4]]  # norms 5 and 0.5
    m = stats.clipped_mean(grads, 1.0)  # (0.6, 0.8) and (0.3, 0.4) -> mean (0.45, 0.6)
    assert m == pytest.approx([0.45, 0.6])
    s = stats.clip_stats([0.45, 0.6], m)
    assert s["rel_err"] == pytest.approx(0.0, abs=1e-15)
    assert stats.clip_stats([0.9, 1.2], m)["rel_err"] == pytest.approx(1.0)


def gaussian(n, std, seed):
    rng = random.Random(seed)
    return [rng.gauss(0.0, std) for _ in range(n)]


def good_report(d=8000, b=256):
    std = 1.0 / b
    return {
        "clip_runs": [
            {"clip": 1.0, "n": b, "n_clipped": b, "rel_err": 1e-6, "max_clipped_norm": 1.0},
            {"clip": 5.0, "n": b, "n_clipped": b // 2, "rel_err": 1e-6, "max_clipped_norm": 5.0,
             "norms_rel_err": 1e-6},
        ],
        "noise": stats.noise_stats(gaussian(d, std, 1), gaussian(d, std, 2), std),
    }


def test_verdict_accepts_a_real_dp_step():
    ok, reasons = stats.verdict(good_report())
    assert ok, reasons


def test_verdict_refuses_noise_of_the_wrong_scale():
    r = good_report()
    d, b = 8000, 256
    # sigma*C not divided by B (a sum instead of a mean) and no noise at all
    r["noise"] = stats.noise_stats(gaussian(d, 1.0, 1), gaussian(d, 1.0, 2), 1.0 / b)
    ok, reasons = stats.verdict(r)
    assert not ok and any("std_a" in x for x in reasons)
    r["noise"] = stats.noise_stats([0.0] * d, [1e-12] * (d - 1) + [0.0], 1.0 / b)
    assert not stats.verdict(r)[0]


def test_verdict_refuses_noise_off_by_ten_percent():
    d, b = 8000, 256
    r = good_report()
    r["noise"] = stats.noise_stats(gaussian(d, 1.1 / b, 1), gaussian(d, 1.1 / b, 2), 1.0 / b)
    assert not stats.verdict(r)[0]


def test_verdict_refuses_reused_noise():
    d, std = 8000, 1.0 / 256
    a = gaussian(d, std, 1)
    r = good_report()
    r["noise"] = stats.noise_stats(a, a, std)
    ok, reasons = stats.verdict(r)
    assert not ok and any("correlated" in x for x in reasons)


def test_verdict_refuses_unclipped_or_vacuous_checks():
    r = good_report()
    r["clip_runs"][1]["rel_err"] = 0.3  # the step is not the clipped mean
    assert not stats.verdict(r)[0]
    r = good_report()
    for c in r["clip_runs"]:
        c["n_clipped"] = 0
    ok, reasons = stats.verdict(r)
    assert not ok and any("vacuous" in x for x in reasons)
    r = good_report()
    r["clip_runs"][1]["norms_rel_err"] = 0.5
    assert not stats.verdict(r)[0]
    assert not stats.verdict({})[0]


def test_std_tolerance():
    assert stats.std_tolerance(10**8) == stats.STD_REL_TOL_MIN
    assert stats.std_tolerance(200) == pytest.approx(6 / math.sqrt(400))


def rounds_fixture():
    rows = []
    for rnd, (o, p, q) in enumerate([(100, 50, 200), (120, 40, 240), (90, 60, 180)]):
        rows += [
            {"model": "mlp", "batch": 1024, "round": rnd, "side": "opacus", "dp": p, "nonprivate": 2 * p},
            {"model": "mlp", "batch": 1024, "round": rnd, "side": "jax", "dp": q, "nonprivate": None},
            {"model": "mlp", "batch": 1024, "round": rnd, "side": "ours", "dp": o, "nonprivate": 3 * o},
            {"model": "logreg", "batch": 4096, "round": rnd, "side": "ours", "dp": 1, "nonprivate": 2},
            {"model": "logreg", "batch": 4096, "round": rnd, "side": "opacus", "dp": 4, "nonprivate": 8},
        ]
    return rows


def test_summarise_medians_and_ratios():
    s = stats.summarise(rounds_fixture(), ["opacus", "jax"])
    assert [(c["model"], c["batch"]) for c in s] == [("logreg", 4096), ("mlp", 1024)]
    mlp = s[1]
    assert mlp["rounds"] == 3
    assert mlp["ours_dp"] == 100 and mlp["opacus_dp"] == 50 and mlp["opacus_nonprivate"] == 100
    assert mlp["ours_nonprivate"] == 300 and mlp["jax_nonprivate"] is None
    assert mlp["ours_over_opacus"] == pytest.approx(2.0)  # ratios 2, 3, 1.5
    assert mlp["ours_over_jax"] == pytest.approx(0.5)
    assert s[0]["jax_dp"] is None and s[0]["ours_over_jax"] is None


def test_table_format():
    s = stats.summarise(rounds_fixture(), ["opacus", "jax"])
    t = stats.table(s, ["opacus", "jax"]).splitlines()
    assert t[0].startswith("| model | batch | Opacus DP | Opacus non-private | JAX DP")
    assert t[0].endswith("| ours/Opacus DP | ours/JAX DP |")
    assert len(t) == 4
    assert "| mlp | 1024 | 50 | 100 | 200 | — | 100 | 300 | 2.00 | 0.50 |" == t[3]


def test_read_idx(tmp_path):
    p = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(p, "wb") as f:
        f.write(struct.pack(">HBB", 0, 8, 3) + struct.pack(">III", 2, 2, 3) + bytes(range(12)))
    dims, raw = data.read_idx(str(p))
    assert dims == (2, 2, 3) and raw == bytes(range(12))
    bad = tmp_path / "bad"
    bad.write_bytes(struct.pack(">HBB", 0, 8, 1) + struct.pack(">I", 5) + b"abc")
    with pytest.raises(ValueError):
        data.read_idx(str(bad))


def test_cases_are_consistent():
    assert set(cases.OURS_ARGS) == set(cases.MODELS) == set(cases.PARAMS)
    for peer in cases.PEERS:
        assert set(cases.PEER_MODES[peer]) == set(cases.MODELS)
    # our CNN config exists where the launcher will look (relative to the repository root)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert os.path.exists(os.path.join(root, cases.OURS_ARGS["cnn"][-1]))
    json.dumps(cases.PEER_MODES)
