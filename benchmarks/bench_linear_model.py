"""W1 / W2: batch gradient descent, pyml's fused kernel vs the NumPy course formula.

W1: linear regression, X (1_000_000 x 16) standardised, y = X w + b + noise,
    100 iterations, learning rate 0.1. Time per iteration; final cost J.
W2: logistic regression, labels from a logistic model, 100 iterations,
    learning rate 1.0. Time per iteration; final log-loss.
W1w / W2w: the same fits through the estimators (LinearRegression / LogisticRegression, solver="gd",
    tol=0), unweighted and with sample_weight (random weights in [0, 2)): the cost of the weighted
    kernel path next to the unweighted one (both include the estimators' input checks).
Floor: one read pass over X (NumPy X.sum(), split across the threads).
Run:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run.py -k linear_model
"""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from _bench_common import thread_limits as blas_limits
import pytest

from pyml.linear_model import LinearRegression, LogisticRegression, gradient_descent

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")
N = 20_000 if SMALL else 1_000_000
D = 16
ITERS = 100
THREADS = [1, 2]
DTYPES = [np.float64, np.float32]
ROUNDS = 3


def _data(kind, dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D))
    X = (X - X.mean(0)) / X.std(0)
    w = rng.standard_normal(D)
    if kind == "linear":
        y = X @ w + 0.5 + 0.5 * rng.standard_normal(N)
    else:
        y = (rng.random(N) < 1 / (1 + np.exp(-(X @ w * 0.5 + 0.5)))).astype(np.float64)
    return np.ascontiguousarray(X, dtype=dtype), y.astype(dtype)


_CACHE = {}


def data(kind, dtype):
    key = (kind, dtype)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _data(kind, dtype)
    return _CACHE[key]


def numpy_gd(X, y, alpha, iters, logistic):
    """The course's vectorised formula (reads X twice per iteration)."""
    m, n = X.shape
    w = np.zeros(n, dtype=X.dtype)
    b = 0.0
    for _ in range(iters):
        z = X @ w + b
        f = 1 / (1 + np.exp(-z)) if logistic else z
        err = f - y
        w = w - alpha * (X.T @ err) / m
        b = b - alpha * err.mean()
    z = X @ w + b
    if logistic:
        f = np.clip(1 / (1 + np.exp(-z)), 1e-15, 1 - 1e-15)
        return float(np.mean(-y * np.log(f) - (1 - y) * np.log(1 - f)))
    return float(np.mean((z - y) ** 2) / 2)


def read_floor(X, threads):
    if threads == 1:
        return float(X.sum())
    parts = np.array_split(X, threads)
    with ThreadPoolExecutor(threads) as ex:
        return float(sum(ex.map(np.sum, parts)))


WORKLOADS = [("W1", "linear", 0.1), ("W2", "logistic", 1.0)]


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("workload,kind,alpha", WORKLOADS, ids=["W1", "W2"])
def bench_pyml_gd(benchmark, record, workload, kind, alpha, dtype, threads):
    X, y = data(kind, dtype)
    w0 = np.zeros(D, dtype=dtype)
    res = benchmark.pedantic(gradient_descent, args=(X, y, w0, 0.0, alpha, ITERS),
                             kwargs=dict(model=kind, n_jobs=threads), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    record(benchmark, workload, "pyml", threads, np.dtype(dtype).name, float(res.J_history[-1]), ITERS)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("workload,kind,alpha", WORKLOADS, ids=["W1", "W2"])
def bench_pyml_estimator_gd(benchmark, record, workload, kind, alpha, dtype, weighted, threads):
    X, y = data(kind, dtype)
    sw = np.random.default_rng(1).random(N) * 2 if weighted else None
    cls = LinearRegression if kind == "linear" else LogisticRegression
    est = cls(solver="gd", learning_rate=alpha, max_iter=ITERS, tol=0.0, reg_lambda=0.0, n_jobs=threads)
    benchmark.pedantic(lambda: est.fit(X, y, sample_weight=sw), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    variant = np.dtype(dtype).name + (", sample_weight" if weighted else "")
    record(benchmark, workload + "w", f"pyml {cls.__name__}(gd)", threads, variant, float(est.cost_history_[-1]),
           ITERS)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("workload,kind,alpha", WORKLOADS, ids=["W1", "W2"])
def bench_numpy_gd(benchmark, record, workload, kind, alpha, dtype, threads):
    X, y = data(kind, dtype)
    with blas_limits(threads):
        cost = benchmark.pedantic(numpy_gd, args=(X, y, alpha, ITERS, kind == "logistic"), rounds=ROUNDS,
                                  iterations=1, warmup_rounds=1)
    record(benchmark, workload, "numpy", threads, np.dtype(dtype).name, cost, ITERS)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def bench_read_floor(benchmark, record, dtype, threads):
    X, _ = data("linear", dtype)
    benchmark.pedantic(read_floor, args=(X, threads), rounds=10, iterations=1, warmup_rounds=1)
    record(benchmark, "W1", "floor (one read of X)", threads, np.dtype(dtype).name, None, 1)


@pytest.mark.parametrize("threads", THREADS)
def bench_torch_gd(benchmark, record, threads):
    torch = pytest.importorskip("torch")
    X, y = data("linear", np.float64)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    torch.set_num_threads(threads)

    def loop():
        w = torch.zeros(D, dtype=torch.float64)
        b = 0.0
        for _ in range(ITERS):
            err = Xt @ w + b - yt
            w = w - 0.1 * (Xt.T @ err) / N
            b = b - 0.1 * float(err.mean())
        return float(((Xt @ w + b - yt) ** 2).mean() / 2)

    cost = benchmark.pedantic(loop, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    record(benchmark, "W1", "torch", threads, "float64", cost, ITERS)


@pytest.mark.parametrize("threads", THREADS)
def bench_sklearn_logistic(benchmark, record, threads):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = data("logistic", np.float64)
    with blas_limits(threads):
        model = benchmark.pedantic(lambda: sk.LogisticRegression(C=1e6, max_iter=1000).fit(X, y), rounds=1,
                                   iterations=1)
    from pyml.metrics import log_loss

    record(benchmark, "W2 (fit to optimum, context)", "sklearn lbfgs", threads, "float64",
           log_loss(y, model.predict_proba(X)[:, 1]), 1)
