"""Properties of the hist splitter's choice among features (csrc/tree_hist.c pyml_tree_pick_split) through
DecisionTreeClassifier(splitter="hist"), GradientBoostingClassifier and GradientBoostingRegressor.

Tie rule: of features that cut the rows identically (a column, its copies and positive affine rescalings
a x + c), the FIRST in column order is chosen. A data set X is augmented with such copies, placed before
or after their original but keeping the originals' first occurrences in order: the model on the
augmented data uses only first occurrences, maps node by node onto the model fitted on X (same structure,
feature j of X <-> its first occurrence) and predicts bitwise the same. The model is bitwise the same for
n_jobs 1 and 2, and integer sample weights equal repeated rows (predictions compared on the rows of
positive weight: a zero-weight row's value can only move a threshold between training values).
Data: n in [2, 60] with few distinct values (ties and constant columns happen), d in [1, 4].
"""
import warnings

import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

from _strategies import prop_settings  # noqa: E402
from pyml.ensemble import GradientBoostingClassifier, GradientBoostingRegressor  # noqa: E402
from pyml.tree import DecisionTreeClassifier  # noqa: E402

KINDS = ["tree", "gbc", "gbr"]


def _model(kind, depth, n_jobs=1):
    if kind == "tree":
        return DecisionTreeClassifier(splitter="hist", max_depth=depth, n_jobs=n_jobs)
    cls = GradientBoostingClassifier if kind == "gbc" else GradientBoostingRegressor
    return cls(n_estimators=3, max_depth=depth, learning_rate=0.5, n_jobs=n_jobs)


def _trees(model):
    return [model.tree_] if hasattr(model, "tree_") else list(model.estimators_)


def _outputs(model, X):
    return model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)


@st.composite
def datasets(draw, kind, n_min=2, n_max=60, d_max=4):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, d = draw(st.integers(n_min, n_max)), draw(st.integers(1, d_max))
    levels = draw(st.integers(2, 8))   # few distinct values: tied gains between features are common
    X = rng.integers(0, levels, size=(n, d)).astype(np.float64) / 4.0
    if kind == "gbr":
        y = X @ rng.normal(size=d) + 0.3 * rng.normal(size=n)
    else:
        y = rng.integers(0, draw(st.integers(2, 3)), size=n)
        y[0] = 0
        if n > 1:
            y[-1] = 1
    return X, y


@st.composite
def augmentations(draw, d):
    """(order, (a, c) per column): column t of the augmented data is a * X[:, order[t]] + c, and the first
    occurrences of 0, 1, ..., d-1 in ``order`` come in that order."""
    order = list(range(d))
    for _ in range(draw(st.integers(1, 2 * d))):
        j = draw(st.integers(0, d - 1))
        lo = 0 if j == 0 else order.index(j - 1) + 1   # after the first occurrence of j - 1
        order.insert(draw(st.integers(lo, len(order))), j)
    affine = [draw(st.sampled_from([(1.0, 0.0), (1.0, 0.0), (2.0, 0.0), (0.5, -3.0), (3.0, 7.25), (1e3, 1.0)]))
              for _ in order]
    return order, affine


@pytest.mark.parametrize("kind", KINDS)
@prop_settings(25)
@given(data=st.data())
def test_first_of_identically_cutting_features_is_chosen(kind, data):
    X, y = data.draw(datasets(kind))
    order, affine = data.draw(augmentations(X.shape[1]))
    Xa = np.column_stack([a * X[:, j] + c for j, (a, c) in zip(order, affine)])
    first = {j: order.index(j) for j in range(X.shape[1])}
    depth = data.draw(st.integers(1, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = _model(kind, depth).fit(X, y)
        aug = _model(kind, depth).fit(Xa, y)
    for tb, ta in zip(_trees(base), _trees(aug)):
        fb, fa = np.asarray(tb.feature), np.asarray(ta.feature)
        assert fa.shape == fb.shape
        split = fb >= 0
        np.testing.assert_array_equal(fa < 0, ~split)
        # every split of the augmented model is on the first occurrence of the base model's feature
        np.testing.assert_array_equal(fa[split], [first[j] for j in fb[split]])
    np.testing.assert_array_equal(_outputs(aug, Xa), _outputs(base, X))


@pytest.mark.parametrize("kind", KINDS)
@prop_settings(15)
@given(data=st.data())
def test_model_bitwise_identical_for_1_and_2_jobs(kind, data):
    X, y = data.draw(datasets(kind, n_min=2, n_max=300, d_max=6))
    depth = data.draw(st.integers(1, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = _model(kind, depth, n_jobs=1).fit(X, y)
        two = _model(kind, depth, n_jobs=2).fit(X, y)
    for t1, t2 in zip(_trees(one), _trees(two), strict=True):
        np.testing.assert_array_equal(t1.feature, t2.feature)
        np.testing.assert_array_equal(t1.threshold, t2.threshold)
    np.testing.assert_array_equal(_outputs(one, X), _outputs(two, X))


@pytest.mark.parametrize("kind", KINDS)
@prop_settings(20)
@given(data=st.data())
def test_integer_sample_weights_equal_repeated_rows(kind, data):
    X, y = data.draw(datasets(kind, n_min=2, n_max=40))
    n = X.shape[0]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    cnt = rng.integers(0, 4, size=n)
    if kind != "gbr":   # every label keeps a row of positive weight (classes_ is the same for both fits)
        first_of_class = np.unique(y, return_index=True)[1]
        cnt[first_of_class] = np.maximum(cnt[first_of_class], 1)
    cnt[0] = max(cnt[0], 1)
    keep = np.repeat(np.arange(n), cnt)
    depth = data.draw(st.integers(1, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wfit = _model(kind, depth).fit(X, y, sample_weight=cnt.astype(np.float64))
        rfit = _model(kind, depth).fit(X[keep], y[keep])
    pos = X[cnt > 0]
    np.testing.assert_allclose(_outputs(wfit, pos), _outputs(rfit, pos), rtol=1e-9, atol=1e-9)
