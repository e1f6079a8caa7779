"""W-dask (issue 11): pyml.dask vs dask-ml on a LocalCluster, side by side in one run.

(a) Lloyd iterations: ``pyml.dask.KMeans`` vs ``dask_ml.cluster.KMeans`` from the same initial
    centres (32 rows drawn with ``np.random.default_rng(0).choice(n, 32, replace=False)``),
    ``max_iter=10``, ``tol=0``: time per iteration and final inertia of both.
(b) Gradient-descent iterations of binary logistic regression: ``pyml.dask.LogisticRegression(solver="gd")``
    vs ``dask_ml.linear_model.LogisticRegression(solver="gradient_descent")`` (dask-glm; its line
    search makes several passes per iteration), ``max_iter=10``: time per iteration (fit / max_iter).
(d) Larger than memory: KMeans on X = da.random chunks generated on workers whose memory limits add up to
    a third of X (X stays lazy: regenerated on the workers each pass, never on the client).
(c) Overhead: the same pyml fit in memory with 2 OpenMP threads (recorded as the peer
    "in-memory 2 threads", so ``run.py``'s ratio is the distributed overhead).
(e) k-means|| initialisation on the cluster (K = 32 centres): ``pyml.dask.kmeans_parallel`` (its defaults:
    l = 2K rows per round, 5 rounds, weighted k-means++ + Lloyd on the candidates) vs dask-ml's
    ``init_scalable`` with its defaults (l = 2, round(log(cost)) rounds, unweighted scikit-learn KMeans on the
    candidates) and with pyml's l = 2K and 5 rounds; quality = inertia of the initial centres (same formula
    for both). The in-memory greedy k-means++ (2 threads) is recorded as a reference peer.

Cluster: ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` on 127.0.0.1; X is
persisted on the workers before timing (both sides). Data: 2_000_000 x 16 float64 Gaussian blobs
(``PYML_BENCH_SMALL=1``: 20_000 x 16), 8 row chunks.

Run:  python benchmarks/run.py -k bench_dask        (smoke: PYML_BENCH_SMALL=1 ...)
"""
import os

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="bench_dask needs dask[distributed]: pip install 'pyml[dask]'")
pytest.importorskip("dask.distributed")

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")
N = 20_000 if SMALL else 2_000_000
D, K, ITERS, CHUNKS = 16, 32, 10, 8
WORKERS = 2

_cache = {}


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=40)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


def _data():
    if "X" not in _cache:
        rng = np.random.default_rng(0)
        centres = rng.normal(scale=5.0, size=(K, D))
        X = centres[rng.integers(0, K, N)] + rng.normal(size=(N, D))
        y = (X @ rng.normal(size=D) + rng.normal(size=N) > 0).astype(np.float64)
        init = X[np.random.default_rng(0).choice(N, K, replace=False)].copy()
        _cache["X"] = (X, y, init)
    return _cache["X"]


def _dask_data(client):
    if "Xd" not in _cache:
        X, y, _ = _data()
        rows = -(-N // CHUNKS)
        Xd = da.from_array(X, chunks=(rows, D)).persist()
        yd = da.from_array(y, chunks=(rows,)).persist()
        _cache["Xd"] = (Xd, yd)
    return _cache["Xd"]


def _inertia(X, C):
    """sum_i min_j ||x_i - c_j||^2 with pyml's assignment kernel."""
    from pyml.cluster import _cluster_kernels

    _, dist = _cluster_kernels.assign(np.ascontiguousarray(X), np.ascontiguousarray(C, dtype=X.dtype), False, 2)
    return float(dist.sum(dtype=np.float64))


# ---- (a) Lloyd ---------------------------------------------------------------------------------------------
def test_dask_a_pyml_kmeans(benchmark, record, client):
    import pyml.dask

    Xd, _ = _dask_data(client)
    _, _, init = _data()
    est = pyml.dask.KMeans(K, init=init, n_init=1, max_iter=ITERS, tol=0.0)
    km = benchmark.pedantic(est.fit, args=(Xd,), rounds=2, iterations=1)
    benchmark.extra_info.update({"n_iter": km.n_iter_, "inertia": km.inertia_})
    record(benchmark, "Wdask-a Lloyd iteration", "pyml.dask", WORKERS, "float64",
           f"inertia {km.inertia_:.6e}, n_iter {km.n_iter_}", km.n_iter_)


def test_dask_a_dask_ml_kmeans(benchmark, record, client):
    dml = pytest.importorskip("dask_ml.cluster", reason="dask-ml not installed: no peer")
    Xd, _ = _dask_data(client)
    _, _, init = _data()
    est = dml.KMeans(K, init=init, max_iter=ITERS, tol=0.0)
    km = benchmark.pedantic(est.fit, args=(Xd,), rounds=2, iterations=1)
    n_iter = int(getattr(km, "n_iter_", ITERS))
    # dask-ml's own inertia_ is on another scale: score its centres with the same formula as pyml's
    inertia = _inertia(_data()[0], km.cluster_centers_)
    benchmark.extra_info.update({"n_iter": n_iter, "inertia": inertia, "dask_ml_inertia_attr": float(km.inertia_)})
    record(benchmark, "Wdask-a Lloyd iteration", "dask-ml", WORKERS, "float64",
           f"inertia {inertia:.6e}, n_iter {n_iter}", n_iter)


def test_dask_a_in_memory_kmeans(benchmark, record):
    from pyml.cluster import KMeans

    X, _, init = _data()
    est = KMeans(K, init=init, n_init=1, max_iter=ITERS, tol=0.0, n_jobs=2)
    km = benchmark.pedantic(est.fit, args=(X,), rounds=2, iterations=1)
    record(benchmark, "Wdask-a Lloyd iteration", "in-memory pyml 2 threads", WORKERS, "float64",
           f"inertia {km.inertia_:.6e}, n_iter {km.n_iter_}", km.n_iter_)


# ---- (b) gradient descent ----------------------------------------------------------------------------------
def test_dask_b_pyml_logistic_gd(benchmark, record, client):
    import pyml.dask

    Xd, yd = _dask_data(client)
    est = pyml.dask.LogisticRegression(solver="gd", learning_rate=0.1, max_iter=ITERS, tol=0.0, reg_lambda=1.0)
    m = benchmark.pedantic(est.fit, args=(Xd, yd), rounds=2, iterations=1)
    record(benchmark, "Wdask-b GD iteration (logistic)", "pyml.dask", WORKERS, "float64",
           f"cost {m.cost_history_[-1]:.6e}, n_iter {m.n_iter_}", m.n_iter_)


def test_dask_b_dask_ml_logistic_gd(benchmark, record, client):
    dml = pytest.importorskip("dask_ml.linear_model", reason="dask-ml not installed: no peer")
    Xd, yd = _dask_data(client)
    # C = 1 is pyml's reg_lambda = 1 (the same objective up to the 1/m factor)
    est = dml.LogisticRegression(solver="gradient_descent", max_iter=ITERS, tol=1e-12, C=1.0)
    m = benchmark.pedantic(est.fit, args=(Xd, yd), rounds=2, iterations=1)
    acc = float((m.predict(Xd).compute() == yd.compute()).mean())
    record(benchmark, "Wdask-b GD iteration (logistic)", "dask-ml", WORKERS, "float64",
           f"train accuracy {acc:.4f} (max_iter {ITERS})", ITERS)


def test_dask_b_in_memory_logistic_gd(benchmark, record):
    from pyml.linear_model import LogisticRegression

    X, y, _ = _data()
    est = LogisticRegression(solver="gd", learning_rate=0.1, max_iter=ITERS, tol=0.0, reg_lambda=1.0, n_jobs=2)
    m = benchmark.pedantic(est.fit, args=(X, y), rounds=2, iterations=1)
    record(benchmark, "Wdask-b GD iteration (logistic)", "in-memory pyml 2 threads", WORKERS, "float64",
           f"cost {m.cost_history_[-1]:.6e}, n_iter {m.n_iter_}", m.n_iter_)


# ---- (d) larger than the workers' memory --------------------------------------------------------------------
def test_dask_d_pyml_kmeans_larger_than_memory(benchmark, record):
    """X generated chunk by chunk on the workers (da.random), 3x larger than their memory limits together:
    pyml.dask keeps it lazy (regenerated every pass) and never materialises it on the client."""
    from dask.distributed import Client, LocalCluster

    import pyml.dask

    # a worker process needs ~200 MiB for itself; the smoke run only checks that the lazy path works
    limit = 600 * 2**20
    n = N // 2 if SMALL else (3 * WORKERS * limit) // (D * 8)  # full: X = 3x the workers' memory, 3.5 GiB
    nbytes = n * D * 8
    with LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40, memory_limit=limit) as cluster, Client(cluster):
        X = da.random.RandomState(0).normal(size=(n, D), chunks=(max(1, n // (4 * CHUNKS)), D))
        init = np.random.default_rng(0).normal(size=(K, D))
        est = pyml.dask.KMeans(K, init=init, n_init=1, max_iter=3, tol=0.0)
        km = benchmark.pedantic(est.fit, args=(X,), rounds=1, iterations=1)
    benchmark.extra_info.update({"n_rows": n, "gib": nbytes / 2**30, "worker_memory_limit": limit})
    record(benchmark, "Wdask-d Lloyd iteration, X > workers' memory", "pyml.dask", WORKERS, "float64",
           f"inertia {km.inertia_:.6e}, n_iter {km.n_iter_}, {nbytes / 2**30:.2f} GiB", km.n_iter_)


# ---- (e) k-means|| initialisation ---------------------------------------------------------------------------
def test_dask_e_pyml_kmeans_parallel_init(benchmark, record, client):
    import pyml.dask

    Xd, _ = _dask_data(client)
    C = benchmark.pedantic(pyml.dask.kmeans_parallel, args=(Xd, K), kwargs=dict(random_state=0), rounds=2,
                           iterations=1)
    q = _inertia(_data()[0], C)
    benchmark.extra_info.update({"init_inertia": q})
    record(benchmark, "Wdask-e k-means|| init", "pyml.dask", WORKERS, "float64", f"init inertia {q:.6e}")


@pytest.mark.parametrize("setting", ["defaults", "l=2K, 5 rounds"])
def test_dask_e_dask_ml_kmeans_parallel_init(benchmark, record, client, setting):
    dml = pytest.importorskip("dask_ml.cluster.k_means", reason="dask-ml not installed: no peer")
    from dask_ml.utils import check_random_state

    Xd, _ = _dask_data(client)
    kw = {} if setting == "defaults" else dict(oversampling_factor=2 * K, max_iter=5)

    def run():
        return dml.init_scalable(Xd, K, random_state=check_random_state(0), **kw)

    C = benchmark.pedantic(run, rounds=2, iterations=1)
    q = _inertia(_data()[0], C)
    benchmark.extra_info.update({"init_inertia": q})
    record(benchmark, "Wdask-e k-means|| init", f"dask-ml ({setting})", WORKERS, "float64", f"init inertia {q:.6e}")


def test_dask_e_in_memory_kmeanspp_init(benchmark, record):
    from pyml.cluster import kmeans_plusplus

    X = _data()[0]
    C, _ = benchmark.pedantic(kmeans_plusplus, args=(X, K), kwargs=dict(random_state=0, n_jobs=2), rounds=2,
                              iterations=1)
    q = _inertia(X, C)
    record(benchmark, "Wdask-e k-means|| init", "in-memory pyml k-means++ 2 threads", WORKERS, "float64",
           f"init inertia {q:.6e}")
