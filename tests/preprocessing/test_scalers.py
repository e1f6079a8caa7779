"""Preprocessing against NumPy references and the course's conventions."""
import pickle

import numpy as np
import pytest

from pyml.exceptions import NotFittedError
from pyml.preprocessing import MinMaxScaler, PolynomialFeatures, StandardScaler, map_feature, zscore_normalize_features


def test_zscore_population_std(rng):
    X = rng.normal(5, 3, (50, 4))
    Xn, mu, sigma = zscore_normalize_features(X)
    np.testing.assert_allclose(mu, X.mean(0))
    np.testing.assert_allclose(sigma, np.sqrt(((X - X.mean(0)) ** 2).mean(0)))
    np.testing.assert_allclose(Xn, (X - mu) / sigma)
    with pytest.raises(ValueError, match="constant"):
        zscore_normalize_features(np.ones((5, 2)))


def test_map_feature_order_and_count():
    x1, x2 = np.array([2.0, 3.0]), np.array([5.0, 7.0])
    out = map_feature(x1, x2, degree=2)
    np.testing.assert_allclose(out, np.column_stack([x1, x2, x1 ** 2, x1 * x2, x2 ** 2]))
    assert map_feature(x1, x2).shape == (2, 27)
    assert map_feature(x1, x2)[0, -1] == 5.0 ** 6
    with pytest.raises(ValueError, match="equal length"):
        map_feature(x1, x2[:1])


def test_standard_scaler(rng):
    X = rng.normal(2, 4, (100, 3)).astype(np.float32)
    sc = StandardScaler().fit(X)
    Z = sc.transform(X)
    assert Z.dtype == np.float32
    np.testing.assert_allclose(Z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(Z.std(0), 1, atol=1e-5)
    np.testing.assert_allclose(sc.inverse_transform(Z), X, rtol=1e-5)
    Xc = np.column_stack([X, np.full(100, 3.0)])
    assert np.all(np.isfinite(StandardScaler().fit_transform(Xc)))
    with pytest.raises(NotFittedError):
        StandardScaler().transform(X)
    with pytest.raises(ValueError, match="3 features"):
        sc.transform(Xc)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(sc)).transform(X), Z)


def test_minmax_scaler(rng):
    X = rng.uniform(-3, 9, (60, 2))
    Z = MinMaxScaler(feature_range=(-1, 1)).fit_transform(X)
    np.testing.assert_allclose(Z.min(0), -1)
    np.testing.assert_allclose(Z.max(0), 1)
    with pytest.raises(ValueError, match="feature_range"):
        MinMaxScaler(feature_range=(1, 0)).fit(X)


def test_polynomial_features_match_sklearn(rng):
    X = rng.standard_normal((10, 3))
    ours = PolynomialFeatures(3).fit_transform(X)
    sk = pytest.importorskip("sklearn.preprocessing")
    ref = sk.PolynomialFeatures(3, include_bias=False).fit_transform(X)
    np.testing.assert_allclose(ours, ref)
    assert PolynomialFeatures(2, include_bias=True).fit(X).get_feature_names_out()[:2].tolist() == ["1", "x0"]
