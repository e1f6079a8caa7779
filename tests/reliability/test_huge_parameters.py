"""Huge hyper-parameters get a clear ValueError (or their exact meaning), never an
OverflowError, a 'kernel status' message or a multi-GiB allocation attempt."""
import numpy as np
import pytest

rng = np.random.default_rng(0)
X = rng.standard_normal((60, 3))
y = (X[:, 0] > 0).astype(int)


def test_huge_n_jobs_is_a_clear_error():
    from pyml.cluster import KMeans
    from pyml.linear_model import LinearRegression
    from pyml.tree import DecisionTreeClassifier

    for est, target in ((DecisionTreeClassifier(n_jobs=2**31), y), (LinearRegression(n_jobs=2**31), X[:, 0]),
                        (KMeans(3, n_jobs=2**40), None)):
        with pytest.raises(ValueError, match="n_jobs=.* use n_jobs=-1"):
            est.fit(X, target) if target is not None else est.fit(X)


def test_huge_tree_sizes_mean_unlimited():
    from pyml.tree import DecisionTreeClassifier

    ref = DecisionTreeClassifier().fit(X, y)
    deep = DecisionTreeClassifier(max_depth=2**40).fit(X, y)
    np.testing.assert_array_equal(deep.tree_.feature, ref.tree_.feature)
    stump = DecisionTreeClassifier(min_samples_leaf=2**40).fit(X, y)
    assert stump.tree_.node_count == 1
    stump = DecisionTreeClassifier(min_samples_split=2**40).fit(X, y)
    assert stump.tree_.node_count == 1


@pytest.mark.parametrize("trials", [0, 257, 300, 2.5])
def test_kmeans_plusplus_trials_range(trials):
    from pyml.cluster import kmeans_plusplus

    with pytest.raises(ValueError, match="n_local_trials must be"):
        kmeans_plusplus(X, 3, n_local_trials=trials)


def test_kmeans_plusplus_many_clusters_default_trials_capped():
    from pyml.cluster import kmeans_plusplus

    Xb = rng.standard_normal((3000, 2))
    centers, idx = kmeans_plusplus(Xb, 2000, random_state=0)
    assert centers.shape == (2000, 2) and len(np.unique(idx)) == 2000


def test_max_iter_beyond_memory_is_a_clear_error():
    from pyml.linear_model import LinearRegression, LogisticRegression, gradient_descent

    with pytest.raises(ValueError, match="max_iter=100000000000.*GiB"):
        LinearRegression(solver="gd", max_iter=10**11).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="lower max_iter"):
        LogisticRegression(solver="gd", max_iter=10**11).fit(X, y)
    with pytest.raises(ValueError, match="GiB"):
        gradient_descent(X, X[:, 0], np.zeros(3), 0.0, 0.1, 10**11)


def test_ensembles_beyond_memory_are_a_clear_error():
    from pyml.ensemble import GradientBoostingClassifier, RandomForestClassifier

    with pytest.raises(ValueError, match="lower n_estimators"):
        GradientBoostingClassifier(n_estimators=2**40).fit(X, y)
    with pytest.raises(ValueError, match="lower n_estimators"):
        RandomForestClassifier(n_estimators=2**40).fit(X, y)
