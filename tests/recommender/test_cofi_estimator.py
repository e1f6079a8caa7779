"""CollaborativeFiltering against NumPy references, brute-force rankings, and bad input."""
import os
import pathlib
import pickle

import numpy as np
import pytest

from pyml.datasets import make_ratings
from pyml.recommender import CollaborativeFiltering, cofi_cost_func, normalize_ratings
from pyml.utils.callbacks import Callback, History

SHARED = pathlib.Path(__file__).resolve().parents[2].parent / "shared"  # ../shared beside the checkout
MOVIELENS = str(SHARED / "datasets/movielens-small")


@pytest.fixture(scope="module")
def data():
    return make_ratings(n_users=60, n_items=80, n_features=4, density=0.2, noise=0.3, random_state=0)


def _np_adam(Y, R, d, lam, lr, iters, seed):
    """The lab's training loop in NumPy (dense formula, Keras' Adam)."""
    rng = np.random.default_rng(seed)
    n_items, n_users = Y.shape
    W = rng.standard_normal((n_users, d))
    X = rng.standard_normal((n_items, d))
    b = rng.standard_normal(n_users)
    Ynorm, _ = normalize_ratings(Y, R)
    params = [X, W, b]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    costs = []
    for t in range(1, iters + 1):
        E = (X @ W.T + b - Ynorm) * R
        costs.append(0.5 * np.sum(E ** 2) + lam / 2 * (np.sum(W ** 2) + np.sum(X ** 2)))
        grads = [E @ W + lam * X, E.T @ X + lam * W, E.sum(axis=0)]
        alpha = lr * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        for p, g, mm, vv in zip(params, grads, m, v):
            mm += (g - mm) * (1 - 0.9)
            vv += (g * g - vv) * (1 - 0.999)
            p -= mm * alpha / (np.sqrt(vv) + 1e-7)
    return X, W, b, np.array(costs)


def _np_als(Y, R, X0, lam, iters):
    """Biased ALS in NumPy: per-user then per-item ridge solves with [x, 1] features."""
    n_items, n_users = Y.shape
    d = X0.shape[1]
    mu = Y[R > 0].mean()
    X, c = X0.copy(), np.zeros(n_items)
    W, b = np.zeros((n_users, d)), np.zeros(n_users)
    reg = lam * np.eye(d + 1)
    costs = []
    for _ in range(iters):
        for j in range(n_users):  # reference only: loops are fine in the test
            rows = np.flatnonzero(R[:, j])
            A = np.column_stack([X[rows], np.ones(len(rows))])
            sol = np.linalg.solve(A.T @ A + reg, A.T @ (Y[rows, j] - mu - c[rows]))
            W[j], b[j] = sol[:d], sol[d]
        for i in range(n_items):
            cols = np.flatnonzero(R[i])
            if len(cols) == 0:
                X[i], c[i] = 0, 0
                continue
            A = np.column_stack([W[cols], np.ones(len(cols))])
            sol = np.linalg.solve(A.T @ A + reg, A.T @ (Y[i, cols] - mu - b[cols]))
            X[i], c[i] = sol[:d], sol[d]
        E = (X @ W.T + b + c[:, None] + mu - Y) * R
        costs.append(0.5 * np.sum(E ** 2) + lam / 2 * (np.sum(W ** 2) + np.sum(X ** 2) + np.sum(b ** 2) + np.sum(c ** 2)))
    return X, W, b, c, np.array(costs)


@pytest.mark.parametrize("d", [5, 13])  # 13: the 8-wide partial sums, their tail and 4-rating groups
def test_adam_equals_numpy_lab_loop(data, d):
    Y, R = data.Y, data.R
    m = CollaborativeFiltering(n_features=d, reg_lambda=1.0, solver="adam", max_iter=30, random_state=3).fit_matrix(Y, R)
    X, W, b, costs = _np_adam(Y, R, d, 1.0, 0.1, 30, 3)
    np.testing.assert_allclose(m.cost_history_, costs, rtol=1e-9)
    np.testing.assert_allclose(m.item_features_, X, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(m.user_bias_, b, rtol=1e-7, atol=1e-9)
    assert m.n_iter_ == 30 and m.cost_history_[-1] < m.cost_history_[0] / 5
    # predictions add the item means back (the lab's my_predictions)
    _, Ymean = normalize_ratings(Y, R)
    np.testing.assert_allclose(m.predict_matrix(), X @ W.T + b + Ymean, rtol=1e-7, atol=1e-7)
    # the recorded cost is the lab's cost function on the normalised ratings
    Ynorm, _ = normalize_ratings(Y, R)
    assert cofi_cost_func(X, W, b.reshape(1, -1), Ynorm, R, 1.0) < costs[-1]


@pytest.mark.parametrize("d", [4, 9])  # normal equations of 5 and 10 unknowns (padded to 8 and 12)
def test_als_equals_numpy_reference_and_beats_adam(data, d):
    Y, R = data.Y, data.R
    m = CollaborativeFiltering(n_features=d, reg_lambda=2.0, max_iter=5, random_state=0).fit_matrix(Y, R)
    X0 = 0.1 * np.random.default_rng(0).standard_normal((Y.shape[0], d))
    X, W, b, c, costs = _np_als(Y, R, X0, 2.0, 5)
    np.testing.assert_allclose(m.cost_history_, costs, rtol=1e-9)
    np.testing.assert_allclose(m.item_features_, X, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(m.user_weights_, W, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(m.item_bias_, c, rtol=1e-6, atol=1e-9)
    assert np.all(np.diff(m.cost_history_) <= 1e-9 * m.cost_history_[0])  # ALS never increases the cost
    # 5 ALS sweeps reach a lower cost than 5 steps of the lab's Adam (NumPy reference) on the same model size
    _, _, _, adam_costs = _np_adam(Y, R, d, 2.0, 0.1, 5, 0)
    assert m.cost_history_[-1] < adam_costs[-1]


@pytest.mark.parametrize("d", [6, 19])  # 19: enough work (nnz * d) for fit to really use 2 threads
@pytest.mark.parametrize("solver", ["als", "adam"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_threads_bitwise_identical_and_dtype_kept(data, solver, dtype, d):
    kw = dict(n_features=d, solver=solver, max_iter=8, random_state=1)
    X, y = data.X, data.y.astype(dtype)
    m1 = CollaborativeFiltering(n_jobs=1, **kw).fit(X, y)
    m2 = CollaborativeFiltering(n_jobs=2, **kw).fit(X, y)
    assert m1.item_features_.dtype == dtype and m1.predict(X).dtype == dtype
    for a in ("item_features_", "user_weights_", "user_bias_", "item_mean_", "cost_history_"):
        assert np.array_equal(getattr(m1, a), getattr(m2, a)), a


def test_fit_pairs_equals_fit_matrix_with_arbitrary_ids(data):
    m1 = CollaborativeFiltering(n_features=3, max_iter=4, random_state=0).fit_matrix(data.Y, data.R)
    X = data.X.copy()
    X2 = np.column_stack([X[:, 0] * 7 + 1000, X[:, 1] * 3 + 5])  # arbitrary, non-contiguous ids
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X2))
    m2 = CollaborativeFiltering(n_features=3, max_iter=4, random_state=0).fit(X2[order], data.y[order])
    np.testing.assert_allclose(m2.item_features_, m1.item_features_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(m2.predict(X2), m1.predict(X), rtol=1e-9)
    np.testing.assert_array_equal(m2.user_ids_, np.unique(X2[:, 0]))
    # huge ids take the sorting path of the id mapping instead of the presence table: same model
    X3 = X2 + np.array([10**15, 3 * 10**14])
    m3 = CollaborativeFiltering(n_features=3, max_iter=4, random_state=0).fit(X3[order], data.y[order])
    np.testing.assert_array_equal(m3.item_ids_, np.unique(X3[:, 1]))
    np.testing.assert_array_equal(m3.item_features_, m2.item_features_)
    np.testing.assert_array_equal(m3.predict(X3), m2.predict(X2))


def test_predict_fallbacks_never_nan(data):
    m = CollaborativeFiltering(n_features=3, max_iter=3, random_state=0).fit(data.X, data.y)
    user, item = data.X[0]
    p = m.predict([[10_000, item], [user, 10_000], [10_000, 10_001], [user, item]])
    item_mask = data.X[:, 1] == item
    user_mask = data.X[:, 0] == user
    assert p[0] == pytest.approx(data.y[item_mask].mean())
    assert p[1] == pytest.approx(data.y[user_mask].mean())
    assert p[2] == pytest.approx(data.y.mean())
    assert np.all(np.isfinite(p))


def test_recommend_equals_brute_force(data):
    m = CollaborativeFiltering(n_features=4, max_iter=5, random_state=0).fit(data.X, data.y)
    P = m.predict_matrix()
    for user in (0, 7, 59):
        j = int(np.searchsorted(m.user_ids_, user))
        rated = data.X[data.X[:, 0] == user, 1]
        scores = P[:, j].copy()
        scores[rated] = -np.inf
        ref = np.lexsort((np.arange(len(scores)), -scores))[:10]
        ids, s = m.recommend(user, n=10)
        np.testing.assert_array_equal(ids, m.item_ids_[ref])
        np.testing.assert_allclose(s, P[ref, j], rtol=1e-12)
        ids_all, _ = m.recommend(user, n=5, exclude_rated=False)
        np.testing.assert_array_equal(ids_all, m.item_ids_[np.lexsort((np.arange(80), -P[:, j]))[:5]])
    ids, s = m.recommend([0, 7], n=3)
    assert ids.shape == (2, 3)
    with pytest.raises(ValueError, match="unknown user"):
        m.recommend(12345)
    with pytest.raises(ValueError, match="n must be"):
        m.recommend(0, n=0)


def test_similar_items_equal_brute_force(data):
    m = CollaborativeFiltering(n_features=4, max_iter=5, random_state=0).fit(data.X, data.y)
    F = m.item_features_
    for item in (0, 33, 79):
        d = ((F - F[item]) ** 2).sum(axis=1)
        d[item] = np.inf
        ref = np.lexsort((np.arange(len(d)), d))[:10]
        ids, dist = m.similar_items(item, n=10)
        np.testing.assert_array_equal(ids, ref)
        np.testing.assert_allclose(dist, d[ref], rtol=1e-12)
        assert item not in ids
    with pytest.raises(ValueError, match="unknown item"):
        m.similar_items(999)


@pytest.mark.parametrize("solver", ["als", "adam"])
def test_fold_in_equals_ridge_with_items_frozen(data, solver):
    m = CollaborativeFiltering(n_features=4, solver=solver, reg_lambda=3.0, max_iter=5, random_state=0)
    m.fit(data.X, data.y)
    items = np.array([3, 10, 11, 40, 7])
    ratings = np.array([5.0, 1.0, 4.5, 2.0, 3.0])
    before = m.predict(data.X[:20])
    uid = m.fold_in(items, ratings)
    assert uid == data.X[:, 0].max() + 1
    Xf = m.item_features_[items]
    A = np.column_stack([Xf, np.ones(len(items))])
    reg = 3.0 * np.eye(5)
    if solver == "adam":
        reg[4, 4] = 0.0  # the lab does not regularise b
    sol = np.linalg.solve(A.T @ A + reg, A.T @ (ratings - m.item_mean_[items]))
    j = int(np.searchsorted(m.user_ids_, uid))
    np.testing.assert_allclose(m.user_weights_[j], sol[:4], rtol=1e-8, atol=1e-10)
    assert m.user_bias_[j] == pytest.approx(sol[4], rel=1e-8, abs=1e-10)
    np.testing.assert_allclose(m.predict(data.X[:20]), before)  # other users untouched
    rec, _ = m.recommend(uid, n=10)
    assert not np.intersect1d(rec, items).size
    p = m.predict(np.column_stack([np.full(len(items), uid), items]))
    np.testing.assert_allclose(p, A @ sol + m.item_mean_[items], rtol=1e-8)
    with pytest.raises(ValueError, match="already exists"):
        m.fold_in(items, ratings, user_id=uid)
    with pytest.raises(ValueError, match="unknown item"):
        m.fold_in([99999], [3.0])
    with pytest.raises(ValueError, match="duplicates"):
        m.fold_in([1, 1], [3.0, 4.0])


def test_pickle_exact(data):
    m = CollaborativeFiltering(n_features=4, max_iter=5, random_state=0).fit(data.X, data.y)
    m2 = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(m2.predict(data.X), m.predict(data.X))
    np.testing.assert_array_equal(m2.recommend(3)[0], m.recommend(3)[0])
    assert m2.get_params() == m.get_params()


def test_callbacks_verbose_and_stop(data):
    hist = History()

    class StopAt3(Callback):
        def on_iteration_end(self, estimator, iteration, logs=None):
            return iteration == 2

    for solver in ("als", "adam"):
        m = CollaborativeFiltering(n_features=3, solver=solver, max_iter=10, random_state=0)
        m.fit(data.X, data.y, callbacks=[hist, StopAt3()])
        assert m.n_iter_ == 3 and len(m.cost_history_) == 3
        np.testing.assert_allclose(hist.history["loss"], m.cost_history_)


def test_verbose_prints(data, capsys):
    CollaborativeFiltering(n_features=3, max_iter=3, random_state=0, verbose=1).fit(data.X, data.y)
    assert "CollaborativeFiltering" in capsys.readouterr().err


def test_callback_exception_propagates(data):
    class Boom(Callback):
        def on_iteration_end(self, estimator, iteration, logs=None):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        CollaborativeFiltering(n_features=3, max_iter=5, solver="adam").fit(data.X, data.y, callbacks=[Boom()])


def test_bad_input(data):
    cf = CollaborativeFiltering
    with pytest.raises(ValueError, match="negative"):
        cf().fit([[-1, 2], [0, 1]], [3.0, 4.0])
    with pytest.raises(ValueError, match="integers"):
        cf().fit([[0.5, 2], [0, 1]], [3.0, 4.0])
    with pytest.raises(ValueError, match="NaN"):
        cf().fit([[0, 2], [0, 1]], [np.nan, 4.0])
    with pytest.raises(ValueError, match="infinity"):
        cf().fit([[0, 2], [0, 1]], [np.inf, 4.0])
    with pytest.raises(ValueError, match="no ratings"):
        cf().fit(np.zeros((0, 2), int), [])
    with pytest.raises(ValueError, match=r"shape \(n_ratings, 2\)"):
        cf().fit([[0, 1, 2]], [3.0])
    with pytest.raises(ValueError, match="more than once"):
        cf().fit([[0, 1], [2, 3], [0, 1]], [3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="2 rows but y has 1"):
        cf().fit([[0, 1], [1, 1]], [3.0])
    with pytest.raises(ValueError, match="n_features"):
        cf(n_features=0).fit(data.X, data.y)
    with pytest.raises(ValueError, match="solver"):
        cf(solver="sgd?").fit(data.X, data.y)
    with pytest.raises(ValueError, match="max_iter"):
        cf(max_iter=0).fit(data.X, data.y)
    with pytest.raises(ValueError, match="reg_lambda"):
        cf(reg_lambda=-1).fit(data.X, data.y)
    Y, R = data.Y, data.R
    with pytest.raises(ValueError, match="shape"):
        cf().fit_matrix(Y, R[:, :-1])
    R2 = R.copy(); R2[0, 0] = 2
    with pytest.raises(ValueError, match="0 and 1"):
        cf().fit_matrix(Y, R2)
    Y2 = Y.copy(); Y2[tuple(np.argwhere(R > 0)[0])] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cf().fit_matrix(Y2, R)
    R3 = R.copy(); R3[:, 5] = 0
    with pytest.raises(ValueError, match="user \\(column\\) 5 has no ratings"):
        cf().fit_matrix(Y, R3)
    with pytest.raises(ValueError, match="no ratings"):
        cf().fit_matrix(Y, np.zeros_like(R))
    m = cf(max_iter=2).fit(data.X, data.y)
    with pytest.raises(ValueError, match="negative"):
        m.predict([[-3, 1]])


def test_sklearn_cross_val_score_and_grid_search(data):
    ms = pytest.importorskip("sklearn.model_selection")
    scores = ms.cross_val_score(CollaborativeFiltering(n_features=3, max_iter=5, random_state=0), data.X, data.y,
                                cv=3, scoring="neg_root_mean_squared_error")
    assert scores.shape == (3,) and np.all(np.isfinite(scores)) and np.all(scores < 0)
    gs = ms.GridSearchCV(CollaborativeFiltering(max_iter=5, random_state=0),
                         {"n_features": [2, 4], "reg_lambda": [1.0, 10.0]}, cv=3,
                         scoring="neg_root_mean_squared_error").fit(data.X, data.y)
    assert set(gs.best_params_) == {"n_features", "reg_lambda"}
    assert np.all(np.isfinite(gs.cv_results_["mean_test_score"]))


@pytest.mark.skipif(not os.path.isdir(MOVIELENS), reason="MovieLens not present")
def test_defaults_reach_surprise_quality_on_movielens():
    from pyml.datasets import load_movielens

    ml = load_movielens(MOVIELENS)
    perm = np.random.default_rng(0).permutation(len(ml.y))
    n_train = int(0.8 * len(ml.y))
    tr, te = perm[:n_train], perm[n_train:]
    m = CollaborativeFiltering(random_state=0).fit(ml.X[tr], ml.y[tr])
    rmse = np.sqrt(np.mean((m.predict(ml.X[te]) - ml.y[te]) ** 2))
    assert rmse <= 0.8745  # Surprise SVD() gets 0.8695 on this split
