"""W7 (BENCHMARKS.md): Gaussian anomaly detection, pyml vs the NumPy course formula and scipy.

* density: fit the per-feature mean/variance of X float64 (1_000_000 x 16) and
  compute p(x) for every row — pyml (C kernels, log-density) vs the lab's NumPy
  ``estimate_gaussian`` + ``multivariate_gaussian`` and
  ``scipy.stats.multivariate_normal(mu, diag(var)).pdf``. The floor (one
  read pass over X, ``X.sum()``) is recorded too.
* threshold: select epsilon by F1 on a 100_000-row validation set with 1%
  anomalies — pyml ``select_threshold`` (same 1000-step linear grid, same
  answer) vs the lab's loop; the F1 of the linear grid, the log grid and the
  exact scan are recorded.

Data: ``pyml.datasets.make_server_metrics(n_features=16)`` with fixed seeds.
``PYML_BENCH_SMALL=1`` uses 50_000 / 10_000 rows.
Run:  pytest benchmarks/bench_anomaly.py   (NumPy comparison: unset
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for that command only).
"""
import os

import numpy as np
from _bench_common import best_of as _best_of, thread_limits as _limits
import pytest

from pyml.anomaly import GaussianAnomalyDetector, select_threshold
from pyml.datasets import make_server_metrics

SMALL = os.environ.get("PYML_BENCH_SMALL") == "1"
N, N_VAL, D = (50_000, 10_000, 16) if SMALL else (1_000_000, 100_000, 16)
THREADS = [1, 2]
_cache = {}


def _data():
    if "data" not in _cache:
        X, _ = make_server_metrics(N, random_state=0, anomaly_fraction=0.0, n_features=D)
        Xv, yv = make_server_metrics(N_VAL, random_state=1, anomaly_fraction=0.01, n_features=D)
        _cache["data"] = (np.ascontiguousarray(X), np.ascontiguousarray(Xv), yv)
    return _cache["data"]


# --- the lab's NumPy code (the peer) ---------------------------------------------

def course_estimate_gaussian(X):
    m, n = X.shape
    mu = 1 / m * np.sum(X, axis=0)
    var = 1 / m * np.sum((X - mu) ** 2, axis=0)
    return mu, var


def course_multivariate_gaussian(X, mu, var):
    k = len(mu)
    if var.ndim == 1:
        var = np.diag(var)
    X = X - mu
    return (2 * np.pi) ** (-k / 2) * np.linalg.det(var) ** (-0.5) * np.exp(
        -0.5 * np.sum(np.matmul(X, np.linalg.pinv(var)) * X, axis=1))


def course_select_threshold(y_val, p_val):
    best_epsilon = best_F1 = 0
    step_size = (max(p_val) - min(p_val)) / 1000
    with np.errstate(invalid="ignore", divide="ignore"):
        for epsilon in np.arange(min(p_val), max(p_val), step_size):
            predictions = p_val < epsilon
            tp = np.sum((predictions == 1) & (y_val == 1))
            fp = np.sum((predictions == 1) & (y_val == 0))
            fn = np.sum((predictions == 0) & (y_val == 1))
            prec = tp / (tp + fp)
            rec = tp / (tp + fn)
            F1 = 2 * prec * rec / (prec + rec)
            if F1 > best_F1:
                best_F1, best_epsilon = F1, epsilon
    return best_epsilon, best_F1


def _numpy_density(X):
    mu, var = course_estimate_gaussian(X)
    return course_multivariate_gaussian(X, mu, var)


def _scipy_density(X):
    from scipy.stats import multivariate_normal

    mu, var = X.mean(0), X.var(0)
    return multivariate_normal(mu, np.diag(var)).pdf(X)


def _pyml_density(X, threads):
    return GaussianAnomalyDetector(n_jobs=threads).fit(X).density(X)


@pytest.mark.parametrize("threads", THREADS)
def test_w7_density_pyml(benchmark, record, threads):
    X, _, _ = _data()
    p = benchmark.pedantic(_pyml_density, args=(X, threads), rounds=5, iterations=1)
    t, _ = _best_of(lambda: _pyml_density(X, threads), 5)
    with _limits(threads):
        tn, pn = _best_of(lambda: _numpy_density(X))
        info = {"seconds": t, "numpy_seconds": tn, "ratio_vs_numpy": t / tn,
                "max_rel_diff_vs_numpy": float(np.max(np.abs(p - pn) / np.maximum(pn, 1e-300)))}
        try:
            ts, _ = _best_of(lambda: _scipy_density(X))
            info.update({"scipy_seconds": ts, "ratio_vs_scipy": t / ts})
        except ImportError:
            pass
    info["floor_seconds"] = _best_of(lambda: X.sum(), 5)[0]
    benchmark.extra_info.update(info)
    record(benchmark, "W7 density", "pyml", threads, "float64", None)


@pytest.mark.parametrize("threads", THREADS)
def test_w7_density_floor(benchmark, record, threads):
    X, _, _ = _data()
    benchmark.pedantic(X.sum, rounds=5, iterations=1)
    record(benchmark, "W7 density", "floor (one read of X, 1 thread)", threads, "float64", None)


@pytest.mark.parametrize("threads", THREADS)
def test_w7_density_numpy_course(benchmark, record, threads):
    X, _, _ = _data()
    with _limits(threads):
        benchmark.pedantic(_numpy_density, args=(X,), rounds=3, iterations=1)
    record(benchmark, "W7 density", "numpy course formula", threads, "float64", None)


@pytest.mark.parametrize("threads", THREADS)
def test_w7_density_scipy(benchmark, record, threads):
    pytest.importorskip("scipy.stats")
    X, _, _ = _data()
    with _limits(threads):
        benchmark.pedantic(_scipy_density, args=(X,), rounds=3, iterations=1)
    record(benchmark, "W7 density", "scipy multivariate_normal", threads, "float64", None)


def _p_val():
    if "p_val" not in _cache:
        X, Xv, yv = _data()
        det = GaussianAnomalyDetector().fit(X)
        _cache["p_val"] = (det.density(Xv), det.score_samples(Xv), yv)
    return _cache["p_val"]


def test_w7_threshold_pyml(benchmark, record):
    p_val, logp_val, y_val = _p_val()
    eps, f1 = benchmark(select_threshold, y_val, p_val)
    f1_exact = select_threshold(y_val, logp_val, method="exact")[1]
    record(benchmark, "W7 threshold (linear grid)", "pyml", 1, "float64",
           f"F1 {f1:.3f} (exact scan {f1_exact:.3f})")
    t, _ = _best_of(lambda: select_threshold(y_val, p_val), 5)
    tc, (eps_c, f1_c) = _best_of(lambda: course_select_threshold(y_val, p_val), 2)
    benchmark.extra_info.update({
        "seconds": t, "course_loop_seconds": tc, "ratio_vs_course_loop": t / tc,
        "epsilon": eps, "f1_linear_grid": f1, "course_epsilon": float(eps_c), "course_f1": float(f1_c),
        "same_answer": bool(eps == eps_c and f1 == f1_c),
        "f1_log_grid": select_threshold(y_val, p_val, method="log-grid")[1],
        "f1_exact": select_threshold(y_val, logp_val, method="exact")[1],
    })


def test_w7_threshold_course_loop(benchmark, record):
    p_val, _, y_val = _p_val()
    _, f1 = benchmark.pedantic(course_select_threshold, args=(y_val, p_val), rounds=2, iterations=1)
    benchmark.extra_info["f1"] = float(f1)
    record(benchmark, "W7 threshold (linear grid)", "course loop", 1, "float64", f"F1 {float(f1):.3f}")
