"""Property tests of the decision-tree kernels (csrc/tree*) against a brute-force NumPy split search.

With max_depth=1 the root's split must reach the largest weighted impurity
decrease W·imp - W_L·imp_L - W_R·imp_R over every feature and every threshold
between consecutive distinct values (ties between features or thresholds are
allowed: gains are compared, not the feature chosen). Also: predict_proba rows
sum to 1, predictions are the leaf statistics, 1 and 2 threads give the same
tree bit for bit, float32 X gives the same tree as its float64 copy, and the
course functions compute_entropy / compute_information_gain match NumPy.
"""
import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

from _strategies import matrices, native64, prop_settings, result_dtype, vectors  # noqa: E402
from pyml.tree import (  # noqa: E402
    DecisionTreeClassifier, DecisionTreeRegressor, compute_entropy, compute_information_gain,
)


def _xlogx(c):
    c = np.asarray(c, dtype=np.float64)
    out = np.zeros_like(c)
    pos = c > 0
    out[pos] = c[pos] * np.log2(c[pos])
    return out


def weighted_impurity(criterion, stats):
    """W·imp of nodes, from per-node statistics (..., S): class weights, or (W, Σwy, Σwy²)."""
    if criterion == "gini":
        W = stats.sum(-1)
        return W - np.divide((stats ** 2).sum(-1), W, out=np.zeros_like(W), where=W > 0)
    if criterion == "entropy":
        W = stats.sum(-1)
        return _xlogx(W) - _xlogx(stats).sum(-1)
    W, s1, s2 = stats[..., 0], stats[..., 1], stats[..., 2]
    return s2 - np.divide(s1 ** 2, W, out=np.zeros_like(W), where=W > 0)


def node_stats(criterion, y, w, n_classes):
    if criterion == "squared_error":
        return np.stack([w, w * y, w * y * y], axis=-1)
    return w[:, None] * (y[:, None] == np.arange(n_classes)[None, :])


def brute_force_best_gain(criterion, X, y, w, n_classes):
    """Largest W·imp - W_L·imp_L - W_R·imp_R over all (feature, threshold); -inf when no split exists."""
    X = native64(X)
    S = node_stats(criterion, y, w, n_classes)
    total = S.sum(0)
    parent = weighted_impurity(criterion, total)
    best = -np.inf
    for j in range(X.shape[1]):
        order = np.argsort(X[:, j], kind="stable")
        xs = X[order, j]
        left = np.cumsum(S[order], axis=0)[:-1]          # rows 0..i on the left
        ok = xs[:-1] < xs[1:]                             # a threshold fits between i and i + 1
        if not ok.any():
            continue
        left = left[ok]
        gains = parent - weighted_impurity(criterion, left) - weighted_impurity(criterion, total - left)
        best = max(best, float(gains.max()))
    return best, parent


def split_gain(criterion, X, y, w, n_classes, feature, threshold):
    S = node_stats(criterion, y, w, n_classes)
    go_left = native64(X)[:, feature] <= threshold
    L, R = S[go_left].sum(0), S[~go_left].sum(0)
    return float(weighted_impurity(criterion, L + R) - weighted_impurity(criterion, L) -
                 weighted_impurity(criterion, R))


@st.composite
def tree_problems(draw, criterion, n_min=1, n_max=60, weighted=None):
    X = draw(matrices(n_min=n_min, n_max=n_max, lo=-10, hi=10))
    n = X.shape[0]
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    if criterion == "squared_error":
        y = draw(vectors(n, lo=-100, hi=100, dtype=np.float64))
        n_classes = 1
    else:
        n_classes = draw(st.integers(2, 4))
        y = rng.integers(0, n_classes, size=n)
        y[: min(n, n_classes)] = np.arange(min(n, n_classes))   # every class present where n allows
        if n < 2:
            y = np.array([0, 1])[:n]
        if np.unique(y).size < 2:                               # a classifier needs two classes
            return draw(tree_problems(criterion, n_min=2, n_max=n_max, weighted=weighted))
        n_classes = int(y.max()) + 1
    if weighted is None:
        weighted = draw(st.booleans())
    w = rng.uniform(0.5, 3.0, size=n) if weighted else None
    return X, y, w, n_classes


def _fit(criterion, X, y, w, **kw):
    cls = DecisionTreeRegressor if criterion == "squared_error" else DecisionTreeClassifier
    return cls(criterion=criterion, **kw).fit(X, y, sample_weight=w)


@pytest.mark.parametrize("criterion", ["gini", "entropy", "squared_error"])
@prop_settings(40)
@given(data=st.data())
def test_depth_one_split_is_best_over_all_thresholds(criterion, data):
    X, y, w, K = data.draw(tree_problems(criterion))
    est = _fit(criterion, X, y, w, max_depth=1, splitter="exact")
    ww = np.ones(X.shape[0]) if w is None else w
    yv = np.asarray(y, dtype=np.float64)
    best, parent = brute_force_best_gain(criterion, X, yv, ww, K)
    t = est.tree_
    mag = float(np.sum(ww * (yv ** 2 if criterion == "squared_error" else 1.0))) * (1 + np.log2(K + 1))
    atol = 1e-12 * mag + 1e-12
    assert abs(t.impurity[0] * t.weighted_n_node_samples[0] - parent) <= atol * 10
    if t.feature[0] < 0:   # a leaf: no split may have a positive gain
        assert t.node_count == 1
        assert best <= atol * 10
        return
    assert t.node_count == 3
    assert abs(t.gain[0] - best) <= atol * 10
    # The threshold really splits X there: recomputing its gain from X gives the same number.
    assert abs(split_gain(criterion, X, yv, ww, K, t.feature[0], t.threshold[0]) - best) <= atol * 10
    # Children's statistics: a row goes left iff x <= threshold.
    go_left = native64(X)[:, t.feature[0]] <= t.threshold[0]
    assert t.n_node_samples[t.children_left[0]] == go_left.sum()
    assert 0 < go_left.sum() < X.shape[0]


@pytest.mark.parametrize("criterion", ["gini", "entropy", "squared_error"])
@prop_settings(25)
@given(data=st.data())
def test_hist_splitter_reaches_exact_gain_when_bins_cover_values(criterion, data):
    X, y, w, _ = data.draw(tree_problems(criterion, weighted=False))
    ex = _fit(criterion, X, y, w, max_depth=1, splitter="exact").tree_
    hi = _fit(criterion, X, y, w, max_depth=1, splitter="hist").tree_
    mag = float(np.sum(np.asarray(y, dtype=np.float64) ** 2)) if criterion == "squared_error" else X.shape[0] * 3.0
    assert abs(ex.gain[0] - hi.gain[0]) <= 1e-11 * mag + 1e-12


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@prop_settings(30)
@given(data=st.data())
def test_predict_proba_rows_sum_to_one_and_match_leaf_counts(criterion, data):
    X, y, w, K = data.draw(tree_problems(criterion))
    max_depth = data.draw(st.sampled_from([1, 3, None]))
    est = _fit(criterion, X, y, w, max_depth=max_depth)
    Z = data.draw(matrices(n_min=1, d=X.shape[1], lo=-12, hi=12))
    for A in (X, Z):
        P = est.predict_proba(A)
        assert P.shape == (A.shape[0], K)
        assert np.all(P >= 0)
        np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=10 * np.finfo(P.dtype).eps)
    # Leaf value = weighted class shares of the training rows in that leaf.
    leaves = est.apply(X)
    ww = np.ones(X.shape[0]) if w is None else w
    P = native64(est.predict_proba(X))
    eps = np.finfo(np.float32 if X.dtype.itemsize == 4 else np.float64).eps
    for leaf in np.unique(leaves):
        rows = leaves == leaf
        ref = np.bincount(y[rows], weights=ww[rows], minlength=K) / ww[rows].sum()
        # A child's weighted class sums are parent - sibling: rounding of the root's weight over the leaf's
        # (exact for unit weights: integer counts).
        slack = 10 * eps * (1.0 if w is None else ww.sum() / ww[rows].sum())
        np.testing.assert_allclose(P[rows], np.tile(ref, (rows.sum(), 1)), rtol=0, atol=slack)
    if max_depth is None and np.unique(native64(X), axis=0).shape[0] == X.shape[0]:
        np.testing.assert_array_equal(est.predict(X), y)   # a full tree on distinct rows fits exactly


@prop_settings(30)
@given(data=st.data())
def test_regressor_predicts_leaf_means(data):
    X, y, w, _ = data.draw(tree_problems("squared_error"))
    est = _fit("squared_error", X, y, w, max_depth=data.draw(st.sampled_from([1, 2, None])))
    leaves = est.apply(X)
    ww = np.ones(X.shape[0]) if w is None else w
    pred = native64(est.predict(X))
    ref, slack = np.empty_like(pred), np.empty_like(pred)
    for leaf in np.unique(leaves):
        rows = leaves == leaf
        ref[rows] = np.average(y[rows], weights=ww[rows])
        # A child's sums are parent - sibling: rounding relative to the root's Σ w|y| over the leaf's W.
        # (Σwy and W both), so the error is relative to the root's sums over the leaf's W.
        slack[rows] = (np.sum(ww * np.abs(y)) + abs(ref[rows][0]) * ww.sum()) / ww[rows].sum()
    eps = np.finfo(np.float32 if X.dtype.itemsize == 4 else np.float64).eps
    assert np.all(np.abs(pred - ref) <= 10 * eps * (slack + np.abs(ref)))


@pytest.mark.parametrize("criterion", ["gini", "squared_error"])
@pytest.mark.parametrize("splitter", ["exact", "hist"])
@prop_settings(15)
@given(data=st.data())
def test_one_and_two_threads_grow_the_same_tree(criterion, splitter, data):
    X, y, w, _ = data.draw(tree_problems(criterion, n_max=200))
    trees = [_fit(criterion, X, y, w, splitter=splitter, n_jobs=nj).tree_ for nj in (1, 2)]
    for name in ("feature", "threshold", "children_left", "value", "impurity", "gain", "n_node_samples"):
        np.testing.assert_array_equal(getattr(trees[0], name), getattr(trees[1], name), err_msg=name)


@pytest.mark.parametrize("criterion", ["entropy", "squared_error"])
@prop_settings(20)
@given(data=st.data())
def test_float32_x_grows_the_tree_of_its_float64_copy(criterion, data):
    X, y, w, _ = data.draw(tree_problems(criterion))
    X32 = np.asarray(X, dtype=np.float32)
    a = _fit(criterion, X32, y, w, max_depth=3).tree_
    b = _fit(criterion, X32.astype(np.float64), y, w, max_depth=3).tree_
    np.testing.assert_array_equal(a.feature, b.feature)
    np.testing.assert_array_equal(a.n_node_samples, b.n_node_samples)
    np.testing.assert_allclose(a.gain, b.gain, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("cls", [DecisionTreeClassifier, DecisionTreeRegressor])
def test_empty_input_raises_naming_x(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: .*0 sample.* in X"):
        cls().fit(np.zeros((0, 2)), np.zeros(0))


def test_one_sample_regressor_is_a_leaf():
    est = DecisionTreeRegressor().fit([[1.0]], [4.0])
    assert est.tree_.node_count == 1
    np.testing.assert_array_equal(est.predict([[0.0], [9.0]]), [4.0, 4.0])


def ref_entropy(y):
    y = np.asarray(y).reshape(-1)
    if y.size == 0:
        return 0.0
    p = np.mean(y == 1)
    return float(-sum(q * np.log2(q) for q in (p, 1 - p) if q > 0))


@st.composite
def binary_problems(draw):
    n = draw(st.integers(0, 40))
    d = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    X = (rng.random((n, d)) < draw(st.sampled_from([0.2, 0.5]))).astype(draw(st.sampled_from([int, float])))
    y = (rng.random(n) < 0.5).astype(int)
    idx = np.flatnonzero(rng.random(n) < draw(st.sampled_from([0.5, 1.0])))
    return X, y, idx


@prop_settings(40)
@given(binary_problems())
def test_course_entropy_and_information_gain_match_numpy(problem):
    X, y, idx = problem
    assert compute_entropy(y) == pytest.approx(ref_entropy(y), abs=1e-12)
    for f in range(X.shape[1]):
        left, right = idx[X[idx, f] == 1], idx[X[idx, f] != 1]
        if idx.size == 0:
            ref = 0.0
        else:
            children = left.size * ref_entropy(y[left]) + right.size * ref_entropy(y[right])
            ref = ref_entropy(y[idx]) - children / idx.size
        assert compute_information_gain(X, y, idx, f) == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("kind", ["forest-classifier", "forest-regressor", "gb-classifier", "gb-regressor"])
@prop_settings(10)
@given(data=st.data())
def test_ensembles_identical_for_1_and_2_threads_and_probabilities_valid(kind, data):
    from pyml.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier,
                               RandomForestRegressor)

    criterion = "gini" if kind.endswith("classifier") else "squared_error"
    X, y, w, K = data.draw(tree_problems(criterion, n_min=2, n_max=120))
    cls = {"forest-classifier": RandomForestClassifier, "forest-regressor": RandomForestRegressor,
           "gb-classifier": GradientBoostingClassifier, "gb-regressor": GradientBoostingRegressor}[kind]
    kw = dict(n_estimators=5, random_state=0)
    if kind.startswith("gb"):
        kw["max_depth"] = 3
    if kind == "gb-classifier" and np.unique(y).size > 2:
        y = y % 2   # keep it quick: binary boosting
        if np.unique(y).size < 2:
            y[0] = 1 - y[0]
    fits = [cls(n_jobs=nj, **kw).fit(X, y, sample_weight=w) for nj in (1, 2)]
    Z = data.draw(matrices(n_min=1, d=X.shape[1], lo=-12, hi=12))
    for A in (X, Z):
        if kind.endswith("classifier"):
            P = [f.predict_proba(A) for f in fits]
            np.testing.assert_array_equal(P[0], P[1])
            assert np.all(P[0] >= 0)
            np.testing.assert_allclose(P[0].sum(axis=1), 1.0, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(fits[0].predict(A), fits[1].predict(A))
        if kind.startswith("forest"):   # the forest averages its trees' leaf values
            Ac = np.ascontiguousarray(A, dtype=result_dtype(A))
            ref = np.mean([native64(t.predict(Ac)) for t in fits[0].estimators_], axis=0)
            out = fits[0].predict_proba(A) if kind == "forest-classifier" else fits[0].predict(A)
            np.testing.assert_allclose(native64(out).reshape(ref.shape), ref, rtol=1e-6,
                                       atol=1e-6 * np.abs(ref).max())


def numpy_apply(tree, X):
    """Leaf of every row by walking the tree arrays in NumPy (x <= threshold goes left)."""
    X = native64(X)
    node = np.zeros(X.shape[0], dtype=np.int64)
    for _ in range(tree.node_count):
        inner = tree.children_left[node] >= 0
        if not inner.any():
            break
        f = tree.feature[node[inner]]
        left = X[np.flatnonzero(inner), f] <= tree.threshold[node[inner]]
        node[inner] = np.where(left, tree.children_left[node[inner]], tree.children_right[node[inner]])
    return node


@pytest.mark.parametrize("splitter", ["exact", "hist"])
@prop_settings(30)
@given(data=st.data())
def test_apply_routes_rows_like_the_thresholds_and_the_training_counts(splitter, data):
    X, y, w, _ = data.draw(tree_problems("gini", weighted=False))
    if data.draw(st.booleans()):   # neighbouring floats: the midpoint threshold may round onto a value
        Xa = np.array(X)
        Xa[::2] = np.nextafter(Xa[::2], np.inf)
        X = Xa
    est = _fit("gini", X, y, None, splitter=splitter)
    t = est.tree_
    leaves = est.apply(X)
    np.testing.assert_array_equal(leaves, numpy_apply(t, X))
    counts = np.bincount(leaves, minlength=t.node_count)
    is_leaf = t.children_left < 0
    np.testing.assert_array_equal(counts[is_leaf], t.n_node_samples[is_leaf])
    Z = data.draw(matrices(n_min=1, d=X.shape[1], lo=-12, hi=12))
    # New data are compared in their own precision with the float64 thresholds (not rounded to X's dtype).
    np.testing.assert_array_equal(est.apply(Z), numpy_apply(t, Z))


@pytest.mark.parametrize("criterion", ["gini", "squared_error"])
@prop_settings(25)
@given(data=st.data(), max_bins=st.integers(2, 8))
def test_hist_with_few_bins_never_beats_exact(criterion, data, max_bins):
    """With fewer bins than values the hist thresholds are a subset of the exact ones: its root gain is at
    most the exact one, and equals the brute-force gain of the threshold it picked."""
    X, y, w, K = data.draw(tree_problems(criterion))
    ex = _fit(criterion, X, y, w, max_depth=1, splitter="exact").tree_
    hi = _fit(criterion, X, y, w, max_depth=1, splitter="hist", max_bins=max_bins).tree_
    ww = np.ones(X.shape[0]) if w is None else w
    yv = np.asarray(y, dtype=np.float64)
    mag = float(np.sum(ww * (yv ** 2 if criterion == "squared_error" else 3.0)))
    assert hi.gain[0] <= ex.gain[0] + 1e-11 * mag + 1e-12
    if hi.feature[0] >= 0:
        g = split_gain(criterion, X, yv, ww, K, hi.feature[0], hi.threshold[0])
        assert abs(g - hi.gain[0]) <= 1e-11 * mag + 1e-12


@prop_settings(30)
@given(data=st.data(), lam=st.sampled_from([0.0, 1.0, 5.0]), lr=st.sampled_from([0.3, 1.0]))
def test_boosting_stump_is_the_best_newton_split(data, lam, lr):
    """One round, depth 1, squared error: g = base - y, h = 1. The root split maximises
    1/2 [G_L^2/(H_L+λ) + G_R^2/(H_R+λ) - G^2/(H+λ)] over all thresholds (all fit in 255 bins),
    and each leaf predicts base - lr·G/(H + λ)."""
    from pyml.ensemble import GradientBoostingRegressor

    X, y, _, _ = data.draw(tree_problems("squared_error", n_min=2, weighted=False))
    est = GradientBoostingRegressor(n_estimators=1, max_depth=1, learning_rate=lr, reg_lambda=lam).fit(X, y)
    base = float(est.base_score_[0])
    g = base - np.asarray(y, dtype=np.float64)
    Xn = native64(X)
    best = -np.inf
    for j in range(X.shape[1]):
        order = np.argsort(Xn[:, j], kind="stable")
        xs, gs = Xn[order, j], g[order]
        GL, HL = np.cumsum(gs)[:-1], np.arange(1, X.shape[0], dtype=float)
        ok = xs[:-1] < xs[1:]
        if ok.any():
            G, H = g.sum(), float(X.shape[0])
            sc = GL[ok] ** 2 / (HL[ok] + lam) + (G - GL[ok]) ** 2 / (H - HL[ok] + lam) - G ** 2 / (H + lam)
            best = max(best, 0.5 * float(sc.max()))
    t = est.estimators_[0]
    mag = 1e-10 * float(np.sum(g ** 2) + 1.0)
    if t.feature[0] >= 0:
        assert abs(t.gain[0] - best) <= mag
    else:
        assert best <= mag
    leaves = t.apply(np.ascontiguousarray(X, dtype=result_dtype(X)))
    pred = native64(est.predict(X))
    for leaf in np.unique(leaves):
        rows = leaves == leaf
        ref = base - lr * g[rows].sum() / (rows.sum() + lam)
        np.testing.assert_allclose(pred[rows], ref, rtol=1e-6 if X.dtype.itemsize == 4 else 1e-12,
                                   atol=1e-9 * (np.abs(g).sum() + abs(base)))
