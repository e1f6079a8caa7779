"""pyml.cluster.KMeans(n_init > 1): inside a joblib backend context (n_jobs=None) the restarts are joblib tasks,
seeded as in the sequential loop, so the model is bitwise the same for the loky, threading and dask backends."""
import numpy as np
import pytest

joblib = pytest.importorskip("joblib")

from pyml.cluster import KMeans  # noqa: E402
from pyml.utils.callbacks import Callback  # noqa: E402


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(4)
    centres = rng.normal(scale=3.0, size=(5, 3))
    # 1.2 MB: above joblib's 1 MB max_nbytes, so loky workers get X as a read-only memmap
    return centres[rng.integers(0, 5, 50_000)] + rng.normal(size=(50_000, 3))


@pytest.fixture
def parallel_calls(monkeypatch):
    """How many joblib.Parallel runs the fit started (in this process)."""
    calls = []

    class Counting(joblib.Parallel):
        def __call__(self, iterable):
            calls.append(1)
            return super().__call__(iterable)

    monkeypatch.setattr(joblib, "Parallel", Counting)
    return calls


def same(a, b):
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.inertia_ == b.inertia_ and a.n_iter_ == b.n_iter_


@pytest.mark.parametrize("backend", ["loky", "threading"])
@pytest.mark.parametrize("init", ["k-means++", "random", "callable"])
def test_restarts_through_joblib_are_bitwise_the_plain_fit(X, parallel_calls, backend, init):
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=X.shape[0]) if init == "random" else None
    init_ = (lambda X, k, rng: X[rng.choice(X.shape[0], k, replace=False)]) if init == "callable" else init
    kw = dict(n_clusters=5, init=init_, n_init=4, random_state=7, algorithm="hamerly" if init == "random" else "lloyd")
    ref = KMeans(**kw).fit(X, sample_weight=w)
    assert not parallel_calls
    with joblib.parallel_backend(backend, n_jobs=2):
        got = KMeans(**kw).fit(X, sample_weight=w)
    assert len(parallel_calls) == 1  # the restarts did go through joblib
    same(got, ref)
    # the restarts really differ (else "the best of 4" would not be tested): the seeds give several inertias
    inertias = {KMeans(**dict(kw, n_init=1, random_state=r)).fit(X, sample_weight=w).inertia_ for r in range(4)}
    assert len(inertias) > 1 or init == "k-means++"


def test_explicit_n_jobs_callbacks_and_one_restart_stay_in_process(X, parallel_calls):
    seen = []

    class Record(Callback):
        def on_iteration_end(self, estimator, iteration, logs=None):
            seen.append(iteration)

    with joblib.parallel_backend("threading", n_jobs=2):
        a = KMeans(4, n_init=3, random_state=0, n_jobs=1).fit(X)  # explicit n_jobs: OpenMP threads
        b = KMeans(4, n_init=3, random_state=0).fit(X, callbacks=[Record()])  # callbacks see every iteration
        c = KMeans(4, n_init=1, random_state=0).fit(X)
    assert not parallel_calls and seen
    same(a, KMeans(4, n_init=3, random_state=0).fit(X))
    same(b, a)
    same(c, KMeans(4, n_init=1, random_state=0).fit(X))


def test_restarts_on_the_dask_backend(client, X, parallel_calls):
    pytest.importorskip("dask.distributed")
    kw = dict(n_clusters=5, init="random", n_init=3, random_state=1)
    ref = KMeans(**kw).fit(X)
    with joblib.parallel_backend("dask"):
        got = KMeans(**kw).fit(X)
    assert len(parallel_calls) == 1
    same(got, ref)
