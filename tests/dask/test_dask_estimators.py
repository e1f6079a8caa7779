"""pyml.dask estimators on a 2-worker LocalCluster: distributed fit == in-memory fit (float64, 1e-9 relative),
lazy predictions == in-memory predictions, bad inputs rejected with a clear message."""
import pickle
import subprocess
import sys
import tempfile

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="pyml.dask tests need dask[distributed]: pip install 'pyml[dask]'")

import pyml.dask as pdk  # noqa: E402
from pyml.anomaly import GaussianAnomalyDetector  # noqa: E402
from pyml.cluster import KMeans  # noqa: E402
from pyml.linear_model import LinearRegression, LogisticRegression  # noqa: E402

RTOL = 1e-9
# short gradient-descent runs on purpose: both sides warn that tol was not reached
pytestmark = pytest.mark.filterwarnings("ignore:.*did not converge")


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2400, 6)) + np.array([0, 1, 2, 0, -1, 0.5])
    y = X @ np.array([1.0, -2.0, 0.5, 3.0, 0.0, 1.5]) + 0.7 + 0.3 * rng.normal(size=2400)
    # uneven row chunks on purpose
    chunks = (500, 700, 300, 900)
    return X, y, da.from_array(X, chunks=(chunks, 6)), da.from_array(y, chunks=(chunks,))


def test_import_pyml_does_not_import_dask():
    code = "import sys, pyml, pyml.linear_model, pyml.cluster; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tempfile.gettempdir())  # outside the source tree: the installed pyml
    assert out.stdout.strip() == "False"


def test_linear_regression_matches_in_memory(client, data):
    X, y, Xd, yd = data
    kw = dict(solver="gd", learning_rate=0.05, max_iter=40, reg_lambda=0.5)
    m = pdk.LinearRegression(**kw).fit(Xd, yd)
    r = LinearRegression(**kw).fit(X, y)
    assert m.n_iter_ == r.n_iter_
    assert rel(m.coef_, r.coef_) <= RTOL and rel(m.intercept_, r.intercept_) <= RTOL
    assert rel(m.cost_history_, r.cost_history_) <= RTOL
    p = m.predict(Xd)
    assert isinstance(p, da.Array) and p.chunks == (Xd.chunks[0],)
    assert rel(p.compute(), r.predict(X)) <= RTOL
    # numpy y with a dask X is split like X's rows
    m2 = pdk.LinearRegression(**kw).fit(Xd, y)
    assert rel(m2.coef_, m.coef_) <= 1e-15
    # non-Dask input: the in-memory path, bit for bit
    m3 = pdk.LinearRegression(**kw).fit(X, y)
    np.testing.assert_array_equal(m3.coef_, r.coef_)
    assert isinstance(m3.predict(X), np.ndarray)


def test_logistic_binary_and_multinomial_match_in_memory(client, data):
    X, y, Xd, yd = data
    kw = dict(solver="gd", learning_rate=0.2, max_iter=30, reg_lambda=1.0, tol=1e-6)
    labels = np.where(y > np.median(y), "hi", "lo")
    for target in (labels, np.digitize(y, np.quantile(y, [0.3, 0.7]))):
        yt = da.from_array(target, chunks=(Xd.chunks[0],))
        m = pdk.LogisticRegression(**kw).fit(Xd, yt)
        r = LogisticRegression(**kw).fit(X, target)
        np.testing.assert_array_equal(m.classes_, r.classes_)
        assert m.coef_.shape == r.coef_.shape and m.n_iter_ == r.n_iter_
        assert rel(m.coef_, r.coef_) <= RTOL and rel(m.intercept_, r.intercept_) <= RTOL
        assert rel(m.predict_proba(Xd).compute(), r.predict_proba(X)) <= RTOL
        assert rel(m.decision_function(Xd).compute(), r.decision_function(X)) <= RTOL
        np.testing.assert_array_equal(m.predict(Xd).compute(), r.predict(X))


def test_logistic_newton_matches_in_memory(client, data):
    X, y, Xd, _ = data
    for target in ((y > np.median(y)).astype(int), np.digitize(y, np.quantile(y, [0.3, 0.7]))):
        m = pdk.LogisticRegression(reg_lambda=2.0).fit(Xd, target)
        r = LogisticRegression(reg_lambda=2.0).fit(X, target)
        assert m.n_iter_ == r.n_iter_
        assert rel(m.coef_, r.coef_) <= RTOL and rel(m.intercept_, r.intercept_) <= RTOL
        assert rel(m.cost_history_, r.cost_history_) <= RTOL


@pytest.mark.parametrize("reg_lambda", [0.0, 3.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_linear_normal_equations_match_in_memory(client, data, reg_lambda, fit_intercept):
    X, y, Xd, yd = data
    kw = dict(reg_lambda=reg_lambda, fit_intercept=fit_intercept)
    m, r = pdk.LinearRegression(**kw).fit(Xd, yd), LinearRegression(**kw).fit(X, y)
    assert rel(m.coef_, r.coef_) <= RTOL and abs(m.intercept_ - r.intercept_) <= RTOL * max(1, abs(r.intercept_))
    assert rel(m.cost_history_, r.cost_history_) <= RTOL


@pytest.mark.parametrize("init", ["k-means++", "random", "array"])
def test_kmeans_matches_in_memory(client, data, init):
    X, _, Xd, _ = data
    init_ = X[[3, 500, 1000, 1500, 2000]].copy() if init == "array" else init
    kw = dict(n_clusters=5, init=init_, n_init=2 if init == "random" else 1, random_state=7, max_iter=100)
    m = pdk.KMeans(**kw).fit(Xd)
    r = KMeans(**kw).fit(X)
    assert m.n_iter_ == r.n_iter_
    assert rel(m.cluster_centers_, r.cluster_centers_) <= RTOL
    assert abs(m.inertia_ - r.inertia_) <= RTOL * r.inertia_
    assert isinstance(m.labels_, da.Array)
    np.testing.assert_array_equal(m.labels_.compute(), r.labels_)
    np.testing.assert_array_equal(m.predict(Xd).compute(), r.predict(X))
    assert rel(m.transform(Xd).compute(), r.transform(X)) <= RTOL
    assert abs(m.score(Xd) - r.score(X)) <= RTOL * r.inertia_


def test_kmeans_far_offset_is_centred_like_in_memory(client, data):
    X, _, _, _ = data
    Xf = X + 1e4  # offset >> spread: both sides centre the data first
    Xd = da.from_array(Xf, chunks=(600, 6))
    kw = dict(n_clusters=4, init=Xf[:4].copy(), max_iter=50, tol=0.0)
    m, r = pdk.KMeans(**kw).fit(Xd), KMeans(**kw).fit(Xf)
    assert m.n_iter_ == r.n_iter_
    assert rel(m.cluster_centers_, r.cluster_centers_) <= RTOL
    np.testing.assert_array_equal(m.labels_.compute(), r.labels_)


def test_kmeans_empty_cluster_is_relocated_like_in_memory(client):
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + 8])
    init = np.array([[0.0, 0.0], [8.0, 8.0], [100.0, 100.0]])  # the third centre starts empty
    Xd = da.from_array(X, chunks=(250, 2))
    m, r = pdk.KMeans(3, init=init, max_iter=30).fit(Xd), KMeans(3, init=init, max_iter=30).fit(X)
    assert rel(m.cluster_centers_, r.cluster_centers_) <= RTOL
    assert abs(m.inertia_ - r.inertia_) <= RTOL * r.inertia_


@pytest.mark.parametrize("covariance", ["diagonal", "full"])
def test_gaussian_matches_in_memory(client, data, covariance):
    X, _, Xd, _ = data
    m = pdk.GaussianAnomalyDetector(covariance=covariance, contamination=0.02).fit(Xd)
    r = GaussianAnomalyDetector(covariance=covariance, contamination=0.02).fit(X)
    for attr in ("mean_", "var_", "covariance_"):
        assert rel(getattr(m, attr), getattr(r, attr)) <= RTOL, attr
    assert abs(m.log_epsilon_ - r.log_epsilon_) <= RTOL * abs(r.log_epsilon_)
    s = m.score_samples(Xd)
    assert isinstance(s, da.Array)
    assert rel(s.compute(), r.score_samples(X)) <= RTOL
    np.testing.assert_array_equal(m.predict(Xd).compute(), r.predict(X))
    # fit_threshold with a Dask validation set == in memory
    y_val = (r.score_samples(X) < np.quantile(r.score_samples(X), 0.05)).astype(int)
    m.fit_threshold(Xd, y_val)
    r.fit_threshold(X, y_val)
    assert m.f1_ == r.f1_ and abs(m.log_epsilon_ - r.log_epsilon_) <= RTOL * abs(r.log_epsilon_)


def test_gaussian_closed_form_moments(client):
    # two blocks with known moments: rows {0, 2} and {4, 6, 8}: mean 4, variance 8
    X = np.array([[0.0], [2.0], [4.0], [6.0], [8.0]])
    m = pdk.GaussianAnomalyDetector(contamination=None).fit(da.from_array(X, chunks=((2, 3), 1)))
    assert m.mean_[0] == pytest.approx(4.0, rel=1e-15) and m.var_[0] == pytest.approx(8.0, rel=1e-15)


def test_bad_inputs(client, data):
    X, y, Xd, yd = data
    with pytest.raises(ValueError, match=r"rechunk\(\{1: -1\}\)"):
        pdk.KMeans(3).fit(da.from_array(X, chunks=(600, 3)))
    with pytest.raises(ValueError, match=r"rechunk\(\{1: -1\}\)"):
        pdk.LinearRegression(solver="gd").fit(da.from_array(X, chunks=(600, 2)), yd)
    with pytest.raises(ValueError, match=r"y.rechunk\(X.chunks\[0\]\)"):
        pdk.LinearRegression(solver="gd").fit(Xd, da.from_array(y, chunks=800))
    with pytest.raises(ValueError, match="to match X"):
        pdk.LinearRegression(solver="gd").fit(Xd, y[:-1])
    Xn = X.copy()
    Xn[1234, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        pdk.LinearRegression(solver="gd").fit(da.from_array(Xn, chunks=(600, 6)), yd.rechunk(600))
    with pytest.raises(ValueError, match="NaN"):
        pdk.KMeans(3).fit(da.from_array(Xn, chunks=(600, 6)))
    with pytest.raises(ValueError, match="NaN"):
        pdk.GaussianAnomalyDetector().fit(da.from_array(Xn, chunks=(600, 6)))
    with pytest.raises(ValueError, match="n_clusters"):
        pdk.KMeans(5000).fit(Xd)
    with pytest.raises(ValueError, match="rechunk"):
        pdk.ParallelPostFit(LinearRegression().fit(X, y)).predict(da.from_array(X, chunks=(600, 3)))


def test_numpy_input_takes_the_in_memory_path(data):
    """Without a Dask array (no cluster needed) every pyml.dask estimator is its in-memory self, bit for bit."""
    X, y, _, _ = data
    labels = (y > np.median(y)).astype(int)
    for dask_est, est, args in [(pdk.LogisticRegression(reg_lambda=0.5), LogisticRegression(reg_lambda=0.5),
                                 (X, labels)),
                                (pdk.GaussianAnomalyDetector(), GaussianAnomalyDetector(), (X,)),
                                (pdk.KMeans(3, random_state=0), KMeans(3, random_state=0), (X,))]:
        a, b = dask_est.fit(*args), est.fit(*args)
        method = "predict_proba" if hasattr(b, "predict_proba") else "score_samples" if hasattr(b, "score_samples") \
            else "transform"
        out = getattr(a, method)(X)
        assert isinstance(out, np.ndarray)
        np.testing.assert_array_equal(out, getattr(b, method)(X))


def test_pickle_roundtrip(client, data):
    X, y, Xd, yd = data
    m = pdk.LinearRegression(solver="gd", max_iter=20).fit(Xd, yd)
    m2 = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(m2.predict(X), m.predict(X))
    g = pdk.GaussianAnomalyDetector().fit(Xd)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(g)).score_samples(X), g.score_samples(X))


def test_worker_threads_follow_the_worker(client):
    from pyml.dask._core import task_threads

    # the nanny sets OMP_NUM_THREADS=1 and each worker runs 1 task at a time: 1 thread per task,
    # whatever n_jobs the client asked for
    assert client.submit(task_threads, None, 10**9, 1, pure=False).result() == 1
    assert client.submit(task_threads, 8, 10**9, 1, pure=False).result() == 1


def test_linear_regression_auto_learning_rate_matches_in_memory(client, data):
    X, y, Xd, yd = data
    kw = dict(solver="gd", max_iter=40)
    m, r = pdk.LinearRegression(**kw).fit(Xd, yd), LinearRegression(**kw).fit(X, y)
    assert abs(m.learning_rate_ - r.learning_rate_) <= RTOL * r.learning_rate_
    assert rel(m.coef_, r.coef_) <= RTOL and m.n_iter_ == r.n_iter_


def test_result_does_not_depend_on_the_scheduler(client, data):
    """The combine tree depends only on the blocks: the cluster and dask's synchronous scheduler agree bitwise."""
    import dask

    X, y, Xd, yd = data
    kw = dict(solver="gd", learning_rate=0.05, max_iter=15)
    a = pdk.LinearRegression(**kw).fit(Xd, yd)
    ka = pdk.KMeans(4, init=X[:4].copy(), max_iter=10).fit(Xd)
    with dask.config.set(scheduler="synchronous"):
        b = pdk.LinearRegression(**kw).fit(Xd, yd)
        kb = pdk.KMeans(4, init=X[:4].copy(), max_iter=10).fit(Xd)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(ka.cluster_centers_, kb.cluster_centers_)
    assert ka.inertia_ == kb.inertia_


def test_kmeans_sample_weight_matches_in_memory(client, data):
    X, _, Xd, _ = data
    w = np.random.default_rng(5).uniform(0.1, 3.0, size=X.shape[0])
    kw = dict(n_clusters=4, init="k-means++", random_state=1, max_iter=60)
    m = pdk.KMeans(**kw).fit(Xd, sample_weight=da.from_array(w, chunks=(Xd.chunks[0],)))
    r = KMeans(**kw).fit(X, sample_weight=w)
    assert m.n_iter_ == r.n_iter_
    assert rel(m.cluster_centers_, r.cluster_centers_) <= RTOL
    assert abs(m.inertia_ - r.inertia_) <= RTOL * r.inertia_


def test_float32_stays_float32(client, data):
    X, y, _, _ = data
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    Xd = da.from_array(X32, chunks=(600, 6))
    kw = dict(solver="gd", learning_rate=0.05, max_iter=30)
    m = pdk.LinearRegression(**kw).fit(Xd, da.from_array(y32, chunks=600))
    r = LinearRegression(**kw).fit(X32, y32)
    assert m.coef_.dtype == np.float32 and m.predict(Xd).dtype == np.float32
    assert rel(m.coef_, r.coef_) <= 1e-5
    k = pdk.KMeans(3, init=X32[:3].copy(), max_iter=20).fit(Xd)
    kr = KMeans(3, init=X32[:3].copy(), max_iter=20).fit(X32)
    assert k.cluster_centers_.dtype == np.float32 and rel(k.cluster_centers_, kr.cluster_centers_) <= 1e-5
    g = pdk.GaussianAnomalyDetector().fit(Xd)
    assert g.var_.dtype == np.float32 and rel(g.var_, GaussianAnomalyDetector().fit(X32).var_) <= 1e-5


def test_callbacks_see_every_iteration(client, data):
    from pyml.utils.callbacks import Callback

    _, _, Xd, yd = data
    seen = []

    class Record(Callback):
        def on_iteration_end(self, estimator, iteration, logs=None):
            seen.append(logs["loss"])

    m = pdk.LinearRegression(solver="gd", learning_rate=0.05, max_iter=12).fit(Xd, yd, callbacks=[Record()])
    np.testing.assert_array_equal(np.asarray(seen), m.cost_history_)


def test_kmeans_pickle_computes_lazy_labels(client, data):
    X, _, Xd, _ = data
    m = pdk.KMeans(3, init=X[:3].copy(), max_iter=10).fit(Xd)
    m2 = pickle.loads(pickle.dumps(m))
    assert isinstance(m2.labels_, np.ndarray)
    np.testing.assert_array_equal(m2.labels_, m.labels_.compute())
    np.testing.assert_array_equal(m2.predict(X), m.predict(X))


def test_lazy_larger_than_budget_input_is_not_persisted(client, monkeypatch):
    """Above the memory budget X stays lazy (generated on the workers every pass) and the fit is unchanged."""
    from pyml.dask import _core

    X = da.random.RandomState(0).normal(size=(3000, 4), chunks=(1000, 4))
    Xm = X.compute()
    ref = KMeans(3, init=Xm[:3].copy(), max_iter=15).fit(Xm)
    monkeypatch.setattr(_core, "_memory_budget", lambda: 1.0)
    assert _core.persist_if_fits(X)[0] is X
    m = pdk.KMeans(3, init=Xm[:3].copy(), max_iter=15).fit(X)
    assert rel(m.cluster_centers_, ref.cluster_centers_) <= RTOL and m.n_iter_ == ref.n_iter_


def test_cluster_side_and_client_side_trees_agree(monkeypatch):
    """Beyond CLIENT_COMBINE_MAX_BLOCKS the same tree runs as Dask tasks: bitwise the same model."""
    import dask

    from pyml.dask import _core

    X = np.random.default_rng(0).normal(size=(7000, 3))
    Xd, yd = da.from_array(X, chunks=(100, 3)), da.from_array(X @ [1.0, 2.0, 3.0], chunks=100)
    with dask.config.set(scheduler="synchronous"):
        monkeypatch.setattr(_core, "CLIENT_COMBINE_MAX_BLOCKS", 10**6)  # 70 blocks: combined on the client
        a = pdk.LinearRegression(solver="gd", learning_rate=0.1, max_iter=10).fit(Xd, yd)
        monkeypatch.setattr(_core, "CLIENT_COMBINE_MAX_BLOCKS", 8)  # combined by Dask tasks
        b = pdk.LinearRegression(solver="gd", learning_rate=0.1, max_iter=10).fit(Xd, yd)
    np.testing.assert_array_equal(a.coef_, b.coef_)
