"""The tree kernels against NumPy references: binning, batch prediction, bounds checks."""
import numpy as np
import pytest

from pyml.tree import _tree_kernels as _k
from pyml.tree._binning import bin_edges, prepare_exact
from pyml.tree._tree import Tree, pack_trees, predict_packed


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
def test_binning_matches_searchsorted(rng, dtype, threads):
    X = np.column_stack([rng.normal(size=5000), rng.integers(0, 7, 5000), rng.exponential(size=5000)]).astype(dtype)
    edges, off, nbins = bin_edges(X, 255)
    codes = _k.bin_data(X, edges, off, threads)
    for j in range(X.shape[1]):
        e = edges[off[j]:off[j + 1]]
        np.testing.assert_array_equal(codes[:, j], np.searchsorted(e, X[:, j].astype(np.float64), side="left"))
        assert codes[:, j].max() < nbins[j] <= 256
    # few distinct values: one bin per value, edges are the midpoints
    np.testing.assert_array_equal(edges[off[1]:off[2]], np.arange(6) + 0.5)
    # x <= edge[b]  <=>  code <= b
    b = 100
    thr = edges[off[0] + b]
    np.testing.assert_array_equal(codes[:, 0] <= b, X[:, 0].astype(np.float64) <= thr)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
def test_exact_lists_match_numpy_stable_argsort(rng, dtype, threads):
    X = np.column_stack([rng.integers(0, 5, 3000), rng.normal(size=3000) * 1e3, -rng.exponential(size=3000),
                         rng.choice([-0.0, 0.0, 1.5, -2.5, np.inf, -np.inf], 3000)]).astype(dtype)
    binning, sorted_rank, srt = prepare_exact(X, threads)
    for j in range(X.shape[1]):
        col = X[:, j].astype(np.float64)
        u = np.unique(col)
        assert binning["nbins"][j] == u.shape[0]
        # stable: equal values keep row order (-0.0 and 0.0 compare equal, their order may differ)
        order = np.argsort(col, kind="stable")
        if j != 3:
            np.testing.assert_array_equal(srt[j], order)
        c = col[srt[j]]
        assert np.all(c[1:] >= c[:-1])
        np.testing.assert_array_equal(sorted_rank[j], np.searchsorted(u, col[srt[j]]))


@pytest.mark.parametrize("n", [1, 3, 15, 16, 17, 1001, 4099])
def test_exact_lists_few_values_any_length(rng, n):
    # few distinct values take the 4-cursor radix passes (quarters + an n % 4 tail); many take the plain ones
    X = np.column_stack([rng.integers(0, 2, n), rng.integers(0, 5, n) * 0.5, rng.normal(size=n),
                         np.r_[rng.normal(size=min(n, 70)), np.zeros(max(n - 70, 0))]]).astype(np.float64)
    _, sorted_rank, srt = prepare_exact(X, 1)
    for j in range(X.shape[1]):
        np.testing.assert_array_equal(srt[j], np.argsort(X[:, j], kind="stable"))
        np.testing.assert_array_equal(sorted_rank[j], np.searchsorted(np.unique(X[:, j]), X[srt[j], j]))


@pytest.mark.parametrize("n", [1, 2, 7, 254, 255, 256, 1000, 4097])
def test_midpoint_quantiles_are_numpys(rng, n):
    from pyml.tree._binning import midpoint_quantiles

    col = np.sort(rng.normal(size=n) * 10.0 ** rng.integers(-3, 4))
    for bins in (2, 16, 255):
        pct = np.linspace(0, 100, bins + 1)[1:-1]
        np.testing.assert_array_equal(midpoint_quantiles(col, np.true_divide(pct, 100)),
                                      np.percentile(col, pct, method="midpoint"))


def _numpy_predict(trees, X, n_out, scale, tree_col=None):
    out = np.zeros((X.shape[0], n_out))
    for t, tree in enumerate(trees):
        for i in range(X.shape[0]):
            node = 0
            while tree.children_left[node] >= 0:
                go_left = X[i, tree.feature[node]] <= tree.threshold[node]
                node = tree.children_left[node] if go_left else tree.children_right[node]
            if tree_col is None:
                out[i] += scale * tree.value[node]
            else:
                out[i, tree_col[t]] += scale * tree.value[node, 0]
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
def test_predict_kernel_matches_numpy(rng, dtype, threads):
    from pyml.ensemble import GradientBoostingClassifier, RandomForestClassifier

    X = rng.normal(size=(700, 4)).astype(dtype)
    y = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])
    f = RandomForestClassifier(n_estimators=4, max_depth=5, random_state=0).fit(X, y)
    got = predict_packed(X, pack_trees(f.estimators_), 3, 0.25, threads)
    np.testing.assert_allclose(got, _numpy_predict(f.estimators_, X, 3, 0.25), rtol=1e-14)
    g = GradientBoostingClassifier(n_estimators=3, max_depth=3).fit(X, y)
    got = predict_packed(X, g._packed, 3, 1.0, threads, tree_col=g._tree_col)
    np.testing.assert_allclose(got, _numpy_predict(g.estimators_, X, 3, 1.0, g._tree_col), rtol=1e-13,
                               atol=1e-15)


def test_bootstrap_counts(rng):
    a = _k.bootstrap_counts(np.uint64(123), 1000, 700)
    b = _k.bootstrap_counts(np.uint64(123), 1000, 700)
    np.testing.assert_array_equal(a, b)
    assert a.sum() == 700
    # about 1 - exp(-0.7) of the rows are drawn at least once
    assert abs(np.count_nonzero(a) / 1000 - (1 - np.exp(-0.7))) < 0.05


def test_kernels_check_indices(rng):
    X = rng.normal(size=(20, 2))
    tree = Tree(dict(feature=np.array([0, -1, -1], np.int32), threshold=np.array([0.0, -2, -2]),
                     left=np.array([1, -1, -1], np.int32), right=np.array([7, -1, -1], np.int32),
                     value=np.zeros((3, 1)), impurity=np.zeros(3), n_samples=np.zeros(3, np.int32),
                     weight=np.zeros(3), gain=np.zeros(3), split_bin=np.zeros(3, np.int32)), 2)
    with pytest.raises(IndexError):
        tree.apply(X)
    with pytest.raises(IndexError):
        predict_packed(X, pack_trees([tree]), 1, 1.0, 1)
    edges, off, nbins = bin_edges(X, 16)
    codes = _k.bin_data(X, edges, off, 1)
    params = dict(criterion=0, splitter=0, n_classes=2, max_depth=3, max_leaves=0, min_samples_split=2,
                  min_samples_leaf=1, min_impurity_decrease=0.0, max_features=2, hist_slots=4)
    bad_y = np.full(20, 5, np.int32)  # label 5 with n_classes=2
    with pytest.raises(IndexError):
        _k.build_trees(codes, None, None, nbins, edges, off, int(nbins.max()), params, bad_y, None, False, 0,
                       np.zeros(1, np.uint64), 7, 1)
    codes[0, 0] = 200  # a code beyond the feature's bins
    with pytest.raises(IndexError):
        _k.build_trees(codes, None, None, nbins, edges, off, int(nbins.max()), params, np.zeros(20, np.int32),
                       None, False, 0, np.zeros(1, np.uint64), 7, 1)
