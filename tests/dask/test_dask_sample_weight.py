"""sample_weight in pyml.dask's LinearRegression / LogisticRegression: the weighted distributed fit equals the
weighted in-memory fit (float64, 1e-9 relative; the in-memory one is checked against repeated rows in
tests/linear_model), for every solver; a block of zero weights adds nothing; bad weights are named."""
import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="pyml.dask tests need dask[distributed]: pip install 'pyml[dask]'")

import pyml.dask as pdk  # noqa: E402
from pyml.linear_model import LinearRegression, LogisticRegression  # noqa: E402

RTOL = 1e-9
pytestmark = pytest.mark.filterwarnings("ignore:.*did not converge")
CHUNKS = (300, 500, 200, 600)


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1600, 5)) + np.array([0, 1, 2, -1, 0.5])
    y = X @ np.array([1.0, -2.0, 0.5, 3.0, 0.0]) + 0.7 + 0.3 * rng.normal(size=1600)
    labels = np.digitize(X[:, 0] - X[:, 1] + 0.5 * rng.normal(size=1600), [-1.5, 0.0])
    sw = rng.integers(0, 4, 1600).astype(np.float64)
    sw[300:800] = 0.0  # the whole second block weighs nothing
    return X, y, labels, sw


def _dask(*arrays):
    return [da.from_array(a, chunks=(CHUNKS,) + a.shape[1:]) for a in arrays]


@pytest.mark.parametrize("kw", [dict(solver="normal", reg_lambda=0.0), dict(solver="normal", reg_lambda=2.0),
                                dict(solver="gd", learning_rate=0.05, max_iter=30, reg_lambda=0.5),
                                dict(solver="gd", max_iter=30)])
def test_weighted_linear_regression_equals_in_memory(client, data, kw):
    X, y, _, sw = data
    Xd, yd, swd = _dask(X, y, sw)
    m = pdk.LinearRegression(**kw).fit(Xd, yd, sample_weight=swd)
    r = LinearRegression(**kw).fit(X, y, sample_weight=sw)
    assert rel(m.coef_, r.coef_) <= RTOL and rel(m.intercept_, r.intercept_) <= RTOL
    assert rel(m.cost_history_, r.cost_history_) <= RTOL
    unweighted = LinearRegression(**kw).fit(X, y)
    assert rel(m.coef_, unweighted.coef_) > 1e-6  # the weights did something
    m_np = pdk.LinearRegression(**kw).fit(Xd, yd, sample_weight=sw)  # NumPy weights split like X's rows
    assert rel(m_np.coef_, m.coef_) <= 1e-15


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("kw", [dict(solver="newton"), dict(solver="gd", learning_rate=0.5, max_iter=25)])
def test_weighted_logistic_regression_equals_in_memory(client, data, binary, kw):
    X, _, labels, sw = data
    yl = (labels > 0).astype(int) if binary else labels
    Xd, yd, swd = _dask(X, yl, sw)
    m = pdk.LogisticRegression(**kw).fit(Xd, yd, sample_weight=swd)
    r = LogisticRegression(**kw).fit(X, yl, sample_weight=sw)
    np.testing.assert_array_equal(m.classes_, r.classes_)
    assert rel(m.coef_, r.coef_) <= 1e-7 and rel(m.intercept_, r.intercept_) <= 1e-7
    assert rel(m.predict_proba(Xd).compute(), r.predict_proba(X)) <= 1e-7


def test_in_memory_input_with_weights_takes_the_in_memory_path(client, data):
    X, y, _, sw = data
    m = pdk.LinearRegression().fit(X, y, sample_weight=_dask(sw)[0])
    r = LinearRegression().fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(m.coef_, r.coef_)


@pytest.mark.parametrize("bad, match", [(np.full(1600, -1.0), "sample_weight"), (np.zeros(1600), "sample_weight"),
                                        (np.full(1600, np.nan), "sample_weight"), (np.ones(7), "sample_weight")])
def test_bad_weights_are_named(client, data, bad, match):
    X, y, _, _ = data
    Xd, yd = _dask(X, y)
    with pytest.raises(ValueError, match=match):
        pdk.LinearRegression().fit(Xd, yd, sample_weight=bad)
