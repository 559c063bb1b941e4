"""Medians, ratios, the table, our bench's JSON and the statistics of the peers' DP checks.

Pure Python on purpose: the tests run in a venv that has pytest only.
"""

import json
import math


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def median_ratio(ours, peer):
    """Median over rounds of ours[r] / peer[r]: rounds are interleaved pairs (A B A B ...), so each
    ratio compares two measurements taken back to back, under the same load of a shared machine."""
    return median(ratio(a, b) for a, b in zip(ours, peer))


def parse_last_json(stdout):
    """The last line of stdout that is a JSON object (our `dpsgd bench` prints it last; log lines
    may follow on some setups, so search backwards)."""
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    raise ValueError("no JSON object line in the output")


def _number(d, *keys):
    for k in keys:
        v = d.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            return float(v)
    return None


def ours_rates(bench_json):
    """(DP, non-private) examples/s from our bench's JSON, read defensively: missing or renamed
    keys give None rather than an error."""
    dp = _number(bench_json, "dp_examples_per_s", "dp_examples_per_second")
    plain = _number(bench_json, "nonprivate_examples_per_s", "non_private_examples_per_s")
    return dp, plain


# ---------------------------------------------------------------- DP checks (see README.md)

def l2(xs):
    return math.sqrt(math.fsum(x * x for x in xs))


def clip_stats(step, expected):
    """A DP step with noise 0 against the mean of independently clipped per-example gradients:
    relative error ||step - expected|| / ||expected||."""
    if len(step) != len(expected):
        raise ValueError(f"{len(step)} coordinates against {len(expected)}")
    diff = l2([a - b for a, b in zip(step, expected)])
    return {"rel_err": diff / max(l2(expected), 1e-30), "norm": l2(step), "norm_expected": l2(expected)}


def clipped_mean(grads, clip):
    """Mean of per-example gradients (lists), each scaled to norm at most clip."""
    n = len(grads)
    out = [0.0] * len(grads[0])
    for g in grads:
        s = min(1.0, clip / max(l2(g), 1e-30))
        for j, x in enumerate(g):
            out[j] += s * x / n
    return out


def noise_stats(noise_a, noise_b, expected_std):
    """Two noise draws of one step (DP step minus its noiseless value, from the same weights on
    the same batch): their per-coordinate std against sigma * C / B, their means and correlation."""
    d = len(noise_a)
    if d != len(noise_b) or d < 2:
        raise ValueError("two noise vectors of the same length >= 2 are needed")

    def mean(xs):
        return math.fsum(xs) / d

    ma, mb = mean(noise_a), mean(noise_b)
    sa = math.sqrt(math.fsum((x - ma) ** 2 for x in noise_a) / (d - 1))
    sb = math.sqrt(math.fsum((x - mb) ** 2 for x in noise_b) / (d - 1))
    cov = math.fsum((x - ma) * (y - mb) for x, y in zip(noise_a, noise_b)) / (d - 1)
    return {
        "d": d,
        "expected_std": expected_std,
        "std_a": sa,
        "std_b": sb,
        "mean_a": ma,
        "mean_b": mb,
        "corr": cov / max(sa * sb, 1e-300),
    }


CLIP_REL_TOL = 2e-3
NORMS_REL_TOL = 2e-3
STD_REL_TOL_MIN = 0.03
Z = 6.0


def std_tolerance(d):
    """Relative tolerance on a std estimated from d Gaussian coordinates: the estimate's relative
    standard error is about 1/sqrt(2d); allow Z = 6 of them, and at least 3 %."""
    return max(STD_REL_TOL_MIN, Z / math.sqrt(2 * d))


def verdict(check):
    """(ok, reasons) for a peer's check report (the JSON its --check prints)."""
    reasons = []
    clips = check.get("clip_runs") or []
    if not clips:
        reasons.append("no clipping run")
    if clips and not any(c.get("n_clipped", 0) > 0 for c in clips):
        reasons.append("no example was clipped in any clipping run: the check is vacuous")
    if clips and not any(c.get("n_clipped", 0) < c.get("n", 0) for c in clips):
        reasons.append("every example was clipped in every run: the unclipped branch is unchecked")
    for c in clips:
        if not (c.get("rel_err", math.inf) <= CLIP_REL_TOL):
            reasons.append(
                f"C={c.get('clip')}: DP step differs from the clipped mean by {c.get('rel_err')}"
                f" (relative; tolerance {CLIP_REL_TOL})"
            )
        if c.get("max_clipped_norm", 0) > c.get("clip", 0) * (1 + CLIP_REL_TOL):
            reasons.append(f"C={c.get('clip')}: a clipped gradient has norm {c['max_clipped_norm']}")
        if "norms_rel_err" in c and not (c["norms_rel_err"] <= NORMS_REL_TOL):
            reasons.append(
                f"C={c.get('clip')}: the peer's own per-example norms differ from the reference by"
                f" {c['norms_rel_err']} (relative)"
            )
    n = check.get("noise")
    if not n:
        reasons.append("no noise run")
    else:
        tol = std_tolerance(n["d"])
        for key in ("std_a", "std_b"):
            rel = abs(n[key] / n["expected_std"] - 1)
            if not rel <= tol:
                reasons.append(
                    f"noise {key} = {n[key]:.4g}, expected sigma*C/B = {n['expected_std']:.4g}"
                    f" (off by {rel:.1%}, tolerance {tol:.1%})"
                )
        mean_tol = Z * n["expected_std"] / math.sqrt(n["d"])
        for key in ("mean_a", "mean_b"):
            if not abs(n[key]) <= mean_tol:
                reasons.append(f"noise {key} = {n[key]:.3g} (tolerance {mean_tol:.3g})")
        if not abs(n["corr"]) <= Z / math.sqrt(n["d"]):
            reasons.append(f"the two draws are correlated ({n['corr']:.3g}): noise not fresh")
    return not reasons, reasons


# ---------------------------------------------------------------- the table

def summarise(rounds, peers):
    """Per case (model, batch): medians over rounds of every rate, and median per-round ratios.

    rounds: list of {"model", "batch", "round", "side" ("ours" or a peer), "dp", "nonprivate"}.
    """
    cases = []
    for key in sorted({(r["model"], r["batch"]) for r in rounds}, key=_case_order):
        model, batch = key
        rows = [r for r in rounds if (r["model"], r["batch"]) == key]

        def series(side, field):
            by_round = {r["round"]: r.get(field) for r in rows if r["side"] == side}
            return [by_round.get(i) for i in sorted({r["round"] for r in rows})]

        case = {"model": model, "batch": batch, "rounds": len({r["round"] for r in rows})}
        ours_dp = series("ours", "dp")
        case["ours_dp"] = median(ours_dp)
        case["ours_nonprivate"] = median(series("ours", "nonprivate"))
        case["ours_dp_rounds"] = ours_dp
        for p in peers:
            dp = series(p, "dp")
            case[p + "_dp"] = median(dp)
            case[p + "_nonprivate"] = median(series(p, "nonprivate"))
            case[p + "_dp_rounds"] = dp
            case["ours_over_" + p] = median_ratio(ours_dp, dp)
        cases.append(case)
    return cases


def _case_order(key):
    model, batch = key
    order = {"logreg": 0, "mlp": 1, "cnn": 2}
    return (order.get(model, 9), model, batch)


def _fmt(x, ratio_=False):
    if x is None:
        return "—"
    return f"{x:.2f}" if ratio_ else f"{x:,.0f}"


PEER_LABELS = {"opacus": "Opacus", "jax": "JAX", "tf": "TF Privacy"}


def table(cases, peers, notes=None):
    """A Markdown table: examples/s (medians over rounds) and ours/peer (median of per-round
    ratios), DP unless the column says non-private."""
    head = ["model", "batch"]
    for p in peers:
        label = PEER_LABELS.get(p, p)
        head += [f"{label} DP", f"{label} non-private"]
    head += ["ours DP", "ours non-private"]
    head += [f"ours/{PEER_LABELS.get(p, p)} DP" for p in peers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in cases:
        model = c["model"] + (notes.get(c["model"], "") if notes else "")
        row = [model, str(c["batch"])]
        for p in peers:
            row += [_fmt(c.get(p + "_dp")), _fmt(c.get(p + "_nonprivate"))]
        row += [_fmt(c.get("ours_dp")), _fmt(c.get("ours_nonprivate"))]
        row += [_fmt(c.get("ours_over_" + p), True) for p in peers]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)
