"""MLPClassifier / MLPRegressor: scikit-learn contract and accuracy."""
import pickle
import warnings

import numpy as np
import pytest

from pyml.datasets import load_digits
from pyml.exceptions import ConvergenceWarning, NotFittedError
from pyml.neural_network import MLPClassifier, MLPRegressor


try:
    from sklearn.utils.estimator_checks import parametrize_with_checks
except ImportError:  # pragma: no cover
    parametrize_with_checks = None


if parametrize_with_checks is not None:
    @parametrize_with_checks([MLPClassifier(hidden_layer_sizes=(20,), max_iter=60, random_state=0),
                              MLPRegressor(hidden_layer_sizes=(20,), max_iter=60, learning_rate=0.01,
                                           random_state=0)])
    def test_sklearn_compatible(estimator, check):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            check(estimator)


@pytest.mark.filterwarnings("ignore::pyml.exceptions.ConvergenceWarning")
def test_digits_accuracy_and_threads():
    Xtr, ytr = load_digits(split="train", return_X_y=True)
    Xte, yte = load_digits(split="test", return_X_y=True)
    Xtr, Xte = (Xtr / 16).astype(np.float32), (Xte / 16).astype(np.float32)
    a = MLPClassifier(hidden_layer_sizes=(64,), max_iter=30, random_state=0, n_jobs=1).fit(Xtr, ytr)
    assert a.score(Xte, yte) >= 0.95
    assert a.coefs_[0].dtype == np.float32 and a.predict_proba(Xte).dtype == np.float32
    b = MLPClassifier(hidden_layer_sizes=(64,), max_iter=30, random_state=0, n_jobs=2).fit(Xtr, ytr)
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(wa, wb)
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(c.predict_proba(Xte), a.predict_proba(Xte))
    np.testing.assert_allclose(a.predict_proba(Xte).sum(1), 1, rtol=1e-5)


def test_string_labels_early_stopping_and_regressor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=500, early_stopping=True, random_state=1).fit(X, y)
    assert set(clf.classes_) == {"no", "yes"} and clf.n_iter_ < 500
    assert clf.score(X, y) > 0.9
    yr = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3
    reg = MLPRegressor(hidden_layer_sizes=(32,), max_iter=200, learning_rate=0.01, random_state=0).fit(X, yr)
    assert reg.score(X, yr) > 0.95
    Y2 = np.column_stack([yr, -yr])
    reg2 = MLPRegressor(hidden_layer_sizes=(32,), max_iter=100, learning_rate=0.01, random_state=0).fit(X, Y2)
    assert reg2.predict(X).shape == (300, 2)


def test_mlp_errors():
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="one class"):
        MLPClassifier().fit(np.zeros((4, 2)), [1, 1, 1, 1])
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=(0,)).fit(np.zeros((4, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="activation"):
        MLPRegressor(activation="swish").fit(np.zeros((4, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="NaN"):
        MLPRegressor().fit(np.array([[np.nan, 1.0], [1.0, 2.0]]), [0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = MLPClassifier(max_iter=2).fit(np.random.default_rng(0).normal(size=(20, 3)), [0, 1] * 10)
    with pytest.raises(ValueError, match="3 features"):
        m.predict(np.zeros((2, 4)))
