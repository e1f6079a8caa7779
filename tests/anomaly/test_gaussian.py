"""Gaussian anomaly detection: course values, scipy agreement, NumPy references, threads, bad input."""
import os
import pathlib
import pickle
import warnings

import numpy as np
import pytest

from pyml.anomaly import GaussianAnomalyDetector, estimate_gaussian, multivariate_gaussian, select_threshold
from pyml.anomaly import _anomaly_kernels as K
from pyml.datasets import make_server_metrics
from pyml.exceptions import NotFittedError

# ../shared/course-data beside the checkout (as tests/conftest.py), or $PYML_COURSE_DATA.
_DATA = os.environ.get("PYML_COURSE_DATA") or str(pathlib.Path(__file__).resolve().parents[2].parent / "shared" /
                                                   "course-data")
COURSE = os.path.join(_DATA, "c3w1-anomaly-detection")
needs_course = pytest.mark.skipif(not os.path.isdir(COURSE), reason="course data not available")
DTYPES = [np.float32, np.float64]


def _course_select_threshold(y_val, p_val):
    """The lab's loop, verbatim in NumPy (reference)."""
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


def _course_density(X, mu, var):
    k = len(mu)
    var = np.diag(var) if var.ndim == 1 else var
    Xc = X - mu
    return (2 * np.pi) ** (-k / 2) * np.linalg.det(var) ** (-0.5) * np.exp(
        -0.5 * np.sum(Xc @ np.linalg.pinv(var) * Xc, axis=1))


@needs_course
def test_course_part1_values():
    X = np.load(f"{COURSE}/X_part1.npy")
    Xv, yv = np.load(f"{COURSE}/X_val_part1.npy"), np.load(f"{COURSE}/y_val_part1.npy")
    mu, var = estimate_gaussian(X)
    np.testing.assert_allclose(mu, [14.11222578, 14.99771051], atol=1e-8)
    np.testing.assert_allclose(var, [1.83263141, 1.70974533], atol=1e-8)
    p_val = multivariate_gaussian(Xv, mu, var)
    np.testing.assert_allclose(p_val, _course_density(Xv, mu, var), rtol=1e-10)
    eps, f1 = select_threshold(yv, p_val)
    np.testing.assert_allclose(eps, 8.990853e-05, rtol=1e-6)
    np.testing.assert_allclose(f1, 0.875, rtol=1e-12)
    ref = _course_select_threshold(yv, p_val)
    assert eps == ref[0] and f1 == ref[1]


@needs_course
def test_course_part2_values():
    X = np.load(f"{COURSE}/X_part2.npy")
    Xv, yv = np.load(f"{COURSE}/X_val_part2.npy"), np.load(f"{COURSE}/y_val_part2.npy")
    mu, var = estimate_gaussian(X)
    p = multivariate_gaussian(X, mu, var)
    p_val = multivariate_gaussian(Xv, mu, var)
    eps, f1 = select_threshold(yv, p_val)
    np.testing.assert_allclose(eps, 1.377229e-18, rtol=1e-6)
    np.testing.assert_allclose(f1, 0.615385, rtol=1e-6)
    assert int((p < eps).sum()) == 117
    det = GaussianAnomalyDetector().fit(X).fit_threshold(Xv, yv, method="grid")
    assert det.predict(X).sum() == 117
    exact = GaussianAnomalyDetector().fit(X).fit_threshold(Xv, yv, method="exact")
    assert exact.f1_ >= f1


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_density_matches_scipy_diag_and_full(dtype):
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    A = rng.normal(size=(6, 6))
    X = (rng.normal(size=(3000, 6)) @ A + 3).astype(dtype)
    for cov in ("diagonal", "full"):
        det = GaussianAnomalyDetector(covariance=cov).fit(X)
        Xt = rng.normal(size=(200, 6)).astype(dtype) * 3
        cov_ref = np.diag(np.var(X.astype(np.float64), axis=0)) if cov == "diagonal" else \
            np.cov(X.astype(np.float64).T, bias=True)
        ref = stats.multivariate_normal(np.mean(X.astype(np.float64), axis=0), cov_ref).logpdf(Xt.astype(np.float64))
        got = det.score_samples(Xt)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, ref, rtol=2e-4 if dtype == np.float32 else 1e-9,
                                   atol=1e-2 if dtype == np.float32 else 1e-9)
        np.testing.assert_allclose(det.density(Xt), np.exp(got))


def test_tiny_densities_do_not_underflow():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1000, 40))
    det = GaussianAnomalyDetector().fit(X)
    far = np.full((1, 40), 12.0)
    logp = det.score_samples(far)[0]
    assert np.isfinite(logp) and logp < -2000  # p = exp(-2000+) underflows as a density
    assert det.density(far)[0] == 0.0
    det.set_params(epsilon=1e-300).fit(X)
    assert det.predict(far)[0] == 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_estimate_gaussian_reference_and_threads(dtype):
    rng = np.random.default_rng(2)
    X = (rng.normal(size=(20000, 5)) * [1, 2, 3, 4, 5] + 100).astype(dtype)
    mu, var = estimate_gaussian(X)
    np.testing.assert_allclose(mu, X.astype(np.float64).mean(0), rtol=1e-6 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(var, X.astype(np.float64).var(0), rtol=1e-5 if dtype == np.float32 else 1e-10)
    for t in (1, 2):
        m2, v2 = K.fit_diag(X, t)
        np.testing.assert_array_equal(m2, mu)
        np.testing.assert_array_equal(v2, var)
    a = GaussianAnomalyDetector(n_jobs=1).fit(X).score_samples(X)
    b = GaussianAnomalyDetector(n_jobs=2).fit(X).score_samples(X)
    np.testing.assert_array_equal(a, b)


def test_select_threshold_grid_matches_course_loop_random():
    rng = np.random.default_rng(3)
    for trial in range(5):
        p = rng.lognormal(-5, 2, size=400)
        y = (rng.random(400) < 0.1).astype(int)
        y[np.argsort(p)[:5]] = 1
        assert select_threshold(y, p) == _course_select_threshold(y, p)


def test_select_threshold_exact_is_best_possible():
    rng = np.random.default_rng(4)
    p = np.round(rng.random(300), 2)  # ties
    y = (rng.random(300) < 0.2).astype(int)
    eps, f1 = select_threshold(y, p, method="exact")
    # Brute force over every candidate threshold
    best = 0.0
    for e in np.concatenate([np.unique(p), [np.inf]]):
        pred = p < e
        tp = np.sum(pred & (y == 1))
        if tp:
            prec, rec = tp / pred.sum(), tp / y.sum()
            best = max(best, 2 * prec * rec / (prec + rec))
    assert f1 == pytest.approx(best, rel=1e-12)
    pred = p < eps
    tp = np.sum(pred & (y == 1))
    assert 2 * tp / (pred.sum() + y.sum()) == pytest.approx(f1, rel=1e-12)
    grid_f1 = select_threshold(y, p)[1]
    assert f1 >= grid_f1


def test_log_grid_beats_linear_grid_high_dim():
    X, _ = make_server_metrics(20000, random_state=0, anomaly_fraction=0.0, n_features=16)
    Xv, yv = make_server_metrics(20000, random_state=1, anomaly_fraction=0.01, n_features=16)
    det = GaussianAnomalyDetector().fit(X)
    pv = det.density(Xv)
    f_lin = select_threshold(yv, pv)[1]
    f_log = select_threshold(yv, pv, method="log-grid")[1]
    f_exact = select_threshold(yv, det.score_samples(Xv), method="exact")[1]
    assert f_log > f_lin and f_exact >= f_log - 1e-12
    eps, f1, (grid, curve) = select_threshold(yv, pv, return_curve=True)
    assert grid.shape == curve.shape and curve.max() == f1


def test_fit_threshold_and_predict():
    X, _ = make_server_metrics(2000, random_state=0, anomaly_fraction=0.0)
    Xv, yv = make_server_metrics(1000, random_state=1, anomaly_fraction=0.05)
    det = GaussianAnomalyDetector(contamination=None).fit(X)
    with pytest.raises(ValueError, match="threshold"):  # contamination=None: no threshold until fit_threshold
        det.predict(Xv)
    det.fit_threshold(Xv, yv)
    assert det.f1_ > 0.8
    pred = det.predict(Xv)
    assert set(np.unique(pred)) <= {0, 1}
    tp = np.sum((pred == 1) & (yv == 1))
    assert 2 * tp / (pred.sum() + yv.sum()) == pytest.approx(det.f1_)
    np.testing.assert_array_equal(pred, (det.density(Xv) < det.epsilon_).astype(int))
    det2 = pickle.loads(pickle.dumps(det))
    np.testing.assert_array_equal(det2.predict(Xv), pred)
    np.testing.assert_array_equal(det2.score_samples(Xv), det.score_samples(Xv))


def test_full_covariance_catches_correlated_anomaly():
    rng = np.random.default_rng(5)
    z = rng.normal(size=2000)
    X = np.column_stack([z, z + 0.1 * rng.normal(size=2000)])
    odd = np.array([[1.5, -1.5]])  # normal per feature, absurd jointly
    diag = GaussianAnomalyDetector().fit(X)
    full = GaussianAnomalyDetector(covariance="full").fit(X)
    assert full.score_samples(odd)[0] < diag.score_samples(odd)[0] - 50
    np.testing.assert_allclose(full.covariance_, np.cov(X.T, bias=True), rtol=1e-10)
    np.testing.assert_allclose(multivariate_gaussian(odd, full.mean_, full.covariance_),
                               _course_density(odd, full.mean_, full.covariance_), rtol=1e-8)


def test_bad_inputs():
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = np.zeros(50, dtype=int)
    with pytest.raises(ValueError, match="no anomalies"):
        select_threshold(y, np.random.default_rng(0).random(50))
    with pytest.raises(ValueError, match="no normal"):
        select_threshold(np.ones(50), np.random.default_rng(0).random(50))
    with pytest.raises(ValueError, match="0 \\(normal\\) and 1"):
        select_threshold(np.arange(50), np.random.default_rng(0).random(50))
    with pytest.raises(ValueError, match="labels"):
        select_threshold(np.r_[0, 1, 0], np.random.default_rng(0).random(50))
    with pytest.raises(ValueError, match="all values of p_val are equal"):
        select_threshold(np.r_[0, 1, 0], np.ones(3))
    Xc = X.copy()
    Xc[:, 1] = 4.0
    with pytest.raises(ValueError, match=r"feature\(s\) \[1\] have zero variance"):
        GaussianAnomalyDetector().fit(Xc)
    with pytest.raises(ValueError, match="zero variance"):
        multivariate_gaussian(X, np.zeros(3), np.array([1.0, 0.0, 1.0]))
    Xn = X.copy()
    Xn[2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GaussianAnomalyDetector().fit(Xn)
    with pytest.raises(ValueError, match="sample"):
        GaussianAnomalyDetector().fit(np.empty((0, 3)))
    with pytest.raises(ValueError, match="singular"):
        GaussianAnomalyDetector(covariance="full").fit(np.column_stack([X[:, 0], 2 * X[:, 0]]))
    with pytest.raises(ValueError, match="covariance"):
        GaussianAnomalyDetector(covariance="spherical").fit(X)
    with pytest.raises(NotFittedError):
        GaussianAnomalyDetector().score_samples(X)
    det = GaussianAnomalyDetector().fit(X)
    with pytest.raises(ValueError, match="features"):
        det.score_samples(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="shape"):
        multivariate_gaussian(X, np.zeros(2), np.ones(3))


def _sklearn_checks():
    try:
        from sklearn.utils.estimator_checks import parametrize_with_checks
    except ImportError:  # pragma: no cover
        return pytest.mark.skip(reason="scikit-learn not installed")
    return parametrize_with_checks(
        [GaussianAnomalyDetector(), GaussianAnomalyDetector(epsilon=1e-3),
         GaussianAnomalyDetector(covariance="full", epsilon=1e-3)])


@_sklearn_checks()
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(estimator)


def test_nan_inf_reported_at_predict_time():
    X = np.random.default_rng(0).normal(size=(100, 3))
    det = GaussianAnomalyDetector(epsilon=1e-3).fit(X)
    for bad, msg in ((np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")):
        Xb = X.copy()
        Xb[7, 2] = bad
        with pytest.raises(ValueError, match=msg):
            det.score_samples(Xb)
        with pytest.raises(ValueError, match=msg):
            det.predict(Xb)
        with pytest.raises(ValueError, match=msg):
            GaussianAnomalyDetector().fit(Xb)
    far = np.full((1, 3), 1e200)
    assert det.score_samples(far)[0] == -np.inf  # finite input, density 0
    assert det.predict(far)[0] == 1


def test_refit_switching_covariance_type():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(500, 3)) @ np.array([[1, 0.5, 0], [0, 1, 0.3], [0, 0, 1]])
    det = GaussianAnomalyDetector(covariance="full").fit(X)
    full = det.score_samples(X)
    det.set_params(covariance="diagonal").fit(X)
    np.testing.assert_allclose(det.score_samples(X), GaussianAnomalyDetector().fit(X).score_samples(X))
    assert not np.allclose(det.score_samples(X), full)


def test_default_threshold_is_the_contamination_quantile():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 3))
    det = GaussianAnomalyDetector().fit(X)  # predict works right after fit
    flagged = det.predict(X)
    assert set(np.unique(flagged)) == {0, 1} and flagged.sum() == 20  # 1 % of 2000 rows, 1 = anomaly
    logp = det.score_samples(X)
    assert det.log_epsilon_ == pytest.approx(np.quantile(logp, 0.01))
    assert GaussianAnomalyDetector(contamination=0.1).fit(X).predict(X).sum() == 200
    assert GaussianAnomalyDetector(epsilon=1e-3).fit(X).epsilon_ == 1e-3  # a given epsilon wins
    with pytest.raises(ValueError, match="no threshold"):
        GaussianAnomalyDetector(contamination=None).fit(X).predict(X)
    for bad in (0, 0.5, -0.1, np.nan, "auto", True):
        with pytest.raises(ValueError, match="contamination"):
            GaussianAnomalyDetector(contamination=bad).fit(X)
    y_val = (np.abs(X).max(axis=1) > 2.8).astype(int)
    tuned = GaussianAnomalyDetector().fit(X).fit_threshold(X, y_val)
    assert tuned.f1_ > 0.5 and tuned.log_epsilon_ != det.log_epsilon_  # fit_threshold replaces the default
