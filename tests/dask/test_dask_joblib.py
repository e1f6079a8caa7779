"""joblib's "dask" backend for pyml's fan-out (grid search, cross-validation, curves, forests),
ParallelPostFit on Dask arrays, and a worker lost mid-fit (clear error or recovery, never a hang)."""
import threading

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="pyml.dask tests need dask[distributed]: pip install 'pyml[dask]'")
joblib = pytest.importorskip("joblib")

import pyml.dask as pdk  # noqa: E402
from pyml.ensemble import RandomForestClassifier  # noqa: E402
from pyml.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from pyml.model_selection import (  # noqa: E402
    GridSearchCV, cross_val_score, cross_validate, learning_curve, validation_curve,
)
from pyml.preprocessing import StandardScaler  # noqa: E402
from pyml.utils._threads import joblib_backend_active  # noqa: E402


@pytest.fixture(scope="module")
def clf_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 5))
    y = (X[:, 0] - 0.5 * X[:, 1] + 0.3 * rng.normal(size=400) > 0).astype(int)
    return X, y


def test_backend_detection(client):
    assert not joblib_backend_active()
    with joblib.parallel_backend("dask"):
        assert joblib_backend_active()


def test_grid_search_dask_backend_identical(client, clf_data):
    X, y = clf_data
    grid = {"max_depth": [2, 4], "max_features": [2, None]}
    est = RandomForestClassifier(n_estimators=8, random_state=0)
    ref = GridSearchCV(est, grid, cv=3).fit(X, y)
    with joblib.parallel_backend("dask"):
        got = GridSearchCV(est, grid, cv=3).fit(X, y)  # n_jobs=None: the context decides
    for key in ("mean_test_score", "std_test_score", "rank_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_array_equal(got.cv_results_[key], ref.cv_results_[key])
    assert got.best_params_ == ref.best_params_
    np.testing.assert_array_equal(got.predict_proba(X), ref.predict_proba(X))
    # explicit n_jobs outside any context (threads) gives the same results too
    thr = GridSearchCV(est, grid, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(thr.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"])


def test_cross_validation_and_curves_dask_backend_identical(client, clf_data):
    X, y = clf_data
    est = LogisticRegression(reg_lambda=0.5)
    ref = cross_validate(est, X, y, cv=4, return_train_score=True)
    ref_lc = learning_curve(est, X, y, cv=3, shuffle=True, random_state=0)
    ref_vc = validation_curve(est, X, y, param_name="reg_lambda", param_range=[0.1, 1.0, 10.0], cv=3)
    with joblib.parallel_backend("dask"):
        got = cross_validate(est, X, y, cv=4, return_train_score=True)
        scores = cross_val_score(est, X, y, cv=4)
        got_lc = learning_curve(est, X, y, cv=3, shuffle=True, random_state=0)
        got_vc = validation_curve(est, X, y, param_name="reg_lambda", param_range=[0.1, 1.0, 10.0], cv=3)
    np.testing.assert_array_equal(got["test_score"], ref["test_score"])
    np.testing.assert_array_equal(got["train_score"], ref["train_score"])
    np.testing.assert_array_equal(scores, ref["test_score"])
    for a, b in zip(got_lc, ref_lc):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(got_vc, ref_vc):
        np.testing.assert_array_equal(a, b)


def test_forest_dask_backend_identical_predict_proba(client, clf_data):
    X, y = clf_data
    ref = RandomForestClassifier(n_estimators=24, random_state=3).fit(X, y)
    with joblib.parallel_backend("dask"):
        got = RandomForestClassifier(n_estimators=24, random_state=3).fit(X, y)
    assert len(got.estimators_) == 24
    np.testing.assert_array_equal(got.predict_proba(X), ref.predict_proba(X))
    from pyml.ensemble import RandomForestRegressor

    yr = X[:, 0] * 2.0 + X[:, 1]
    ref_r = RandomForestRegressor(n_estimators=10, random_state=4).fit(X, yr)
    with joblib.parallel_backend("dask"):
        got_r = RandomForestRegressor(n_estimators=10, random_state=4, oob_score=True).fit(X, yr)
    np.testing.assert_array_equal(got_r.predict(X), ref_r.predict(X))


def test_joblib_map_without_joblib_runs_sequentially(monkeypatch):
    import sys

    from pyml.utils._threads import joblib_map

    monkeypatch.setitem(sys.modules, "joblib", None)  # "import joblib" now raises ImportError
    assert not joblib_backend_active()
    assert joblib_map(pow, [(2, 3), (3, 2)], n_jobs=4) == [8, 9]
    X = np.arange(40.0).reshape(20, 2)
    scores = cross_val_score(LinearRegression(), X, X[:, 0] * 3 + 1, cv=4, n_jobs=2)
    np.testing.assert_allclose(scores, 1.0)


def test_parallel_post_fit_forest_and_scaler(client, clf_data):
    X, y = clf_data
    Xd = da.from_array(X, chunks=(150, 5))
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    wrapped = pdk.ParallelPostFit(forest)
    proba = wrapped.predict_proba(Xd)
    assert isinstance(proba, da.Array) and proba.chunks == ((150, 150, 100), (2,))
    np.testing.assert_array_equal(proba.compute(), forest.predict_proba(X))
    np.testing.assert_array_equal(wrapped.predict(Xd).compute(), forest.predict(X))
    np.testing.assert_array_equal(wrapped.predict(X), forest.predict(X))  # NumPy passes straight through
    scaler = pdk.ParallelPostFit(StandardScaler()).fit(Xd)  # fitted in memory on the computed X
    ref = StandardScaler().fit(X)
    np.testing.assert_allclose(scaler.transform(Xd).compute(), ref.transform(X), rtol=1e-12, atol=1e-12)
    lin = pdk.ParallelPostFit(LinearRegression().fit(X, y.astype(float)))
    np.testing.assert_array_equal(lin.predict(Xd).compute(), lin.estimator.predict(X))
    from pyml.anomaly import GaussianAnomalyDetector

    logit = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(pdk.ParallelPostFit(logit).decision_function(Xd).compute(),
                                  logit.decision_function(X))
    gad = GaussianAnomalyDetector().fit(X)
    np.testing.assert_array_equal(pdk.ParallelPostFit(gad).score_samples(Xd).compute(), gad.score_samples(X))


def test_restart_mid_fit_raises_clearly_or_recovers(client):
    """client.restart() while a long KMeans fit runs: a clear ClusterError (or a finished fit), within 60 s."""
    rng = np.random.default_rng(0)
    Xd = da.from_array(rng.normal(size=(20000, 8)), chunks=(2500, 8))
    box = {}

    def run():
        try:
            box["model"] = pdk.KMeans(8, init="random", n_init=1, max_iter=100000, tol=0.0,
                                      random_state=0).fit(Xd)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(1.0)  # let a few Lloyd iterations run
    client.restart(timeout=30)
    t.join(45.0)
    assert not t.is_alive(), "the fit hung after client.restart()"
    print("restart outcome:", repr(box.get("error", "recovered/finished")))
    if "error" in box:
        assert isinstance(box["error"], pdk.ClusterError), repr(box["error"])
        assert "persist" in str(box["error"])
    else:  # converged before the restart, or Dask recomputed the lost blocks
        assert box["model"].n_iter_ >= 1
    client.wait_for_workers(2, timeout=30)


def test_incremental_equals_sequential_partial_fit(client, clf_data):
    from pyml.cluster import MiniBatchKMeans

    X, y = clf_data
    chunks = (100, 150, 150)
    Xd, yd = da.from_array(X, chunks=(chunks, 5)), da.from_array(y, chunks=(chunks,))
    bounds = np.cumsum((0,) + chunks)
    ref = LogisticRegression(solver="gd", learning_rate=0.5)
    for _ in range(2):
        for a, b in zip(bounds[:-1], bounds[1:]):
            ref.partial_fit(X[a:b], y[a:b], classes=[0, 1])
    inc = pdk.Incremental(LogisticRegression(solver="gd", learning_rate=0.5), n_passes=2).fit(Xd, yd, classes=[0, 1])
    np.testing.assert_array_equal(inc.estimator_.coef_, ref.coef_)
    np.testing.assert_array_equal(inc.predict_proba(Xd).compute(), ref.predict_proba(X))
    km_ref = MiniBatchKMeans(3, random_state=0)
    for a, b in zip(bounds[:-1], bounds[1:]):
        km_ref.partial_fit(X[a:b])
    km = pdk.Incremental(MiniBatchKMeans(3, random_state=0)).fit(Xd)
    np.testing.assert_array_equal(km.estimator_.cluster_centers_, km_ref.cluster_centers_)
    with pytest.raises(ValueError, match="partial_fit"):
        pdk.Incremental(RandomForestClassifier()).fit(Xd, yd)
