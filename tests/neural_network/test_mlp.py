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


def test_partial_fit_epochs_match_fit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    a = MLPClassifier(hidden_layer_sizes=(8,), learning_rate=0.01, random_state=3)
    for _ in range(4):
        a.partial_fit(X, y, classes=[0, 1])
    assert a.n_iter_ == 4 and len(a.loss_curve_) == 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        b = MLPClassifier(hidden_layer_sizes=(8,), learning_rate=0.01, max_iter=4, random_state=3).fit(X, y)
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(wa, wb)  # same seeds, same shuffles: k partial fits == fit(max_iter=k)
    assert a.score(X, y) > 0.6
    with pytest.raises(ValueError, match="not in classes"):
        a.partial_fit(X, np.full(120, 7))
    with pytest.raises(ValueError, match="classes"):
        MLPClassifier().partial_fit(X, y)
    r = MLPRegressor(hidden_layer_sizes=(8,), learning_rate=0.01, random_state=0)
    for _ in range(3):
        r.partial_fit(X, X[:, 0])
    assert r.predict(X).shape == (120,) and r.n_iter_ == 3


def test_verbose_prints_progress(capsys):
    X = np.random.default_rng(0).normal(size=(40, 3))
    MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, verbose=2, random_state=0).fit(X, X[:, 0])
    err = capsys.readouterr().err
    assert err.count("] epoch ") == 3 and "loss=" in err
