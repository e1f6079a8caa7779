"""Course 2 week 3: error measures, cross-validation, curves, grid search (NumPy references)."""
import numpy as np
import pytest

from pyml.base import BaseEstimator, RegressorMixin
from pyml.linear_model import LinearRegression, LogisticRegression
from pyml.model_selection import (
    GridSearchCV, KFold, ParameterGrid, StratifiedKFold, cross_val_score, diagnose_bias_variance, eval_cat_err,
    eval_mse, learning_curve, train_cv_test_split, validation_curve,
)
from pyml.preprocessing import PolynomialFeatures, StandardScaler


class PolyRegression(RegressorMixin, BaseEstimator):
    """Polynomial features + scaling + linear regression (the week-3 lab's model)."""

    def __init__(self, degree=1, reg_lambda=0.0):
        self.degree = degree
        self.reg_lambda = reg_lambda

    def fit(self, X, y):
        self.poly_ = PolynomialFeatures(self.degree).fit(X)
        Z = self.poly_.transform(X)
        self.scaler_ = StandardScaler().fit(Z)
        self.lin_ = LinearRegression(reg_lambda=self.reg_lambda).fit(self.scaler_.transform(Z), y)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return self.lin_.predict(self.scaler_.transform(self.poly_.transform(X)))


def test_course_errors():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    yhat = np.array([1.5, 2.0, 2.0, 4.0])
    assert eval_mse(y, yhat) == pytest.approx((0.25 + 1.0) / 8)
    assert eval_cat_err([0, 1, 2, 1], [0, 2, 2, 0]) == 0.5
    with pytest.raises(ValueError):
        eval_mse([1, 2], [1])


def test_kfold_partitions():
    X = np.arange(23).reshape(-1, 1)
    folds = list(KFold(5).split(X))
    sizes = [len(v) for _, v in folds]
    assert sizes == [5, 5, 5, 4, 4]
    np.testing.assert_array_equal(np.sort(np.concatenate([v for _, v in folds])), np.arange(23))
    for tr, va in folds:
        assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == 23
    a = [v for _, v in KFold(4, shuffle=True, random_state=3).split(X)]
    b = [v for _, v in KFold(4, shuffle=True, random_state=3).split(X)]
    for x, z in zip(a, b):
        np.testing.assert_array_equal(x, z)
    with pytest.raises(ValueError):
        KFold(1)


def test_stratified_kfold_keeps_proportions():
    y = np.array([0] * 30 + [1] * 10 + [2] * 20)
    X = np.zeros((60, 1))
    for tr, va in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        np.testing.assert_array_equal(np.bincount(y[va]), [6, 2, 4])
    with pytest.raises(ValueError):
        list(StratifiedKFold(11).split(np.zeros((20, 1)), [0] * 10 + [1] * 10))


def test_cross_val_score_matches_manual_loop(rng):
    X = rng.normal(size=(80, 3))
    y = X @ np.array([1.0, -1.0, 2.0]) + rng.normal(scale=0.5, size=80)
    scores = cross_val_score(LinearRegression(), X, y, cv=4, scoring="neg_eval_mse")
    manual = []
    for tr, va in KFold(4).split(X):
        m = LinearRegression().fit(X[tr], y[tr])
        manual.append(-eval_mse(y[va], m.predict(X[va])))
    np.testing.assert_allclose(scores, manual)


def test_train_cv_test_split_60_20_20(rng):
    X = np.arange(50).reshape(-1, 1)
    y = np.arange(50)
    Xtr, Xcv, Xte, ytr, ycv, yte = train_cv_test_split(X, y, random_state=1)
    assert (len(Xtr), len(Xcv), len(Xte)) == (30, 10, 10)
    np.testing.assert_array_equal(np.sort(np.concatenate([ytr, ycv, yte])), y)
    np.testing.assert_array_equal(Xtr[:, 0], ytr)
    with pytest.raises(ValueError):
        train_cv_test_split(X, train_size=0.5, cv_size=0.2, test_size=0.2)


def _poly_data(rng, n=120):
    x = rng.uniform(-3, 3, size=(n, 1))
    y = 0.5 * x[:, 0] ** 3 - x[:, 0] ** 2 + rng.normal(scale=1.0, size=n)
    return x, y


def test_validation_curve_over_degree_picks_cubic(rng):
    X, y = _poly_data(rng, 200)
    Xtr, Xcv, _, ytr, ycv, _ = train_cv_test_split(X, y, random_state=0)
    degrees = list(range(1, 9))
    tr, cv = validation_curve(PolyRegression(), Xtr, ytr, param_name="degree", param_range=degrees,
                              validation_data=(Xcv, ycv))
    assert tr.shape == cv.shape == (8, 1)
    assert np.all(np.diff(tr[:, 0]) <= 1e-9)  # training error never grows with the degree
    assert degrees[int(np.argmin(cv[:, 0]))] >= 3  # a line or a parabola underfits the cubic
    assert cv[0, 0] > 2 * cv[2, 0] and cv[1, 0] > 1.5 * cv[2, 0]
    m = PolyRegression(degree=2).fit(Xtr, ytr)
    assert tr[1, 0] == pytest.approx(eval_mse(ytr, m.predict(Xtr)))
    assert cv[1, 0] == pytest.approx(eval_mse(ycv, m.predict(Xcv)))


def test_validation_curve_over_lambda_and_classifier_error(rng):
    X, y = _poly_data(rng)
    tr, cv = validation_curve(PolyRegression(degree=8), X, y, param_name="reg_lambda",
                              param_range=[0.0, 0.1, 10.0, 1000.0], cv=3)
    assert tr.shape == (4, 3)
    assert tr[-1].mean() > tr[0].mean()  # heavy regularization: high bias
    Xc = rng.normal(size=(90, 2))
    yc = (Xc[:, 0] > 0).astype(int)
    trc, cvc = validation_curve(LogisticRegression(), Xc, yc, param_name="reg_lambda", param_range=[0.01, 1.0])
    assert np.all((0 <= cvc) & (cvc <= 1))  # categorization error by default for classifiers


def test_learning_curve(rng):
    X, y = _poly_data(rng, 150)
    sizes, tr, cv = learning_curve(LinearRegression(), X, y, train_sizes=[0.1, 0.5, 1.0], cv=3)
    n_train = 100
    np.testing.assert_array_equal(sizes, [10, 50, 100])
    assert tr.shape == cv.shape == (3, 3)
    # a straight line on cubic data: high bias, errors level off above a baseline
    assert diagnose_bias_variance(tr[-1].mean(), cv[-1].mean(), baseline=0.5) == "high bias"
    # first fold, smallest size by hand
    tr0, va0 = next(KFold(3).split(X))
    m = LinearRegression().fit(X[tr0][:10], y[tr0][:10])
    assert tr[0, 0] == pytest.approx(eval_mse(y[tr0][:10], m.predict(X[tr0][:10])))
    assert cv[0, 0] == pytest.approx(eval_mse(y[va0], m.predict(X[va0])))
    assert n_train == len(tr0)


def test_diagnosis_rules():
    assert diagnose_bias_variance(10.6, 10.9, baseline=10.6) == "just right"
    assert diagnose_bias_variance(15.0, 15.5, baseline=10.6) == "high bias"
    assert diagnose_bias_variance(10.8, 19.7, baseline=10.6) == "high variance"
    assert diagnose_bias_variance(15.0, 25.0, baseline=10.6) == "high bias and high variance"


def test_grid_search(rng):
    X, y = _poly_data(rng)
    grid = GridSearchCV(PolyRegression(), {"degree": [1, 3], "reg_lambda": [0.0, 100.0]}, cv=3,
                        scoring="neg_eval_mse").fit(X, y)
    assert grid.best_params_ == {"degree": 3, "reg_lambda": 0.0}
    assert len(grid.cv_results_["params"]) == len(ParameterGrid(grid.param_grid)) == 4
    assert grid.cv_results_["rank_test_score"][grid.best_index_] == 1
    manual = cross_val_score(PolyRegression(degree=3), X, y, cv=3, scoring="neg_eval_mse").mean()
    assert grid.best_score_ == pytest.approx(manual)
    assert grid.predict(X).shape == (len(X),)


@pytest.mark.filterwarnings("ignore::pyml.exceptions.ConvergenceWarning")
def test_accepts_sklearn_and_mlp_estimators(rng):
    pytest.importorskip("sklearn")
    from sklearn.linear_model import Ridge

    from pyml.neural_network import MLPClassifier

    X, y = _poly_data(rng, 60)
    assert cross_val_score(Ridge(), X, y, cv=3).shape == (3,)
    Xc = rng.normal(size=(60, 2))
    yc = (Xc[:, 0] > 0).astype(int)
    s = cross_val_score(MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0), Xc, yc, cv=3)
    assert s.shape == (3,) and np.all(s >= 0.5)
