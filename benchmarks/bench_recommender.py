"""W9 / W9b (shared/BENCHMARKS.md): collaborative filtering, pyml vs NumPy, PyTorch and Surprise.

W9 (a) "cost_grad": one cost + gradient on the course's dense Y/R (4778 items x 443 users, ~1.9 %
    observed; the reconstructed files of ../shared/course-data when present, else synthetic of the
    same shape and density) with 100 features, lambda = 1. pyml's ``cofi_cost_and_gradient`` finds
    the observed entries itself (in C) on every call; NumPy is the dense vectorised formula;
    PyTorch is autograd on the same dense formula.
W9 (a) "adam": the lab's training, Adam lr 0.1 on the full-batch cost: pyml
    ``CollaborativeFiltering(n_features=100, reg_lambda=1, solver="adam").fit_matrix(Y, R)`` vs a
    NumPy dense Adam loop and a PyTorch autograd + torch.optim.Adam loop; ``unit_divisor`` =
    iterations, so run.py reports time per iteration (200 iterations, 10 with PYML_BENCH_SMALL=1);
    quality = final cost.
W9 (b) "movielens": ml-latest-small, random 80/20 split from ``np.random.default_rng(0).permutation``:
    fit time of ``CollaborativeFiltering()`` defaults (and of each solver) vs Surprise ``SVD()``
    defaults on the same split; quality = test RMSE.
W9b: per full-gradient epoch (one Adam step on all ratings) on synthetic 100k ratings (610 users x
    9000 items) and 1M ratings (6000 x 4000), 50 features: pyml ``fit`` with solver="adam" vs a
    PyTorch gather/autograd loop on the same triplets.

Run:  python benchmarks/run.py -k recommender       (PYML_BENCH_SMALL=1 for a smoke run)
"""
import os
import time

import numpy as np
import pytest
from _bench_common import thread_limits

from pyml.recommender import CollaborativeFiltering, cofi_cost_and_gradient

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")
SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")  # beside the checkout
COURSE = os.path.join(SHARED, "course-data", "c3w2-collaborative-filtering")
MOVIELENS = os.path.join(SHARED, "datasets", "movielens-small")
THREADS = [1, 2]
ROUNDS = 1 if SMALL else 3
N_FEATURES = 100
ADAM_ITERS = 10 if SMALL else 200
EPOCHS = 2 if SMALL else 10
W9B = {"100k": (610, 9000, 100_000), "1M": (6000, 4000, 1_000_000)}
if SMALL:
    W9B = {"100k": (61, 900, 10_000), "1M": (600, 400, 20_000)}
_CACHE = {}


def course_matrices():
    """(Y, R) of the lab: the reconstructed course files, else synthetic of the same shape/density."""
    if "YR" not in _CACHE:
        y_file = os.path.join(COURSE, "RECONSTRUCTED_small_movies_Y.csv.gz")
        if os.path.exists(y_file):
            Y = np.loadtxt(y_file, delimiter=",")
            R = np.loadtxt(os.path.join(COURSE, "RECONSTRUCTED_small_movies_R.csv.gz"), delimiter=",")
        else:
            rng = np.random.default_rng(0)
            R = (rng.random((4778, 443)) < 39_253 / (4778 * 443)).astype(np.float64)
            Y = np.round(rng.uniform(0.5, 5.0, R.shape) * 2) / 2 * R
        if SMALL:
            Y, R = Y[:1000], R[:1000]
            keep = R.sum(axis=0) > 0  # fit_matrix needs every user to have a rating
            Y, R = Y[:, keep], R[:, keep]
        _CACHE["YR"] = (np.ascontiguousarray(Y), np.ascontiguousarray(R))
    return _CACHE["YR"]


def params(n_items, n_users, d=N_FEATURES, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n_items, d)), rng.standard_normal((n_users, d)),
            rng.standard_normal((1, n_users)))


# ---------------------------------------------------------------- W9 (a) cost + gradient
@pytest.mark.parametrize("threads", THREADS)
def bench_pyml_cost_grad(benchmark, record, threads):
    Y, R = course_matrices()
    X, W, b = params(*Y.shape)
    out = benchmark.pedantic(lambda: cofi_cost_and_gradient(X, W, b, Y, R, 1.0, n_jobs=threads),
                             rounds=ROUNDS * 10, iterations=1, warmup_rounds=1)
    record(benchmark, "W9", "pyml", threads, "cost_grad", out[0])


@pytest.mark.parametrize("threads", THREADS)
def bench_numpy_cost_grad(benchmark, record, threads):
    Y, R = course_matrices()
    X, W, b = params(*Y.shape)

    def run():
        E = (X @ W.T + b - Y) * R
        J = 0.5 * np.sum(E ** 2) + 0.5 * (np.sum(W ** 2) + np.sum(X ** 2))
        return J, E @ W + X, E.T @ X + W, E.sum(axis=0, keepdims=True)

    with thread_limits(threads):
        out = benchmark.pedantic(run, rounds=ROUNDS * 10, iterations=1, warmup_rounds=1)
    record(benchmark, "W9", "numpy", threads, "cost_grad", out[0])


@pytest.mark.parametrize("threads", THREADS)
def bench_torch_cost_grad(benchmark, record, threads):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(threads)
    Y, R = course_matrices()
    X, W, b = (torch.tensor(a, requires_grad=True) for a in params(*Y.shape))
    Yt, Rt = torch.from_numpy(Y), torch.from_numpy(R)

    def run():
        for p in (X, W, b):
            p.grad = None
        J = 0.5 * (((X @ W.T + b - Yt) * Rt) ** 2).sum() + 0.5 * ((W ** 2).sum() + (X ** 2).sum())
        J.backward()
        return float(J)

    J = benchmark.pedantic(run, rounds=ROUNDS * 10, iterations=1, warmup_rounds=1)
    record(benchmark, "W9", "torch", threads, "cost_grad", J)


# ---------------------------------------------------------------- W9 (a) the lab's Adam training
@pytest.mark.parametrize("threads", THREADS)
def bench_pyml_adam(benchmark, record, threads):
    Y, R = course_matrices()
    model = CollaborativeFiltering(n_features=N_FEATURES, reg_lambda=1.0, solver="adam", max_iter=ADAM_ITERS,
                                   random_state=0, n_jobs=threads)
    benchmark.pedantic(lambda: model.fit_matrix(Y, R), rounds=ROUNDS, iterations=1)
    record(benchmark, "W9", "pyml", threads, "adam", float(model.cost_history_[-1]), ADAM_ITERS)


def _normalize(Y, R):
    cnt = R.sum(axis=1, keepdims=True)
    mean = np.divide((Y * R).sum(axis=1, keepdims=True), cnt, out=np.zeros_like(cnt), where=cnt > 0)
    return (Y - mean) * R


@pytest.mark.parametrize("threads", THREADS)
def bench_numpy_adam(benchmark, record, threads):
    Y, R = course_matrices()
    Ynorm = _normalize(Y, R)

    def run():
        X, W, b = params(*Y.shape)
        ps = [X, W, b]
        m = [np.zeros_like(p) for p in ps]
        v = [np.zeros_like(p) for p in ps]
        for t in range(1, ADAM_ITERS + 1):
            E = (X @ W.T + b - Ynorm) * R
            J = 0.5 * np.sum(E ** 2) + 0.5 * (np.sum(W ** 2) + np.sum(X ** 2))
            grads = [E @ W + X, E.T @ X + W, E.sum(axis=0, keepdims=True)]
            alpha = 0.1 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            for p, g, mm, vv in zip(ps, grads, m, v):
                mm += (g - mm) * 0.1
                vv += (g * g - vv) * 0.001
                p -= mm * alpha / (np.sqrt(vv) + 1e-7)
        return J

    with thread_limits(threads):
        J = benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
    record(benchmark, "W9", "numpy", threads, "adam", float(J), ADAM_ITERS)


@pytest.mark.parametrize("threads", THREADS)
def bench_torch_adam(benchmark, record, threads):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(threads)
    Y, R = course_matrices()
    Yt, Rt = torch.from_numpy(_normalize(Y, R)), torch.from_numpy(R)

    def run():
        X, W, b = (torch.tensor(a, requires_grad=True) for a in params(*Y.shape))
        opt = torch.optim.Adam([X, W, b], lr=0.1, eps=1e-7)
        for _ in range(ADAM_ITERS):
            opt.zero_grad()
            J = 0.5 * (((X @ W.T + b - Yt) * Rt) ** 2).sum() + 0.5 * ((W ** 2).sum() + (X ** 2).sum())
            J.backward()
            opt.step()
        return float(J)

    J = benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
    record(benchmark, "W9", "torch", threads, "adam", J, ADAM_ITERS)


# ---------------------------------------------------------------- W9b full-gradient epochs on triplets
def triplets(name):
    key = ("W9b", name)
    if key not in _CACHE:
        n_users, n_items, nnz = W9B[name]
        rng = np.random.default_rng(0)
        flat = rng.choice(n_users * n_items, nnz, replace=False)
        users, items = flat // n_items, flat % n_items
        y = np.round(rng.uniform(0.5, 5.0, nnz) * 2) / 2
        _CACHE.clear() if len(_CACHE) > 2 else None
        _CACHE[key] = (np.column_stack([users, items]).astype(np.int64), y)
    return _CACHE[key]


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("name", list(W9B))
def bench_pyml_epoch(benchmark, record, name, threads):
    X, y = triplets(name)
    model = CollaborativeFiltering(n_features=50, reg_lambda=1.0, solver="adam", max_iter=EPOCHS, random_state=0,
                                   n_jobs=threads)
    benchmark.pedantic(lambda: model.fit(X, y), rounds=ROUNDS, iterations=1)
    record(benchmark, "W9b", "pyml", threads, name, float(model.cost_history_[-1]), EPOCHS)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("name", list(W9B))
def bench_torch_epoch(benchmark, record, name, threads):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(threads)
    Xa, ya = triplets(name)
    users, items = np.unique(Xa[:, 0], return_inverse=True)[1], np.unique(Xa[:, 1], return_inverse=True)[1]
    u, i, yt = torch.from_numpy(users.ravel()), torch.from_numpy(items.ravel()), torch.from_numpy(ya)
    n_users, n_items = int(u.max()) + 1, int(i.max()) + 1

    def run():
        gen = torch.Generator().manual_seed(0)
        W = torch.randn(n_users, 50, dtype=torch.float64, generator=gen, requires_grad=True)
        X = torch.randn(n_items, 50, dtype=torch.float64, generator=gen, requires_grad=True)
        b = torch.randn(n_users, dtype=torch.float64, generator=gen, requires_grad=True)
        opt = torch.optim.Adam([X, W, b], lr=0.1, eps=1e-7)
        for _ in range(EPOCHS):
            opt.zero_grad()
            e = (X[i] * W[u]).sum(dim=1) + b[u] - yt
            J = 0.5 * (e ** 2).sum() + 0.5 * ((W ** 2).sum() + (X ** 2).sum())
            J.backward()
            opt.step()
        return float(J)

    J = benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
    record(benchmark, "W9b", "torch", threads, name, J, EPOCHS)


# ---------------------------------------------------------------- W9 (b) MovieLens vs Surprise SVD
def movielens_split():
    if "ml" not in _CACHE:
        if not os.path.isdir(MOVIELENS):
            pytest.skip(f"MovieLens not found at {MOVIELENS}")
        from pyml.datasets import load_movielens

        ml = load_movielens(MOVIELENS)
        X, y = ml.X, ml.y
        if SMALL:
            X, y = X[:20_000], y[:20_000]
        perm = np.random.default_rng(0).permutation(len(y))
        n_train = int(0.8 * len(y))
        _CACHE["ml"] = (X[perm[:n_train]], y[perm[:n_train]], X[perm[n_train:]], y[perm[n_train:]])
    return _CACHE["ml"]


SOLVERS = {"defaults": {}, "adam-lab": dict(solver="adam", n_features=100, reg_lambda=1.0)}


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("config", list(SOLVERS))
def bench_pyml_movielens(benchmark, record, config, threads):
    Xtr, ytr, Xte, yte = movielens_split()
    kw = dict(SOLVERS[config])
    if SMALL and config == "adam-lab":
        kw["max_iter"] = 10
    model = CollaborativeFiltering(random_state=0, n_jobs=threads, **kw)
    benchmark.pedantic(lambda: model.fit(Xtr, ytr), rounds=1 if config == "adam-lab" else ROUNDS, iterations=1)
    rmse = float(np.sqrt(np.mean((model.predict(Xte) - yte) ** 2)))
    variant = "movielens" if config == "defaults" else f"movielens-{config}"
    record(benchmark, "W9", "pyml", threads, variant, rmse)


@pytest.mark.parametrize("threads", THREADS)
def bench_surprise_movielens(benchmark, record, threads):
    # Surprise is single-threaded; it is recorded under both thread counts so run.py pairs it with each pyml row.
    surprise = pytest.importorskip("surprise")
    import tempfile

    Xtr, ytr, Xte, yte = movielens_split()
    with tempfile.TemporaryDirectory() as tmp:  # Surprise reads files (or pandas frames)
        path = os.path.join(tmp, "train.csv")
        np.savetxt(path, np.column_stack([Xtr, ytr]), fmt=["%d", "%d", "%.1f"], delimiter=",")
        reader = surprise.Reader(line_format="user item rating", sep=",", rating_scale=(0.5, 5.0))
        trainset = surprise.Dataset.load_from_file(path, reader).build_full_trainset()
    algo = {}

    def fit():
        algo["a"] = surprise.SVD(random_state=0).fit(trainset)

    benchmark.pedantic(fit, rounds=ROUNDS, iterations=1)
    t0 = time.perf_counter()
    pred = np.array([algo["a"].predict(str(u), str(i)).est for u, i in Xte])  # peer's API is per pair
    benchmark.extra_info["predict_s"] = time.perf_counter() - t0
    rmse = float(np.sqrt(np.mean((pred - yte) ** 2)))
    record(benchmark, "W9", "surprise", threads, "movielens", rmse)
