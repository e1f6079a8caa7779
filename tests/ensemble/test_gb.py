"""XGBoost-style boosting: one round against a NumPy reference, losses, early stopping, threads."""
import pickle

import numpy as np
import pytest

from pyml.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from pyml.utils.callbacks import History


def _ref_stump(X, g, h, lam, lr, mcw=0.0):
    """Best depth-1 newton split (thresholds = midpoints of distinct values) and its raw update."""
    G, H = g.sum(), h.sum()
    best = (0.0, None, None)
    for j in range(X.shape[1]):
        u = np.unique(X[:, j])
        for k in range(len(u) - 1):
            thr = u[k] / 2 + u[k + 1] / 2
            left = X[:, j] <= thr
            GL, HL = g[left].sum(), h[left].sum()
            GR, HR = G - GL, H - HL
            if HL < mcw or HR < mcw:
                continue
            gain = 0.5 * (GL**2 / (HL + lam) + GR**2 / (HR + lam) - G**2 / (H + lam))
            if gain > best[0]:
                best = (gain, j, thr)
    _, j, thr = best
    left = X[:, j] <= thr
    upd = np.where(left, -lr * g[left].sum() / (h[left].sum() + lam), -lr * g[~left].sum() / (h[~left].sum() + lam))
    return j, thr, upd


def _int_data(rng, n=400, d=4):
    return rng.integers(0, 12, size=(n, d)).astype(np.float64)


def test_one_round_squared_error_matches_numpy(rng):
    X = _int_data(rng)
    y = 2.0 * X[:, 1] + rng.normal(size=X.shape[0])
    gb = GradientBoostingRegressor(n_estimators=1, max_depth=1, learning_rate=0.5, reg_lambda=2.0,
                                   min_child_weight=0).fit(X, y)
    base = y.mean()
    j, thr, upd = _ref_stump(X, base - y, np.ones_like(y), 2.0, 0.5)
    tree = gb.estimators_[0]
    assert tree.feature[0] == j and tree.threshold[0] == thr
    np.testing.assert_allclose(gb.predict(X), base + upd, rtol=1e-12)


def test_one_round_logistic_matches_numpy(rng):
    X = _int_data(rng)
    y = (X[:, 2] + rng.normal(size=X.shape[0]) > 6).astype(int)
    gb = GradientBoostingClassifier(n_estimators=1, max_depth=1, learning_rate=0.3, reg_lambda=1.0,
                                    min_child_weight=0).fit(X, y)
    p = y.mean()
    base = np.log(p / (1 - p))
    j, thr, upd = _ref_stump(X, p - y, np.full(y.shape, p * (1 - p)), 1.0, 0.3)
    assert gb.estimators_[0].feature[0] == j
    np.testing.assert_allclose(gb.decision_function(X), base + upd, rtol=1e-12)
    np.testing.assert_allclose(gb.predict_proba(X)[:, 1], 1 / (1 + np.exp(-(base + upd))), rtol=1e-12)


def test_one_round_softmax_matches_numpy(rng):
    X = _int_data(rng)
    y = np.digitize(X[:, 0] + X[:, 3] + rng.normal(size=X.shape[0]), [8, 14])
    gb = GradientBoostingClassifier(n_estimators=1, max_depth=1, learning_rate=0.5, min_child_weight=0).fit(X, y)
    prior = np.bincount(y) / y.shape[0]
    raw = np.tile(np.log(prior), (X.shape[0], 1))
    for k in range(3):
        g = prior[k] - (y == k)
        h = np.full(y.shape, prior[k] * (1 - prior[k]))
        _, _, upd = _ref_stump(X, g, h, 1.0, 0.5)
        raw[:, k] += upd
    np.testing.assert_allclose(gb.decision_function(X), raw, rtol=1e-12, atol=1e-14)
    e = np.exp(raw - raw.max(axis=1, keepdims=True))
    np.testing.assert_allclose(gb.predict_proba(X), e / e.sum(axis=1, keepdims=True), rtol=1e-10)


def test_one_round_weighted_logistic_matches_numpy(rng):
    X = _int_data(rng)
    y = (X[:, 2] + rng.normal(size=X.shape[0]) > 6).astype(int)
    w = rng.uniform(0.1, 3.0, X.shape[0])
    gb = GradientBoostingClassifier(n_estimators=1, max_depth=1, learning_rate=0.3, reg_lambda=1.0,
                                    min_child_weight=0).fit(X, y, sample_weight=w)
    p = np.average(y, weights=w)
    base = np.log(p / (1 - p))
    j, thr, upd = _ref_stump(X, w * (p - y), w * p * (1 - p), 1.0, 0.3)
    assert gb.estimators_[0].feature[0] == j
    np.testing.assert_allclose(gb.decision_function(X), base + upd, rtol=1e-12)
    # training loss: the weighted mean log-loss
    q = gb.predict_proba(X)[:, 1]
    ll = -np.average(y * np.log(q) + (1 - y) * np.log(1 - q), weights=w)
    assert gb.train_loss_[-1] == pytest.approx(ll, rel=1e-12)


@pytest.mark.parametrize("Est", [GradientBoostingClassifier, GradientBoostingRegressor])
def test_integer_weights_are_repeated_rows(rng, Est):
    # continuous features, no exact gain ties: weights w = the rows repeated w times (weight 0 = left out)
    X = rng.normal(size=(300, 4))
    y = np.digitize(X[:, 0] + X[:, 1] ** 2 + 0.3 * rng.normal(size=300), [0.0, 1.5])
    if Est is GradientBoostingRegressor:
        y = y + 0.1 * X[:, 2]
    w = rng.integers(0, 4, 300)
    a = Est(n_estimators=8, max_depth=3).fit(X, y, sample_weight=w.astype(float))
    b = Est(n_estimators=8, max_depth=3).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    pred = "predict_proba" if Est is GradientBoostingClassifier else "predict"
    np.testing.assert_allclose(getattr(a, pred)(X), getattr(b, pred)(X), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.train_loss_, b.train_loss_, rtol=1e-9)
    with pytest.raises(ValueError, match="non-negative"):
        Est(n_estimators=2).fit(X, y, sample_weight=-np.ones(300))


@pytest.mark.parametrize("seed", range(8))
def test_integer_weights_are_repeated_rows_with_tied_features(seed):
    # scikit-learn's check_sample_weight_equivalence shape: 15 rows, 30 features, so many features cut
    # the rows identically; their gains differ only by rounding (w g versus g + ... + g), and the
    # split ranking must treat them as ties (the first feature wins) for weights to equal repetition
    rs = np.random.RandomState(seed)
    X = rs.uniform(size=(15, 30))
    y = rs.randint(0, 3, 15)
    w = rs.randint(0, 4, 15)
    y[:3], w[:3] = [0, 1, 2], [1, 2, 3]  # every class keeps a row after repetition
    a = GradientBoostingClassifier(n_estimators=10).fit(X, y, sample_weight=w.astype(float))
    b = GradientBoostingClassifier(n_estimators=10).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    seen = X[w > 0]  # a weight-0 row may fall on either side of a threshold the other rows allow
    np.testing.assert_allclose(a.predict_proba(seen), b.predict_proba(seen), rtol=1e-7, atol=1e-9)


def test_train_loss_is_the_loss_of_the_scores(rng):
    X = rng.normal(size=(600, 5))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    gb = GradientBoostingClassifier(n_estimators=15, max_depth=3).fit(X, y)
    p = gb.predict_proba(X)[:, 1]
    ll = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert gb.train_loss_[-1] == pytest.approx(ll, rel=1e-9)
    assert np.all(np.diff(gb.train_loss_) < 0)


def test_early_stopping_and_best_iteration(rng):
    X = rng.normal(size=(1200, 6))
    y = (X[:, 0] + rng.normal(size=1200) > 0).astype(int)  # noisy: overfits quickly
    hist = History()
    gb = GradientBoostingClassifier(n_estimators=300, learning_rate=0.5, max_depth=5, early_stopping_rounds=5,
                                    callbacks=[hist]).fit(X[:800], y[:800], eval_set=[(X[800:], y[800:])])
    vl = gb.validation_loss_
    assert len(vl) < 300
    assert gb.best_iteration_ == int(np.argmin(vl))
    assert len(vl) == gb.best_iteration_ + 1 + 5
    assert gb.n_estimators_ == gb.best_iteration_ + 1 == len(gb.estimators_)
    np.testing.assert_allclose(hist.history["val_loss"], vl)
    np.testing.assert_allclose(hist.history["loss"], gb.train_loss_)
    # the kept model's eval loss is the best one
    p = np.clip(gb.predict_proba(X[800:])[:, 1], 1e-15, 1)
    ll = -np.mean(y[800:] * np.log(p) + (1 - y[800:]) * np.log(1 - p))
    assert ll == pytest.approx(vl[gb.best_iteration_], rel=1e-9)


def test_callback_can_stop(rng):
    class StopAt3(History):
        def on_iteration_end(self, estimator, iteration, logs=None):
            super().on_iteration_end(estimator, iteration, logs)
            return iteration == 2

    X = rng.normal(size=(200, 3))
    gb = GradientBoostingRegressor(n_estimators=50, callbacks=[StopAt3()]).fit(X, X[:, 0])
    assert gb.n_estimators_ == 3


@pytest.mark.parametrize("kw", [{}, {"subsample": 0.7, "colsample_bytree": 0.6}, {"max_leaves": 7}])
def test_threads_identical(rng, kw):
    X = rng.normal(size=(30000, 10))  # big enough for multi-threaded histograms
    y = np.digitize(X[:, 0] + X[:, 1] * X[:, 2], [-0.5, 0.5])
    a = GradientBoostingClassifier(n_estimators=4, random_state=2, n_jobs=1, **kw).fit(X, y)
    b = GradientBoostingClassifier(n_estimators=4, random_state=2, n_jobs=2, **kw).fit(X, y)
    for ta, tb in zip(a.estimators_, b.estimators_):
        np.testing.assert_array_equal(ta.feature, tb.feature)
        np.testing.assert_array_equal(ta.value, tb.value)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.train_loss_, b.train_loss_)


def test_leaf_wise_respects_max_leaves(rng):
    X = rng.normal(size=(2000, 5))
    y = X[:, 0] * X[:, 1] + X[:, 2]
    gb = GradientBoostingRegressor(n_estimators=5, max_depth=None, max_leaves=9).fit(X, y)
    assert all(t.n_leaves <= 9 for t in gb.estimators_)
    assert max(t.n_leaves for t in gb.estimators_) == 9


def test_quality_close_to_sklearn_hgb(rng):
    sk = pytest.importorskip("sklearn.ensemble")
    X = rng.normal(size=(4000, 8))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + 0.5 * rng.normal(size=4000) > 0).astype(int)
    ours = GradientBoostingClassifier(n_estimators=100, learning_rate=0.1, max_depth=4).fit(X[:3000], y[:3000])
    ref = sk.HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_depth=4,
                                            early_stopping=False).fit(X[:3000], y[:3000])
    from sklearn.metrics import log_loss

    a = log_loss(y[3000:], ours.predict_proba(X[3000:]))
    b = log_loss(y[3000:], ref.predict_proba(X[3000:]))
    assert a < b + 0.02


def test_float32_pickle_importances(rng):
    X = rng.normal(size=(500, 4)).astype(np.float32)
    y = X[:, 0] * 2
    gb = GradientBoostingRegressor(n_estimators=10).fit(X, y)
    assert gb.predict(X).dtype == np.float64   # regression targets keep float64
    g2 = pickle.loads(pickle.dumps(gb))
    np.testing.assert_array_equal(g2.predict(X), gb.predict(X))
    assert np.argmax(gb.feature_importances_) == 0
    assert gb.feature_importances_.sum() == pytest.approx(1.0)


def test_bad_inputs(rng):
    X = rng.normal(size=(100, 3))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match="unseen"):
        GradientBoostingClassifier().fit(X, y, eval_set=[(X, y + 5)])
    with pytest.raises(ValueError, match="max_depth or max_leaves"):
        GradientBoostingClassifier(max_depth=None).fit(X, y)
    with pytest.raises(ValueError, match="max_depth=0"):
        GradientBoostingClassifier(max_depth=0).fit(X, y)
    with pytest.raises(ValueError, match="max_bins"):
        GradientBoostingRegressor(max_bins=1000).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="only one class"):
        GradientBoostingClassifier().fit(X, np.zeros(100))
    with pytest.raises(ValueError, match="learning_rate"):
        GradientBoostingClassifier(learning_rate=0).fit(X, y)
    with pytest.raises(ValueError, match="eval_set X has 2 features"):
        GradientBoostingClassifier().fit(X, y, eval_set=[(X[:, :2], y)])
    Xi = X.copy()
    Xi[5, 2] = -np.inf
    with pytest.raises(ValueError, match="infinity"):
        GradientBoostingClassifier().fit(Xi, y)
    with pytest.raises(ValueError, match="encode categorical"):
        GradientBoostingClassifier().fit(np.array([["a"], ["b"]]), [0, 1])


def test_save_load_npz(rng, tmp_path):
    from pyml.ensemble import load_model

    X = rng.normal(size=(400, 5))
    y = np.array(["a", "b", "c"])[np.digitize(X[:, 0], [-0.4, 0.4])]
    gb = GradientBoostingClassifier(n_estimators=6, max_depth=3).fit(X, y)
    path = tmp_path / "model.npz"
    gb.save_model(path)
    back = load_model(path)
    np.testing.assert_array_equal(back.predict_proba(X), gb.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), gb.predict(X))
    np.testing.assert_allclose(back.feature_importances_, gb.feature_importances_)
    reg = GradientBoostingRegressor(n_estimators=5).fit(X, X[:, 1])
    reg.save_model(tmp_path / "reg.npz")
    np.testing.assert_array_equal(load_model(tmp_path / "reg.npz").predict(X), reg.predict(X))


def test_parallel_partition_identical(rng):
    # nodes of >= 65536 rows are partitioned in parallel chunks
    X = rng.normal(size=(140_000, 3))
    y = X[:, 0] + 0.5 * X[:, 1] ** 2
    a = GradientBoostingRegressor(n_estimators=2, max_depth=3, n_jobs=1).fit(X, y)
    b = GradientBoostingRegressor(n_estimators=2, max_depth=3, n_jobs=2).fit(X, y)
    for ta, tb in zip(a.estimators_, b.estimators_):
        np.testing.assert_array_equal(ta.n_node_samples, tb.n_node_samples)
        np.testing.assert_array_equal(ta.value, tb.value)
    np.testing.assert_array_equal(a.predict(X[:1000]), b.predict(X[:1000]))
    # the partition is exact: every leaf holds the rows that reach it
    leaves = a.estimators_[0].apply(X)
    counts = np.bincount(leaves, minlength=a.estimators_[0].node_count)
    leaf = a.estimators_[0].children_left < 0
    np.testing.assert_array_equal(counts[leaf], a.estimators_[0].n_node_samples[leaf])


@pytest.mark.parametrize("Est", [GradientBoostingClassifier, GradientBoostingRegressor])
def test_leaf_wise_threads_identical(rng, Est):
    # leaf-wise growth (no depth cap): with n_jobs=2 every split builds and subtracts its histograms and
    # searches both children by feature range (candidates merged in range order), and nodes of >= 16384 rows are partitioned
    # in parallel chunks (40_001 rows: the last chunk is partial); the trees must be bitwise those of n_jobs=1
    X = rng.normal(size=(40_001, 7))
    # column 5 copies column 0: exact gain ties between the two threads' feature ranges, which must go
    # to the first feature like the serial scan
    X[:, 5] = X[:, 0]
    z = X[:, 0] + X[:, 1] * X[:, 2] - 0.5 * X[:, 3] ** 2
    y = (z > 0).astype(int) if Est is GradientBoostingClassifier else z
    kw = dict(n_estimators=3, max_depth=None, max_leaves=31, random_state=0)
    a = Est(n_jobs=1, **kw).fit(X, y)
    b = Est(n_jobs=2, **kw).fit(X, y)
    assert max(t.n_leaves for t in a.estimators_) == 31
    for ta, tb in zip(a.estimators_, b.estimators_):
        for attr in ("feature", "threshold", "children_left", "children_right", "n_node_samples", "value"):
            np.testing.assert_array_equal(getattr(ta, attr), getattr(tb, attr))
    np.testing.assert_array_equal(a.train_loss_, b.train_loss_)
    assert all(np.any(t.feature == 0) and not np.any(t.feature == 5) for t in b.estimators_)
    # the partition is exact: every leaf holds the rows that reach it
    t0 = a.estimators_[0]
    counts = np.bincount(t0.apply(X), minlength=t0.node_count)
    leaf = t0.children_left < 0
    np.testing.assert_array_equal(counts[leaf], t0.n_node_samples[leaf])


def test_level_parallel_split_search_is_thread_count_independent():
    # large enough that a level's nodes are searched by several threads at once (each on its own slot of
    # the per-feature buffers): 2 threads must give the 1-thread model bit for bit
    rs = np.random.RandomState(0)
    X = rs.normal(size=(40000, 16))
    y = (X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] ** 2 + 0.5 * rs.normal(size=40000) > 0).astype(int)
    a = GradientBoostingClassifier(n_estimators=4, max_depth=5, n_jobs=1).fit(X, y)
    b = GradientBoostingClassifier(n_estimators=4, max_depth=5, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
