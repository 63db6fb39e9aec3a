"""Summaries of samples: percentiles, medians and ratios as the reports give them."""

from __future__ import annotations

from typing import Any


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary(values: list[float], with_p95: bool = True) -> dict[str, Any]:
    """p50 (and p95), n, mean, min and max of ``values``, rounded for the report."""
    out: dict[str, Any] = {"p50": round(percentile(values, 50), 2)}
    if with_p95:
        out["p95"] = round(percentile(values, 95), 2)
    out["n"] = len(values)
    if values:
        out["mean"] = round(sum(values) / len(values), 3)
        out["min"] = round(min(values), 2)
        out["max"] = round(max(values), 2)
    return out


def ratio(a: dict[str, Any], b: dict[str, Any], key: str = "p50") -> float:
    """``a[key] / b[key]`` of two summaries, NaN when ``b`` has none."""
    return round(a[key] / b[key], 3) if b.get(key) else float("nan")
