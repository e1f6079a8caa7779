"""Metrics against NumPy formulas and scikit-learn."""
import numpy as np
import pytest

from pyml import metrics


@pytest.fixture
def labels(rng):
    y = rng.integers(0, 3, 200)
    p = np.where(rng.random(200) < 0.7, y, rng.integers(0, 3, 200))
    return y, p


def test_regression_metrics(rng):
    y = rng.standard_normal(50)
    p = y + 0.3 * rng.standard_normal(50)
    assert metrics.mean_squared_error(y, p) == pytest.approx(np.mean((y - p) ** 2))
    assert metrics.r2_score(y, p) == pytest.approx(1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))
    assert metrics.r2_score([1, 1], [1, 1]) == 1.0


def test_classification_metrics_match_sklearn(labels):
    skm = pytest.importorskip("sklearn.metrics")
    y, p = labels
    assert metrics.accuracy_score(y, p) == pytest.approx(skm.accuracy_score(y, p))
    np.testing.assert_array_equal(metrics.confusion_matrix(y, p), skm.confusion_matrix(y, p))
    for avg in ("macro", "micro"):
        assert metrics.precision_score(y, p, average=avg) == pytest.approx(skm.precision_score(y, p, average=avg))
        assert metrics.recall_score(y, p, average=avg) == pytest.approx(skm.recall_score(y, p, average=avg))
        assert metrics.f1_score(y, p, average=avg) == pytest.approx(skm.f1_score(y, p, average=avg))
    yb, pb = (y > 0).astype(int), (p > 0).astype(int)
    assert metrics.f1_score(yb, pb) == pytest.approx(skm.f1_score(yb, pb))
    assert metrics.precision_score(yb, pb) == pytest.approx(skm.precision_score(yb, pb))
    with pytest.raises(ValueError, match="multiclass"):
        metrics.f1_score(y, p)


def test_log_loss(rng):
    skm = pytest.importorskip("sklearn.metrics")
    y = rng.integers(0, 2, 100)
    prob = rng.uniform(0.01, 0.99, 100)
    assert metrics.log_loss(y, prob) == pytest.approx(skm.log_loss(y, prob))
    y3 = rng.integers(0, 3, 100)
    P = rng.dirichlet(np.ones(3), 100)
    assert metrics.log_loss(y3, P) == pytest.approx(skm.log_loss(y3, P))
    with pytest.raises(ValueError, match="columns"):
        metrics.log_loss(y3, P[:, :2])


def test_bad_metric_inputs():
    with pytest.raises(ValueError, match="inconsistent"):
        metrics.accuracy_score([1, 2], [1])
    with pytest.raises(ValueError, match="empty"):
        metrics.mean_squared_error([], [])
    with pytest.raises(ValueError, match="NaN"):
        metrics.r2_score([1.0, np.nan], [1.0, 2.0])
