"""LinearRegression / LogisticRegression: solvers agree, sklearn agreement, checks, pickling, bad input."""
import pickle
import warnings

import numpy as np
import pytest

from pyml.datasets import load_breast_cancer, load_digits, load_diabetes
from pyml.exceptions import ConvergenceWarning, NotFittedError
from pyml.linear_model import LinearRegression, LogisticRegression
from pyml.preprocessing import StandardScaler


def scaled(X):
    return StandardScaler().fit_transform(X)


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return scaled(X), y


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return scaled(X), y


@pytest.mark.parametrize("lam", [0.0, 5.0])
def test_linear_gd_converges_to_normal_equation(diabetes, lam):
    X, y = diabetes
    exact = LinearRegression(reg_lambda=lam).fit(X, y)
    gd = LinearRegression(solver="gd", learning_rate=0.45, max_iter=20000, tol=1e-14, reg_lambda=lam).fit(X, y)
    np.testing.assert_allclose(gd.coef_, exact.coef_, rtol=1e-4, atol=1e-3)
    assert gd.intercept_ == pytest.approx(exact.intercept_, rel=1e-8)
    assert gd.cost_history_[-1] == pytest.approx(exact.cost_history_[-1], rel=1e-8)
    assert np.all(np.diff(gd.cost_history_) <= 1e-9)


def test_linear_normal_matches_closed_form_and_sklearn(diabetes):
    X, y = diabetes
    model = LinearRegression().fit(X, y)
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.solve(A.T @ A, A.T @ y)
    np.testing.assert_allclose(model.coef_, theta[:-1], rtol=1e-9)
    assert model.intercept_ == pytest.approx(theta[-1])
    sk = pytest.importorskip("sklearn.linear_model")
    ridge = sk.Ridge(alpha=3.0).fit(X, y)  # Ridge: ||y - Xw||² + α||w||²  <=>  λ = α
    ours = LinearRegression(reg_lambda=3.0).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ridge.coef_, rtol=1e-9)
    assert ours.score(X, y) == pytest.approx(ridge.score(X, y))


def test_logistic_gd_converges_to_newton(cancer):
    X, y = cancer
    newton = LogisticRegression(reg_lambda=1.0, tol=1e-9).fit(X, y)
    gd = LogisticRegression(solver="gd", learning_rate=1.0, max_iter=20000, tol=1e-15, reg_lambda=1.0).fit(X, y)
    np.testing.assert_allclose(gd.coef_, newton.coef_, atol=2e-4)
    np.testing.assert_allclose(gd.predict_proba(X), newton.predict_proba(X), atol=1e-4)


def test_binary_logistic_matches_sklearn(cancer):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = cancer
    ours = LogisticRegression(reg_lambda=2.0, tol=1e-10).fit(X, y)
    ref = sk.LogisticRegression(C=0.5, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)


def test_multinomial_matches_sklearn_on_digits():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = load_digits(split="train", return_X_y=True)
    Xt, yt = load_digits(split="test", return_X_y=True)
    sc = StandardScaler().fit(X)
    X, Xt = sc.transform(X), sc.transform(Xt)
    ours = LogisticRegression(reg_lambda=50.0, tol=1e-8).fit(X, y)
    ref = sk.LogisticRegression(C=1 / 50.0, tol=1e-10, max_iter=5000).fit(X, y)
    assert np.mean(ours.predict(Xt) == ref.predict(Xt)) >= 0.995
    np.testing.assert_allclose(ours.predict_proba(Xt), ref.predict_proba(Xt), atol=2e-3)
    assert ours.score(Xt, yt) > 0.93
    assert ours.coef_.shape == (10, 64) and ours.intercept_.shape == (10,)


def test_multinomial_gd_decreases_cost_and_agrees(rng):
    centers = np.array([[0, 0], [3, 3], [0, 4]])
    X = np.vstack([c + rng.standard_normal((60, 2)) for c in centers])
    y = np.repeat(["a", "b", "c"], 60)
    gd = LogisticRegression(solver="gd", learning_rate=0.5, max_iter=3000, tol=1e-13).fit(X, y)
    nt = LogisticRegression(tol=1e-10).fit(X, y)
    assert list(gd.classes_) == ["a", "b", "c"]
    assert np.all(np.diff(gd.cost_history_) <= 1e-12)
    np.testing.assert_allclose(gd.predict_proba(X), nt.predict_proba(X), atol=1e-3)


@pytest.mark.parametrize("Est", [LinearRegression, LogisticRegression])
def test_float32_kept_and_threads_identical(cancer, Est):
    X, y = cancer
    X32 = X.astype(np.float32)
    a = Est(solver="gd", max_iter=50, n_jobs=1).fit(X32, y)
    b = Est(solver="gd", max_iter=50, n_jobs=2).fit(X32, y)
    assert a.coef_.dtype == np.float32
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.predict(X32), b.predict(X32))


@pytest.mark.parametrize("Est", [LinearRegression, LogisticRegression])
def test_pickle_round_trip(cancer, Est):
    X, y = cancer
    model = Est().fit(X, y)
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


def test_pickle_from_other_version_warns(cancer):
    from pyml.exceptions import InconsistentVersionWarning

    X, y = cancer
    state = LinearRegression().fit(X, y).__getstate__()
    state["_pyml_version"] = "0.0.1"
    model = LinearRegression.__new__(LinearRegression)
    with pytest.warns(InconsistentVersionWarning):
        model.__setstate__(state)


def test_partial_fit_streams_towards_solution(diabetes):
    X, y = diabetes
    model = LinearRegression(solver="gd", learning_rate=0.3)
    for epoch in range(300):
        for start in range(0, len(X), 100):
            model.partial_fit(X[start:start + 100], y[start:start + 100])
    exact = LinearRegression().fit(X, y)
    assert model.score(X, y) == pytest.approx(exact.score(X, y), abs=0.01)
    clf = LogisticRegression(solver="gd", learning_rate=0.5)
    Xc, yc = load_breast_cancer(return_X_y=True)
    Xc = scaled(Xc)
    for _ in range(30):
        clf.partial_fit(Xc, yc, classes=[0, 1])
    assert clf.score(Xc, yc) > 0.95


def test_convergence_warning_and_history(cancer):
    X, y = cancer
    with pytest.warns(ConvergenceWarning):
        m = LogisticRegression(solver="gd", max_iter=5).fit(X, y)
    assert m.n_iter_ == 5 and len(m.cost_history_) == 5


def test_verbose_and_callbacks(cancer, capsys):
    from pyml.utils import History

    X, y = cancer
    hist = History()
    LogisticRegression(verbose=1).fit(X, y, callbacks=[hist])
    assert len(hist.history["loss"]) >= 3
    assert "LogisticRegression" in capsys.readouterr().err


def test_predict_before_fit_and_bad_inputs(cancer):
    X, y = cancer
    for est in (LinearRegression(), LogisticRegression()):
        with pytest.raises(NotFittedError, match="not fitted"):
            est.predict(X)
    clf = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="30 features"):
        clf.predict(X[:, :5])
    with pytest.raises(ValueError, match="only one class"):
        LogisticRegression().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(ValueError, match="at most 4096 classes"):
        LogisticRegression().fit(np.zeros((5000, 1)), np.arange(5000))
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="solver"):
        LinearRegression(solver="sgd").fit(X, y)
    with pytest.raises(ValueError, match="reg_lambda"):
        LinearRegression(reg_lambda=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="labels not seen"):
        LogisticRegression(solver="gd").partial_fit(X, y, classes=[0, 1]).partial_fit(X, y + 5)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        LinearRegression(solver="gd", learning_rate=100.0).fit(X * 100, y)
    with pytest.raises(TypeError, match="sparse"):
        sp = pytest.importorskip("scipy.sparse")
        LinearRegression().fit(sp.csr_matrix(X), y)


def test_get_set_params_and_repr():
    m = LogisticRegression(reg_lambda=0.5)
    assert m.get_params()["reg_lambda"] == 0.5
    m.set_params(solver="gd", max_iter=10)
    assert repr(m) == "LogisticRegression(max_iter=10, reg_lambda=0.5, solver='gd')"
    with pytest.raises(ValueError, match="Invalid parameter"):
        m.set_params(C=1.0)


def test_auto_learning_rate_is_the_inverse_lipschitz_constant():
    from pyml.linear_model._linear import lipschitz_constant

    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 4)) * [1.0, 5.0, 20.0, 2.0] + 2.0  # unscaled: a fixed 0.01 diverges
    y = X @ np.array([1.0, -0.5, 0.02, 3.0]) + 7.0
    A = np.column_stack([X, np.ones(len(X))])
    L = np.linalg.eigvalsh(A.T @ A / len(X)).max()
    assert lipschitz_constant(X) == pytest.approx(L, rel=1e-6)
    assert lipschitz_constant(X, fit_intercept=False) == pytest.approx(np.linalg.eigvalsh(X.T @ X / 300).max(),
                                                                       rel=1e-6)
    assert lipschitz_constant(X, reg_lambda=30.0) == pytest.approx(L + 30.0 / 300, rel=1e-6)
    gd = LinearRegression(solver="gd", max_iter=100000, tol=1e-15).fit(X, y)
    assert gd.learning_rate_ == pytest.approx(1 / L, rel=1e-6)
    exact = LinearRegression().fit(X, y)
    np.testing.assert_allclose(gd.coef_, exact.coef_, rtol=1e-6, atol=1e-6)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        LinearRegression(solver="gd", learning_rate=0.01).fit(X, y)  # the course's constant rate: diverges here
    course = LinearRegression(solver="gd", learning_rate=0.01, max_iter=50).fit(X / 100, y)
    assert course.learning_rate_ == 0.01
    with pytest.raises(TypeError, match="learning_rate"):
        LinearRegression(solver="gd", learning_rate="fast").fit(X, y)
