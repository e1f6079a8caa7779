"""k-means|| on the cluster (pyml.dask.kmeans_parallel, KMeans(init="k-means||")), n_init on Dask arrays, and a
worker killed mid-fit (recovered with the same model, or a clear ClusterError; never a hang)."""
import os
import signal
import threading
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="pyml.dask tests need dask[distributed]: pip install 'pyml[dask]'")

import pyml.dask as pdk  # noqa: E402
from pyml.cluster import KMeans, kmeans_plusplus  # noqa: E402

CHUNKS = (700, 1100, 500, 900, 800)


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(1)
    centres = rng.normal(scale=4.0, size=(6, 4))
    X = centres[rng.integers(0, 6, sum(CHUNKS))] + rng.normal(size=(sum(CHUNKS), 4))
    return X, da.from_array(X, chunks=(CHUNKS, 4))


def rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b)))


def inertia(X, C):
    """sum_i min_j ||x_i - c_j||^2, in NumPy."""
    return float(((X[:, None, :] - C[None]) ** 2).sum(axis=-1).min(axis=1).sum())


def reference_kmeans_parallel(X, chunks, k, random_state, w=None, factor=2.0, rounds=5):
    """Bahmani et al.'s k-means|| in NumPy, with the generators the module docstring promises: a seed
    from random_state, then per (round, block) default_rng([seed, round + 1, block]) (round "-1": the
    first row's exponential race); reduced on the candidates by weighted k-means++ then weighted Lloyd."""
    rng = np.random.default_rng(random_state)
    seed = int(rng.integers(np.iinfo(np.int64).max))
    ww = np.ones(X.shape[0]) if w is None else w

    def uniforms(stream):
        return np.concatenate([np.random.default_rng([seed, stream, b]).random(nb) for b, nb in enumerate(chunks)])

    with np.errstate(divide="ignore"):
        C = X[[int(np.argmin(-np.log1p(-uniforms(0)) / ww))]]
    ell = factor * k
    for r in range(rounds):
        d2 = ((X[:, None, :] - C[None]) ** 2).sum(axis=-1).min(axis=1)
        phi = float((ww * d2).sum())
        C = np.vstack([C, X[uniforms(r + 1) < np.minimum(1.0, ell * ww * d2 / phi)]])
    weights = np.bincount(((X[:, None, :] - C[None]) ** 2).sum(axis=-1).argmin(axis=1), weights=ww,
                          minlength=len(C))
    init, _ = kmeans_plusplus(C, k, sample_weight=weights, random_state=rng)
    return KMeans(k, init=init, max_iter=30, tol=0.0).fit(C, sample_weight=weights).cluster_centers_, len(C)


@pytest.mark.parametrize("weighted", [False, True])
def test_kmeans_parallel_equals_numpy_reference(client, blobs, weighted):
    X, Xd = blobs
    w = None
    if weighted:  # zero weights included: such rows are never candidates
        w = np.random.default_rng(2).uniform(0.2, 3.0, size=X.shape[0])
        w[::7] = 0.0
    ref, n_cand = reference_kmeans_parallel(X, CHUNKS, 6, 11, w)
    assert 0.5 * 5 * 12 <= n_cand - 1 <= 1.5 * 5 * 12  # about l = 2k = 12 rows sampled per round
    got = pdk.kmeans_parallel(Xd, 6, sample_weight=w, random_state=11)
    assert got.shape == (6, 4) and rel(got, ref) <= 1e-9


def test_kmeans_parallel_repeatable_and_independent_of_workers_and_threads(client, blobs):
    import dask

    X, Xd = blobs
    a = pdk.kmeans_parallel(Xd, 6, random_state=3)  # 2 worker processes
    with dask.config.set(scheduler="synchronous"):  # one thread in this process
        np.testing.assert_array_equal(pdk.kmeans_parallel(Xd, 6, random_state=3, n_jobs=1), a)
    with dask.config.set(scheduler="threads", num_workers=3):  # three local workers
        np.testing.assert_array_equal(pdk.kmeans_parallel(Xd, 6, random_state=3, n_jobs=2), a)
    assert not np.array_equal(pdk.kmeans_parallel(Xd, 6, random_state=4), a)
    # a block that may hold more samples than it returned is asked again: the same candidates
    from pyml.dask import _kmeans

    keep = _kmeans._keep_per_block
    try:
        _kmeans._keep_per_block = lambda ell: 1
        np.testing.assert_array_equal(pdk.kmeans_parallel(Xd, 6, random_state=3), a)
    finally:
        _kmeans._keep_per_block = keep


def test_kmeans_default_init_is_kmeans_parallel_then_in_memory_lloyd(client, blobs):
    X, Xd = blobs
    assert pdk.KMeans().get_params()["init"] == "k-means||"
    for seed in (0, 2):
        init = pdk.kmeans_parallel(Xd, 6, random_state=seed)
        m = pdk.KMeans(6, random_state=seed).fit(Xd)
        r = KMeans(6, init=init, max_iter=300).fit(X)  # the in-memory Lloyd from the same initial centres
        assert m.n_iter_ == r.n_iter_
        assert rel(m.cluster_centers_, r.cluster_centers_) <= 1e-9
        assert abs(m.inertia_ - r.inertia_) <= 1e-9 * r.inertia_
        np.testing.assert_array_equal(m.labels_.compute(), r.labels_)
        # as good as the in-memory k-means++: initial centres and the converged model
        pp = KMeans(6, random_state=seed).fit(X)
        assert inertia(X, init) <= 1.5 * inertia(X, kmeans_plusplus(X, 6, random_state=seed)[0])
        assert m.inertia_ <= 1.05 * pp.inertia_
    # NumPy input: the in-memory path, where "k-means||" is pyml's k-means++ (bit for bit)
    mn, ref = pdk.KMeans(6, random_state=0).fit(X), KMeans(6, random_state=0).fit(X)
    np.testing.assert_array_equal(mn.cluster_centers_, ref.cluster_centers_)
    assert mn.get_params()["init"] == "k-means||"


def test_kmeans_n_init_on_dask_is_the_best_sequential_restart(client, blobs):
    X, Xd = blobs
    rng = np.random.default_rng(5)  # the estimator draws its restarts from one generator, in order
    inits = [pdk.kmeans_parallel(Xd, 6, random_state=rng) for _ in range(2)]
    runs = [KMeans(6, init=c).fit(X) for c in inits]
    best = runs[int(np.argmin([r.inertia_ for r in runs]))]
    m = pdk.KMeans(6, n_init=2, random_state=5).fit(Xd)
    assert rel(m.cluster_centers_, best.cluster_centers_) <= 1e-9
    assert abs(m.inertia_ - best.inertia_) <= 1e-9 * best.inertia_


def test_kmeans_parallel_edge_cases_and_bad_input(client, blobs):
    X, Xd = blobs
    # fewer distinct rows than clusters: the farthest rows complete the candidates, then the usual warning
    Xs = np.repeat(np.arange(8.0).reshape(4, 2), 30, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Number of distinct clusters (4) found smaller than n_clusters"
        m = pdk.KMeans(6, random_state=0).fit(da.from_array(Xs, chunks=(50, 2)))
    assert m.inertia_ == 0.0
    assert {tuple(c) for c in m.cluster_centers_} == {tuple(c) for c in Xs[::30]}
    # as many rows as clusters: every row is a centre
    m = pdk.KMeans(5, random_state=0).fit(da.from_array(X[:5], chunks=(2, 4)))
    assert m.inertia_ <= 1e-20
    np.testing.assert_allclose(np.sort(m.cluster_centers_, axis=0), np.sort(X[:5], axis=0), rtol=1e-12)
    for bad, match in [(dict(oversampling_factor=0), "oversampling_factor"),
                       (dict(oversampling_factor=float("nan")), "oversampling_factor"),
                       (dict(init_max_iter=0), "init_max_iter"), (dict(init="kmeans"), r"'k-means\|\|'")]:
        with pytest.raises(ValueError, match=match):
            pdk.KMeans(3, **bad).fit(Xd)
    with pytest.raises(TypeError, match="init_max_iter"):
        pdk.KMeans(3, init_max_iter=2.5).fit(Xd)
    with pytest.raises(ValueError, match="n_clusters"):
        pdk.kmeans_parallel(Xd, 10**6)
    with pytest.raises(ValueError, match=r"rechunk\(\{1: -1\}\)"):
        pdk.kmeans_parallel(da.from_array(X, chunks=(1000, 2)), 3)
    with pytest.raises(ValueError, match="n_rounds"):
        pdk.kmeans_parallel(Xd, 3, n_rounds=0)
    for init in ("k-means||", "k-means++"):  # as in memory
        with pytest.raises(ValueError, match="sample_weight are all zero"):
            pdk.KMeans(3, init=init).fit(Xd, sample_weight=np.zeros(X.shape[0]))


@pytest.mark.parametrize("bad, exc, match", [
    (0.0, ValueError, r"oversampling_factor == 0.0, must be > 0"),
    (-1.0, ValueError, r"oversampling_factor == -1.0, must be > 0"),
    (float("nan"), ValueError, r"oversampling_factor must be finite"),
    ("abc", TypeError, r"oversampling_factor must be an instance of .*Real"),
])
def test_kmeans_numpy_fit_checks_oversampling_factor(bad, exc, match):
    """A NumPy X takes the in-memory path, which never reads the k-means|| parameters: they are still checked
    (no cluster needed)."""
    X = np.random.default_rng(0).normal(size=(40, 3))
    with pytest.raises(exc, match=match):
        pdk.KMeans(3, oversampling_factor=bad).fit(X)
    with pytest.raises(ValueError, match="init_max_iter"):
        pdk.KMeans(3, init_max_iter=0).fit(X)
    with pytest.raises(ValueError, match="init_max_samples"):
        pdk.KMeans(3, init_max_samples=0).fit(X)
    # a valid factor still gives the in-memory k-means++ answer
    a = pdk.KMeans(3, random_state=0, n_init=1, oversampling_factor=0.5).fit(X)
    b = KMeans(3, random_state=0, n_init=1).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)


def test_worker_killed_mid_fit_recovers_with_the_same_model_or_raises(client):
    """One worker process is killed (SIGKILL; its nanny starts a new one) during a KMeans fit: Dask recomputes the
    lost blocks and the fit ends with the in-memory model, or raises ClusterError; bounded, never a hang."""
    from pyml.utils.callbacks import Callback

    X = np.random.default_rng(0).normal(size=(6000, 4))
    Xd = da.from_array(X, chunks=(1000, 4)).persist()
    init = X[:8].copy()
    pids = client.run(os.getpid)
    victim = pids[sorted(pids)[0]]

    class KillAt(Callback):
        killed = False

        def on_iteration_end(self, estimator, iteration, logs=None):
            if iteration == 2:  # the worker process dies at once; its nanny starts a fresh one
                os.kill(victim, signal.SIGKILL)
                KillAt.killed = True

    box = {}

    def run():
        try:
            box["model"] = pdk.KMeans(8, init=init, max_iter=12, tol=0.0).fit(Xd, callbacks=[KillAt()])
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(60.0)
    assert not t.is_alive(), "the fit hung after a worker died"
    assert KillAt.killed
    print("worker-kill outcome:", repr(box.get("error", "recovered")))
    if "error" in box:
        assert isinstance(box["error"], pdk.ClusterError), repr(box["error"])
    else:
        ref = KMeans(8, init=init, max_iter=12, tol=0.0).fit(X)
        assert box["model"].n_iter_ == ref.n_iter_
        assert rel(box["model"].cluster_centers_, ref.cluster_centers_) <= 1e-9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client.wait_for_workers(2, timeout=30)


def test_lazy_x_is_never_materialised_on_the_client(client):
    """X generated block by block on the workers (da.random), kept lazy (above the memory budget): the
    k-means|| seeding and the Lloyd passes allocate on the client only a small fraction of X."""
    import tracemalloc

    from pyml.dask import _core

    X = da.random.RandomState(0).normal(size=(400_000, 4), chunks=(100_000, 4))  # 12.8 MB, never on the client
    budget = _core._memory_budget
    _core._memory_budget = lambda: 1.0  # "larger than the workers' memory": not persisted
    tracemalloc.start()
    try:
        m = pdk.KMeans(4, random_state=0, init_max_iter=2, max_iter=1, tol=0.0).fit(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        _core._memory_budget = budget
    assert m.n_iter_ == 1 and np.isfinite(m.inertia_)
    # the client's own overhead is ~2.3 MiB whatever the size of X; one block of X alone would be 3.2 MB
    assert peak < X.nbytes / 4, f"the client allocated {peak / 2**20:.1f} MiB for a {X.nbytes / 2**20:.1f} MiB X"
