"""PCA (issue 9; the item-vector plot's projection): pyml ``PCA.fit`` vs scikit-learn's ``PCA.fit``,
same data, same solver, side by side in one run, 1 and 2 threads, float64 and float32.

PCA-tall: X (200_000 x 64), decaying spectrum, n_components=10, svd_solver="full"
          (pyml: C scatter matrix + eigh; scikit-learn picks covariance_eigh for auto, here "full" = LAPACK SVD,
          so the peer row is scikit-learn's best of "full" and "covariance_eigh").
PCA-wide: X (5_000 x 2_000), n_components=20, svd_solver="randomized", random_state=0 (same Gaussian draws).

Quality: the summed explained_variance_ratio_ of the kept components (equal on both sides).
Run:  python benchmarks/run.py -k decomposition      (PYML_BENCH_SMALL=1 for a smoke run)
"""
import os

import numpy as np
import pytest
from _bench_common import thread_limits

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")
WORKLOADS = {
    "PCA-tall": dict(n=5_000 if SMALL else 200_000, d=64, k=10, solvers=("full", "covariance_eigh")),
    "PCA-wide": dict(n=400 if SMALL else 5_000, d=300 if SMALL else 2_000, k=20, solvers=("randomized",)),
}
ROUNDS = 1 if SMALL else 3
THREADS = [1, 2]
DTYPES = ["float64", "float32"]
_CACHE = {}


def data(name, dtype):
    key = (name, dtype)
    if key not in _CACHE:
        w = WORKLOADS[name]
        rng = np.random.default_rng(0)
        X = rng.standard_normal((w["n"], w["d"])) * np.geomspace(5.0, 0.05, w["d"]) + 3.0
        _CACHE[key] = np.ascontiguousarray(X, dtype=dtype)
    return _CACHE[key]


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(WORKLOADS))
def bench_pyml_pca(benchmark, record, name, dtype, threads):
    from pyml.decomposition import PCA

    w, X = WORKLOADS[name], data(name, dtype)
    solver = "full" if name == "PCA-tall" else "randomized"
    pca = PCA(w["k"], svd_solver=solver, random_state=0, n_jobs=threads)
    with thread_limits(threads):  # the small LAPACK step
        benchmark.pedantic(lambda: pca.fit(X), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    record(benchmark, name, "pyml", threads, dtype, float(pca.explained_variance_ratio_.sum()))


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(WORKLOADS))
def bench_sklearn_pca(benchmark, record, name, dtype, threads):
    sk = pytest.importorskip("sklearn.decomposition", reason="scikit-learn not installed: no peer row")
    import time

    w, X = WORKLOADS[name], data(name, dtype)
    # the peer's fastest exact solver for this shape, chosen once outside the timing
    best, best_solver = np.inf, None
    with thread_limits(threads):
        for solver in w["solvers"]:
            t0 = time.perf_counter()
            sk.PCA(w["k"], svd_solver=solver, random_state=0).fit(X)
            if time.perf_counter() - t0 < best:
                best, best_solver = time.perf_counter() - t0, solver
        pca = sk.PCA(w["k"], svd_solver=best_solver, random_state=0)
        benchmark.pedantic(lambda: pca.fit(X), rounds=ROUNDS, iterations=1, warmup_rounds=0)
    record(benchmark, name, f"sklearn {best_solver}", threads, dtype, float(pca.explained_variance_ratio_.sum()))
