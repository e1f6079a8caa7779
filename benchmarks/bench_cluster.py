"""W6 (BENCHMARKS.md): k-means, pyml vs scikit-learn, side by side in one run.

(a) Lloyd iterations from the same initial centres on both sides — 32 rows
    drawn with ``np.random.default_rng(0).choice(n, 32, replace=False)`` —
    ``max_iter=20``, ``tol=0``: time per iteration (fit time / n_iter_) and
    final inertia. pyml lloyd and hamerly; scikit-learn lloyd and elkan.
(b) k-means++ seeding alone: pyml ``kmeans_plusplus`` vs
    ``sklearn.cluster.kmeans_plusplus`` (potential of the seeds as quality).

Data: ``make_blobs(n_samples=500_000, n_features=16, centers=32, random_state=0)``
(scikit-learn's generator when installed, else pyml's), float64 and float32,
1 and 2 threads. ``PYML_BENCH_SMALL=1`` uses 20_000 rows for a smoke run.

Run:  pytest benchmarks/bench_cluster.py --benchmark-columns=min,mean,rounds
Each pyml test records in ``extra_info``: ms per iteration, n_iter, inertia,
the peer's ms per iteration and inertia measured in the same process, and the
ratio pyml / best peer (lower is better).
"""
import os

import numpy as np
from _bench_common import best_of as _best_of, thread_limits as _limits
import pytest

from pyml.cluster import KMeans, kmeans_plusplus

SMALL = os.environ.get("PYML_BENCH_SMALL") == "1"
N = 20_000 if SMALL else 500_000
D, K, ITERS = 16, 32, 20
THREADS = [1, 2]
DTYPES = [np.float64, np.float32]

_cache = {}


def _data(dtype):
    key = ("X", np.dtype(dtype).name)
    if key not in _cache:
        try:
            from sklearn.datasets import make_blobs
        except ImportError:
            from pyml.datasets import make_blobs
        X, _ = make_blobs(n_samples=N, n_features=D, centers=K, random_state=0)
        X = np.ascontiguousarray(X, dtype=dtype)
        init = X[np.random.default_rng(0).choice(N, K, replace=False)].copy()
        _cache[key] = (X, init)
    return _cache[key]


def _sklearn_lloyd_peer(dtype, threads):
    """Best scikit-learn time per iteration (lloyd, elkan) in this process."""
    key = ("peer", np.dtype(dtype).name, threads)
    if key not in _cache:
        sk = pytest.importorskip("sklearn.cluster")
        X, init = _data(dtype)
        res = {}
        with _limits(threads):
            for alg in ("lloyd", "elkan"):
                t, km = _best_of(lambda: sk.KMeans(K, init=init, n_init=1, max_iter=ITERS, tol=0.0,
                                                   algorithm=alg).fit(X))
                res[alg] = (t / km.n_iter_ * 1e3, float(km.inertia_), int(km.n_iter_))
        _cache[key] = res
    return _cache[key]


def _record(benchmark, ms_per_iter, inertia, n_iter, peer):
    best_alg = min(peer, key=lambda a: peer[a][0])
    benchmark.extra_info.update({
        "ms_per_iter": ms_per_iter, "n_iter": n_iter, "inertia": inertia,
        "peer": f"sklearn {best_alg}", "peer_ms_per_iter": peer[best_alg][0], "peer_inertia": peer[best_alg][1],
        "peer_n_iter": peer[best_alg][2], "sklearn_lloyd_ms": peer["lloyd"][0], "sklearn_elkan_ms": peer["elkan"][0],
        "ratio": ms_per_iter / peer[best_alg][0],
        "inertia_rel_diff": abs(inertia - peer[best_alg][1]) / peer[best_alg][1],
    })


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly"])
def test_w6a_pyml_kmeans(benchmark, record, algorithm, dtype, threads):
    X, init = _data(dtype)
    peer = _sklearn_lloyd_peer(dtype, threads)
    est = KMeans(K, init=init, n_init=1, max_iter=ITERS, tol=0.0, algorithm=algorithm, n_jobs=threads)
    km = benchmark.pedantic(est.fit, args=(X,), rounds=3, iterations=1)
    t, _ = _best_of(lambda: est.fit(X))
    _record(benchmark, t / km.n_iter_ * 1e3, km.inertia_, km.n_iter_, peer)
    record(benchmark, "W6a Lloyd iteration", f"pyml {algorithm}", threads, np.dtype(dtype).name,
           f"inertia {km.inertia_:.6e}, n_iter {km.n_iter_}", km.n_iter_)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_w6a_sklearn_kmeans(benchmark, record, algorithm, dtype, threads):
    sk = pytest.importorskip("sklearn.cluster")
    X, init = _data(dtype)
    est = sk.KMeans(K, init=init, n_init=1, max_iter=ITERS, tol=0.0, algorithm=algorithm)
    with _limits(threads):
        km = benchmark.pedantic(est.fit, args=(X,), rounds=3, iterations=1)
    benchmark.extra_info.update({"n_iter": int(km.n_iter_), "inertia": float(km.inertia_)})
    record(benchmark, "W6a Lloyd iteration", f"sklearn {algorithm}", threads, np.dtype(dtype).name,
           f"inertia {km.inertia_:.6e}, n_iter {km.n_iter_}", km.n_iter_)


def _potential(X, C):
    from pyml.cluster import _cluster_kernels

    _, dist = _cluster_kernels.assign(np.ascontiguousarray(X), np.ascontiguousarray(C, dtype=X.dtype), False, 2)
    return float(dist.sum(dtype=np.float64))


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_w6b_pyml_kmeanspp(benchmark, record, dtype, threads):
    X, _ = _data(dtype)
    C, _ = benchmark.pedantic(kmeans_plusplus, args=(X, K), kwargs={"random_state": 0, "n_jobs": threads},
                              rounds=3, iterations=1)
    info = {"potential": _potential(X, C)}
    t, _ = _best_of(lambda: kmeans_plusplus(X, K, random_state=0, n_jobs=threads))
    info["seconds"] = t
    try:
        from sklearn.cluster import kmeans_plusplus as sk_kpp
    except ImportError:
        pass
    else:
        with _limits(threads):
            tp, (Cs, _) = _best_of(lambda: sk_kpp(X, K, random_state=0))
        info.update({"peer_seconds": tp, "peer_potential": _potential(X, Cs), "ratio": t / tp})
    benchmark.extra_info.update(info)
    record(benchmark, "W6b k-means++ seeding", "pyml", threads, np.dtype(dtype).name,
           f"potential {info['potential']:.6e}")


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_w6b_sklearn_kmeanspp(benchmark, record, dtype, threads):
    sk = pytest.importorskip("sklearn.cluster")
    X, _ = _data(dtype)
    with _limits(threads):
        C, _ = benchmark.pedantic(sk.kmeans_plusplus, args=(X, K), kwargs={"random_state": 0}, rounds=3,
                                  iterations=1)
    benchmark.extra_info["potential"] = _potential(X, C)
    record(benchmark, "W6b k-means++ seeding", "sklearn", threads, np.dtype(dtype).name,
           f"potential {benchmark.extra_info['potential']:.6e}")
