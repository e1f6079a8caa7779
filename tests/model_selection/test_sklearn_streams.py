"""pyml's seeded helpers draw the same rows as scikit-learn's for the same integer random_state
(its legacy RandomState streams), and None follows np.random.seed, so the labs' numbers reproduce."""
import numpy as np
import pytest

from pyml import model_selection as pm
from pyml.datasets import make_blobs

sk_ms = pytest.importorskip("sklearn.model_selection")
sk_datasets = pytest.importorskip("sklearn.datasets")


def _equal(a, b):
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


@pytest.mark.parametrize("n", [10, 37, 918])
@pytest.mark.parametrize("seed", [0, 1, 55])
@pytest.mark.parametrize("sizes", [dict(test_size=0.25), dict(train_size=0.8), dict(test_size=7)])
def test_train_test_split_rows_equal_sklearn(n, seed, sizes):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 3))
    y = rng.integers(0, 3, n)
    assert _equal(pm.train_test_split(X, y, random_state=seed, **sizes),
                  sk_ms.train_test_split(X, y, random_state=seed, **sizes))
    try:
        theirs = sk_ms.train_test_split(X, y, random_state=seed, stratify=y, **sizes)
    except ValueError:  # too few test rows for one per class: both refuse
        with pytest.raises(ValueError, match="one sample per class"):
            pm.train_test_split(X, y, random_state=seed, stratify=y, **sizes)
        return
    assert _equal(pm.train_test_split(X, y, random_state=seed, stratify=y, **sizes), theirs)


@pytest.mark.parametrize("name", ["KFold", "StratifiedKFold"])
@pytest.mark.parametrize("shuffle,seed", [(False, None), (True, 0), (True, 42)])
@pytest.mark.parametrize("n", [23, 100])
def test_kfold_splits_equal_sklearn(name, shuffle, seed, n):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 2))
    y = np.repeat([2, 0, 1], [n // 2, n // 3, n - n // 2 - n // 3])[rng.permutation(n)]
    ours = list(getattr(pm, name)(4, shuffle=shuffle, random_state=seed).split(X, y))
    theirs = list(getattr(sk_ms, name)(4, shuffle=shuffle, random_state=seed).split(X, y))
    assert len(ours) == 4
    for (tr, te), (str_, ste) in zip(ours, theirs):
        np.testing.assert_array_equal(tr, str_)
        np.testing.assert_array_equal(te, ste)


def test_make_blobs_equal_sklearn():
    for kw in (dict(n_samples=100, random_state=0),
               dict(n_samples=301, n_features=5, centers=4, cluster_std=[1, 2, 0.5, 3], random_state=7),
               dict(n_samples=50, centers=np.array([[0, 0], [5, 5.0]]), random_state=1, shuffle=False)):
        X, y = make_blobs(**kw)
        Xs, ys = sk_datasets.make_blobs(**kw)
        np.testing.assert_array_equal(X, Xs)
        np.testing.assert_array_equal(y, ys)


def test_none_follows_numpy_global_seed():
    X = np.arange(40).reshape(20, 2)
    np.random.seed(3)
    first = pm.train_test_split(X, random_state=None)
    np.random.seed(3)
    assert _equal(pm.train_test_split(X), first)
    np.random.seed(3)
    assert _equal(sk_ms.train_test_split(X), first)
    np.random.seed(5)
    a = make_blobs(30)
    np.random.seed(5)
    np.testing.assert_array_equal(make_blobs(30)[0], a[0])


def test_train_cv_test_split_is_the_labs_two_splits():
    x = np.linspace(0, 1, 50).reshape(-1, 1)
    y = np.arange(50)
    x_train, x_, y_train, y_ = sk_ms.train_test_split(x, y, test_size=0.40, random_state=1)
    x_cv, x_test, y_cv, y_test = sk_ms.train_test_split(x_, y_, test_size=0.50, random_state=1)
    assert _equal(pm.train_cv_test_split(x, y, random_state=1), [x_train, x_cv, x_test, y_train, y_cv, y_test])


def test_stratified_kfold_warns_for_a_small_class():
    y = np.array([0] * 10 + [1] * 2)
    with pytest.warns(UserWarning, match="least populated class"):
        list(pm.StratifiedKFold(3).split(np.zeros((12, 1)), y))


def test_numpy_global_seed_makes_unseeded_models_repeatable():
    from pyml.cluster import KMeans
    from pyml.ensemble import RandomForestClassifier
    from pyml.neural_network import Dense, Input, Sequential

    X = np.random.default_rng(0).normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)

    def fits():
        km = KMeans(4, n_init=1).fit(X).cluster_centers_
        rf = RandomForestClassifier(n_estimators=5).fit(X, y).predict_proba(X)
        nn = Sequential([Input(shape=(3,)), Dense(2)]).get_weights()[0]
        return km, rf, nn

    np.random.seed(7)
    first = fits()
    np.random.seed(7)
    again = fits()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    other = fits()  # the global stream moved on: new draws
    assert not np.array_equal(other[2], first[2])
