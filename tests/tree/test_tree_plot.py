"""Tree drawing and feature-importance plots (headless)."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from pyml.ensemble import RandomForestClassifier  # noqa: E402
from pyml.plot import FeatureImportanceDisplay, TreeDisplay  # noqa: E402
from pyml.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402


def test_tree_display_draws_every_node(rng):
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    clf = DecisionTreeClassifier(max_depth=3).fit(X, y)
    disp = TreeDisplay.from_estimator(clf, feature_names=["a", "b", "c"]).plot()
    assert len(disp.artists_["boxes"]) == clf.tree_.node_count
    assert len(disp.artists_["edges"]) == clf.tree_.node_count - 1
    root = disp.artists_["boxes"][0].get_text()
    assert root.startswith(f"{'abc'[clf.tree_.feature[0]]} <= ")
    leaves = [b.get_text() for b in disp.artists_["boxes"] if b.get_text().startswith("class")]
    assert len(leaves) == clf.get_n_leaves()
    import matplotlib.pyplot as plt

    plt.close("all")


def test_tree_display_truncates_and_regressor(rng):
    X = rng.normal(size=(300, 2))
    reg = DecisionTreeRegressor(max_depth=5).fit(X, X[:, 0])
    disp = TreeDisplay.from_estimator(reg, max_depth=2).plot()
    texts = [b.get_text() for b in disp.artists_["boxes"]]
    more = [t for t in texts if t.startswith("…")]
    real_leaves = [t for t in texts if t.startswith("value")]
    assert len(texts) == 7 + len(more) and len(more) == 4  # cut subtrees end in a "…" box, not a leaf
    assert sum(int(t.split("(")[1].split()[0]) for t in more) + len(real_leaves) == reg.get_n_leaves()
    splits = [t for t in texts if t.startswith("x[")]
    assert len(splits) + len(real_leaves) == 7  # cut nodes keep their split text
    assert sum(line.get_linestyle() == ":" for line in disp.artists_["edges"]) == 4
    forest = RandomForestClassifier(n_estimators=2, max_depth=2).fit(X, X[:, 0] > 0)
    TreeDisplay.from_tree(forest.estimators_[0]).plot()
    with pytest.raises(ValueError, match="tree_"):
        TreeDisplay.from_estimator(forest)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_feature_importance_display(rng):
    X = rng.normal(size=(300, 4))
    y = (X[:, 2] > 0).astype(int)
    clf = DecisionTreeClassifier(max_depth=2).fit(X, y)
    disp = FeatureImportanceDisplay.from_estimator(clf, feature_names=list("abcd")).plot()
    heights = [r.get_width() for r in disp.artists_["bars"]]
    np.testing.assert_allclose(heights, np.sort(clf.feature_importances_)[::-1])
    assert disp.feature_names[0] == "c"
    import matplotlib.pyplot as plt

    plt.close("all")
