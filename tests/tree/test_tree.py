"""Decision-tree estimators: scikit-learn agreement, hist vs exact, dtypes, threads, errors."""
import pickle

import numpy as np
import pytest

from pyml.exceptions import NotFittedError
from pyml.tree import DecisionTreeClassifier, DecisionTreeRegressor, export_text


def _tie_free(rng, n=300, d=5, classes=2):
    # float32-representable continuous features: no ties in values or gains
    X = rng.normal(size=(n, d)).astype(np.float32).astype(np.float64)
    score = X[:, 0] + 0.7 * X[:, 1] - 0.5 * X[:, 2] ** 2 + 0.3 * rng.normal(size=n)
    y = np.digitize(score, np.quantile(score, np.linspace(0, 1, classes + 1)[1:-1]))
    return X, y


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("max_depth", [3, 5])
def test_exact_matches_sklearn_classifier(rng, criterion, max_depth):
    sk = pytest.importorskip("sklearn.tree")
    # small nodes make exact ties between features likely (sklearn then picks
    # at random), so the trees stay shallow on enough data
    X, y = _tie_free(rng, n=2000, classes=3)
    Xt = rng.normal(size=(500, X.shape[1])).astype(np.float32).astype(np.float64)
    ours = DecisionTreeClassifier(criterion=criterion, splitter="exact", max_depth=max_depth).fit(X, y)
    ref = sk.DecisionTreeClassifier(criterion=criterion, max_depth=max_depth, random_state=0).fit(X, y)
    assert ours.tree_.node_count == ref.tree_.node_count
    assert ours.get_depth() == ref.get_depth()
    assert ours.get_n_leaves() == ref.get_n_leaves()
    _assert_same_arrays(ours, ref)
    np.testing.assert_array_equal(ours.predict(Xt), ref.predict(Xt))
    np.testing.assert_allclose(ours.predict_proba(Xt), ref.predict_proba(Xt), atol=1e-12)
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, atol=1e-10)
    np.testing.assert_allclose(np.sort(ours.tree_.threshold), np.sort(ref.tree_.threshold), atol=1e-12)


def _preorder(t):
    """(feature, threshold, n_node_samples) of every node in a depth-first, left-first walk (leaves: -1)."""
    out, stack = [], [0]
    while stack:
        v = stack.pop()
        leaf = t.children_left[v] < 0
        out.append((-1 if leaf else int(t.feature[v]), 0.0 if leaf else float(t.threshold[v]),
                    int(t.n_node_samples[v])))
        if not leaf:
            stack += [t.children_right[v], t.children_left[v]]
    return out


def _assert_same_arrays(ours, ref, rtol=1e-12, samples=True):
    # same tree: the same (feature, threshold, n_node_samples) on a depth-first, left-first walk
    # (node ids differ: pyml numbers siblings together, scikit-learn in pre-order)
    a, b = _preorder(ours.tree_), _preorder(ref.tree_)
    assert [f for f, _, _ in a] == [f for f, _, _ in b]
    np.testing.assert_allclose([t for _, t, _ in a], [t for _, t, _ in b], rtol=rtol)
    if samples:
        assert [m for _, _, m in a] == [m for _, _, m in b]


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("weights", ["integer", "real"])
def test_exact_sample_weight_matches_sklearn(rng, criterion, weights):
    # integer weights take the integer-count scan, real weights the generic one
    sk = pytest.importorskip("sklearn.tree")
    X, y = _tie_free(rng, n=3000, classes=3)
    w = rng.integers(0, 4, X.shape[0]).astype(float) if weights == "integer" else rng.uniform(0.1, 3, X.shape[0])
    ours = DecisionTreeClassifier(criterion=criterion, max_depth=5).fit(X, y, sample_weight=w)
    ref = sk.DecisionTreeClassifier(criterion=criterion, max_depth=5, random_state=0).fit(X, y, sample_weight=w)
    _assert_same_arrays(ours, ref, samples=weights == "real")  # sklearn counts zero-weight rows in nodes
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-12)
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, atol=1e-10)


def test_exact_sample_weight_regressor_matches_sklearn(rng):
    sk = pytest.importorskip("sklearn.tree")
    X, _ = _tie_free(rng, n=2000)
    y = np.sin(2 * X[:, 0]) + X[:, 1] + 0.1 * rng.normal(size=X.shape[0])
    w = rng.uniform(0.0, 2.0, X.shape[0])
    ours = DecisionTreeRegressor(max_depth=5).fit(X, y, sample_weight=w)
    ref = sk.DecisionTreeRegressor(max_depth=5, random_state=0).fit(X, y, sample_weight=w)
    _assert_same_arrays(ours, ref)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("splitter", ["exact", "hist"])
def test_sample_weight_is_repetition(rng, splitter):
    # integer weights = repeated rows, weight 0 = row left out (same thresholds too)
    X = rng.normal(size=(400, 4)).round(2)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    w = rng.integers(0, 4, 400)
    a = DecisionTreeClassifier(criterion="entropy", splitter=splitter, max_depth=6).fit(X, y, sample_weight=w)
    b = DecisionTreeClassifier(criterion="entropy", splitter=splitter, max_depth=6).fit(
        np.repeat(X, w, axis=0), np.repeat(y, w))
    for name in ("feature", "threshold", "children_left", "value"):
        np.testing.assert_array_equal(getattr(a.tree_, name), getattr(b.tree_, name), err_msg=name)


def test_sample_weight_errors(rng):
    X, y = _tie_free(rng, n=50)
    with pytest.raises(ValueError, match="non-negative"):
        DecisionTreeClassifier().fit(X, y, sample_weight=-np.ones(50))
    with pytest.raises(ValueError, match="all zero"):
        DecisionTreeClassifier().fit(X, y, sample_weight=np.zeros(50))
    with pytest.raises(ValueError, match="49 entries"):
        DecisionTreeRegressor().fit(X, y.astype(float), sample_weight=np.ones(49))
    with pytest.raises(ValueError, match="NaN|infinity"):
        DecisionTreeClassifier().fit(X, y, sample_weight=np.full(50, np.nan))


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_max_leaf_nodes_matches_sklearn_best_first(rng, criterion):
    sk = pytest.importorskip("sklearn.tree")
    X, y = _tie_free(rng, n=3000, classes=3)
    for splitter in ("exact", "hist"):
        ours = DecisionTreeClassifier(criterion=criterion, splitter=splitter, max_leaf_nodes=12).fit(X, y)
        assert ours.get_n_leaves() == 12
    ours = DecisionTreeClassifier(criterion=criterion, max_leaf_nodes=12, max_depth=6).fit(X, y)
    ref = sk.DecisionTreeClassifier(criterion=criterion, max_leaf_nodes=12, max_depth=6, random_state=0).fit(X, y)
    _assert_same_arrays(ours, ref)
    with pytest.raises(ValueError, match="max_leaf_nodes"):
        DecisionTreeClassifier(max_leaf_nodes=1).fit(X, y)


def test_exact_threads_identical_with_feature_draws(rng):
    # big enough for every parallel path: (node, feature) tasks at the top, node tasks below
    X = rng.normal(size=(40000, 10))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + 0.3 * rng.normal(size=40000) > 0).astype(int)
    for kw in (dict(max_depth=9), dict(max_depth=12, max_features=4, random_state=5), dict(max_leaf_nodes=60)):
        a = DecisionTreeClassifier(criterion="entropy", n_jobs=1, **kw).fit(X, y)
        for n_jobs in (2, 3):  # 3 threads on 2 cores: uneven task splits
            b = DecisionTreeClassifier(criterion="entropy", n_jobs=n_jobs, **kw).fit(X, y)
            for name in ("feature", "threshold", "children_left", "value", "impurity"):
                np.testing.assert_array_equal(getattr(a.tree_, name), getattr(b.tree_, name), err_msg=name)


def test_exact_matches_sklearn_regressor(rng):
    sk = pytest.importorskip("sklearn.tree")
    X, _ = _tie_free(rng, n=2000)
    y = np.sin(2 * X[:, 0]) + X[:, 1] + 0.1 * rng.normal(size=X.shape[0])
    Xt = rng.normal(size=(500, X.shape[1])).astype(np.float32).astype(np.float64)
    ours = DecisionTreeRegressor(splitter="exact", max_depth=6, min_samples_leaf=3).fit(X, y)
    ref = sk.DecisionTreeRegressor(max_depth=6, min_samples_leaf=3, random_state=0).fit(X, y)
    assert ours.tree_.node_count == ref.tree_.node_count
    np.testing.assert_allclose(ours.predict(Xt), ref.predict(Xt), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, atol=1e-8)


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_hist_equals_exact_when_few_values(rng, criterion):
    # every feature has <= 255 distinct values: both splitters see the same candidates
    X = rng.integers(0, 40, size=(600, 6)).astype(np.float64)
    y = ((X[:, 0] + X[:, 1] > 40) ^ (rng.random(600) < 0.1)).astype(int)
    h = DecisionTreeClassifier(criterion=criterion, splitter="hist", max_depth=6).fit(X, y)
    e = DecisionTreeClassifier(criterion=criterion, splitter="exact", max_depth=6).fit(X, y)
    for name in ("feature", "children_left", "children_right", "n_node_samples"):
        np.testing.assert_array_equal(getattr(h.tree_, name), getattr(e.tree_, name))
    np.testing.assert_array_equal(h.tree_.value, e.tree_.value)
    np.testing.assert_array_equal(h.apply(X), e.apply(X))
    np.testing.assert_array_equal(h.feature_importances_, e.feature_importances_)


def test_hist_regressor_close_to_exact(rng):
    X = rng.integers(0, 30, size=(500, 4)).astype(np.float64)
    y = X[:, 0] * 0.5 - X[:, 1] + rng.normal(size=500)
    h = DecisionTreeRegressor(splitter="hist", max_depth=4).fit(X, y)
    e = DecisionTreeRegressor(splitter="exact", max_depth=4).fit(X, y)
    np.testing.assert_allclose(h.predict(X), e.predict(X), rtol=1e-9, atol=1e-9)


def test_leaf_values_are_numpy_means(rng):
    X, _ = _tie_free(rng)
    y = X[:, 0] * 3 + rng.normal(size=X.shape[0])
    reg = DecisionTreeRegressor(max_depth=3).fit(X, y)
    leaves = reg.apply(X)
    for leaf in np.unique(leaves):
        assert reg.tree_.value[leaf, 0] == pytest.approx(y[leaves == leaf].mean(), rel=1e-12)
    clf = DecisionTreeClassifier(max_depth=2).fit(X, (y > 0).astype(int))
    leaves = clf.apply(X)
    for leaf in np.unique(leaves):
        frac = np.mean((y > 0)[leaves == leaf])
        np.testing.assert_allclose(clf.tree_.value[leaf], [1 - frac, frac], atol=1e-15)


def test_pure_tree_fits_training_data(rng):
    X, y = _tie_free(rng, classes=4)
    clf = DecisionTreeClassifier().fit(X, y)
    assert clf.score(X, y) == 1.0
    assert clf.get_n_leaves() == np.count_nonzero(clf.tree_.children_left < 0)


def test_float32_kept_and_close(rng):
    X, y = _tie_free(rng)
    c64 = DecisionTreeClassifier(max_depth=4).fit(X, y)
    c32 = DecisionTreeClassifier(max_depth=4).fit(X.astype(np.float32), y)
    assert c32.predict_proba(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_array_equal(c32.predict(X.astype(np.float32)), c64.predict(X))
    r = DecisionTreeRegressor(max_depth=3).fit(X.astype(np.float32), X[:, 0])
    assert r.predict(X.astype(np.float32)).dtype == np.float64   # regression targets keep float64


@pytest.mark.parametrize("make", ["tree", "forest", "boosting"])
def test_regression_targets_keep_float64_with_float32_X(rng, make):
    from pyml.ensemble import GradientBoostingRegressor, RandomForestRegressor

    X = rng.normal(size=(200, 3)).astype(np.float32)
    y = 1e9 + 1 + 1000 * (X[:, 0] > 0)   # neither 1e9 + 1 nor 1e9 + 1001 is a float32
    est = {"tree": DecisionTreeRegressor(max_depth=2),
           "forest": RandomForestRegressor(n_estimators=3, bootstrap=False, max_features=None, max_depth=2),
           "boosting": GradientBoostingRegressor(n_estimators=60, learning_rate=1.0, max_depth=2)}[make]
    pred = est.fit(X, y).predict(X)
    assert pred.dtype == np.float64
    np.testing.assert_allclose(pred, y, rtol=0, atol=1e-3)


def test_threads_identical(rng):
    # large enough for the histogram kernel to use both threads on the top nodes
    X = rng.normal(size=(30000, 12))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    a = DecisionTreeClassifier(max_depth=8, n_jobs=1).fit(X, y)
    b = DecisionTreeClassifier(max_depth=8, n_jobs=2).fit(X, y)
    for name in ("feature", "threshold", "children_left", "value", "impurity"):
        np.testing.assert_array_equal(getattr(a.tree_, name), getattr(b.tree_, name))


def test_max_features_is_seeded(rng):
    X, y = _tie_free(rng, d=8)
    a = DecisionTreeClassifier(max_features=2, random_state=3).fit(X, y)
    b = DecisionTreeClassifier(max_features=2, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.tree_.feature, b.tree_.feature)


def test_min_samples_and_impurity_decrease(rng):
    X, y = _tie_free(rng)
    clf = DecisionTreeClassifier(min_samples_leaf=20).fit(X, y)
    assert clf.tree_.n_node_samples[clf.tree_.children_left < 0].min() >= 20
    big = DecisionTreeClassifier(min_impurity_decrease=0.05).fit(X, y)
    internal = big.tree_.children_left >= 0
    assert np.all(big.tree_.gain[internal] / X.shape[0] >= 0.05 - 1e-12)


def test_pickle_roundtrip(rng):
    X, y = _tie_free(rng)
    clf = DecisionTreeClassifier(max_depth=5).fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))


def test_export_text(rng):
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    clf = DecisionTreeClassifier(max_depth=1).fit(X, ["a", "a", "b", "b"])
    text = export_text(clf, feature_names=["size"])
    assert text == "|--- size <= 1.50\n|   |--- class: a\n|--- size >  1.50\n|   |--- class: b\n"


def test_bad_inputs(rng):
    X, y = _tie_free(rng)
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DecisionTreeClassifier().fit(Xn, y)
    Xi = X.copy()
    Xi[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        DecisionTreeClassifier().fit(Xi, y)
    with pytest.raises(ValueError, match="only one class"):
        DecisionTreeClassifier().fit(X, np.zeros(X.shape[0]))
    with pytest.raises(ValueError, match="max_depth=0"):
        DecisionTreeClassifier(max_depth=0).fit(X, y)
    with pytest.raises(ValueError, match="max_bins=256"):
        DecisionTreeClassifier(max_bins=256).fit(X, y)
    with pytest.raises(ValueError, match="encode categorical"):
        DecisionTreeClassifier().fit([["x", "s"], ["b", "y"]], [0, 1])
    with pytest.raises(ValueError, match="Unknown label type"):
        DecisionTreeClassifier().fit(X, rng.normal(size=X.shape[0]))
    with pytest.raises(ValueError, match="criterion"):
        DecisionTreeClassifier(criterion="squared_error").fit(X, y)
    for method in ("predict", "predict_proba", "apply"):
        with pytest.raises(NotFittedError):
            getattr(DecisionTreeClassifier(), method)(X)
    clf = DecisionTreeClassifier().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(Xn)


@pytest.mark.parametrize("splitter", ["exact", "hist"])
@pytest.mark.parametrize("kw", [dict(max_depth=6), dict(max_leaf_nodes=20)])
def test_nodes_numbered_depth_first_with_siblings_together(rng, splitter, kw):
    # one canonical numbering for every splitter and growth order; right == left + 1 is what the
    # batch prediction kernel's lockstep fast path needs
    X, y = _tie_free(rng, n=2000, classes=3)
    t = DecisionTreeClassifier(splitter=splitter, **kw).fit(X, y).tree_
    split = t.children_left >= 0
    np.testing.assert_array_equal(t.children_right[split], t.children_left[split] + 1)
    order, stack, next_id = [], [0], 1
    while stack:
        v = stack.pop()
        order.append(v)
        if t.children_left[v] >= 0:
            assert t.children_left[v] == next_id
            next_id += 2
            stack += [t.children_right[v], t.children_left[v]]
    assert sorted(order) == list(range(t.node_count))


def test_class_weight_is_sample_weight_and_matches_sklearn(rng):
    sk = pytest.importorskip("sklearn.tree")
    X, y = _tie_free(rng, n=3000, classes=3)
    y = np.where(y == 2, 7, y)  # labels 0, 1, 7
    keep = (y != 7) | (rng.random(3000) < 0.3)  # class 7 rare
    X, y = X[keep], y[keep]
    bal = DecisionTreeClassifier(max_depth=5, class_weight="balanced").fit(X, y)
    n_k = np.array([np.sum(y == c) for c in (0, 1, 7)])
    w = (y.shape[0] / (3 * n_k))[np.searchsorted([0, 1, 7], y)]
    by_weight = DecisionTreeClassifier(max_depth=5).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(bal.tree_.threshold, by_weight.tree_.threshold)
    ref = sk.DecisionTreeClassifier(max_depth=5, class_weight="balanced", random_state=0).fit(X, y)
    _assert_same_arrays(bal, ref)
    w2 = rng.uniform(0.5, 2.0, y.shape[0])  # with sample weights too: balanced counts stay unweighted
    ref = sk.DecisionTreeClassifier(max_depth=5, class_weight="balanced", random_state=0).fit(X, y, sample_weight=w2)
    _assert_same_arrays(DecisionTreeClassifier(max_depth=5, class_weight="balanced").fit(X, y, sample_weight=w2), ref)
    d = DecisionTreeClassifier(max_depth=5, class_weight={7: 5.0}).fit(X, y)
    ref = sk.DecisionTreeClassifier(max_depth=5, class_weight={7: 5.0}, random_state=0).fit(X, y)
    _assert_same_arrays(d, ref)
    with pytest.raises(ValueError, match=r"labels \[3\]"):
        DecisionTreeClassifier(class_weight={3: 1.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight="):
        DecisionTreeClassifier(class_weight="balance").fit(X, y)


@pytest.mark.parametrize("splitter,weights", [("exact", "real"), ("exact", None), ("hist", None)])
def test_min_weight_fraction_leaf_matches_sklearn(rng, splitter, weights):
    # unweighted exact: the integer-count scan; real weights: the generic scan
    sk = pytest.importorskip("sklearn.tree")
    X, y = _tie_free(rng, n=2000, classes=3)
    w = rng.uniform(0.2, 2.0, 2000) if weights else None
    ours = DecisionTreeClassifier(splitter=splitter, min_weight_fraction_leaf=0.05).fit(X, y, sample_weight=w)
    total = ours.tree_.weighted_n_node_samples[0]
    leaves = ours.tree_.children_left < 0
    assert ours.tree_.weighted_n_node_samples[leaves].min() >= 0.05 * total
    if splitter == "exact":
        ref = sk.DecisionTreeClassifier(min_weight_fraction_leaf=0.05, random_state=0).fit(X, y, sample_weight=w)
        _assert_same_arrays(ours, ref)
    for bad in (-0.1, 0.6, "a"):
        with pytest.raises(ValueError, match="min_weight_fraction_leaf"):
            DecisionTreeClassifier(min_weight_fraction_leaf=bad).fit(X, y)


def test_exact_many_classes_generic_scan_matches_sklearn(rng):
    # more than 255 classes: the exact splitter's double-statistics scan instead of integer counts
    sk = pytest.importorskip("sklearn.tree")
    X = rng.normal(size=(6000, 4)).astype(np.float32).astype(np.float64)
    y = np.clip(((X[:, 0] + 0.5 * X[:, 1] + 3) * 50).astype(int), 0, 299)
    ours = DecisionTreeClassifier(criterion="entropy", max_depth=4).fit(X, y)
    ref = sk.DecisionTreeClassifier(criterion="entropy", max_depth=4, random_state=0).fit(X, y)
    assert ours.n_classes_ > 255
    _assert_same_arrays(ours, ref)
    np.testing.assert_allclose(ours.predict_proba(X[:50]), ref.predict_proba(X[:50]), atol=1e-12)
