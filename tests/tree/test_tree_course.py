"""The course's decision-tree functions on the lab's 10-mushroom example."""
import numpy as np
import pytest

from pyml.tree import (
    build_tree_recursive, compute_entropy, compute_information_gain, get_best_split, split_dataset,
)

# C2 W4 practice lab: Brown Cap, Tapering Stalk Shape, Solitary -> Edible
X_TRAIN = np.array([[1, 1, 1], [1, 0, 1], [1, 0, 0], [1, 0, 0], [1, 1, 1],
                    [0, 1, 1], [0, 0, 0], [1, 0, 1], [0, 1, 0], [1, 0, 0]])
Y_TRAIN = np.array([1, 1, 0, 0, 1, 0, 0, 1, 1, 0])
ROOT = list(range(10))


def test_entropy_values():
    assert compute_entropy(Y_TRAIN) == 1.0
    assert compute_entropy([1, 1, 1]) == 0.0
    assert compute_entropy([]) == 0.0
    p = 0.25
    assert compute_entropy([1, 0, 0, 0]) == pytest.approx(-p * np.log2(p) - (1 - p) * np.log2(1 - p), abs=1e-15)


def test_split_dataset_course_cases():
    left, right = split_dataset(X_TRAIN, ROOT, 0)
    assert left == [0, 1, 2, 3, 4, 7, 9]
    assert right == [5, 6, 8]
    left, right = split_dataset(X_TRAIN, [0, 2, 4, 6, 8], 0)
    assert left == [0, 2, 4]
    assert right == [6, 8]


def test_information_gain_course_values():
    assert compute_information_gain(X_TRAIN, Y_TRAIN, ROOT, 0) == pytest.approx(0.034851554559677034, abs=1e-15)
    assert compute_information_gain(X_TRAIN, Y_TRAIN, ROOT, 1) == pytest.approx(0.12451124978365313, abs=1e-15)
    assert compute_information_gain(X_TRAIN, Y_TRAIN, ROOT, 2) == pytest.approx(0.2780719051126377, abs=1e-15)


def test_best_split_and_ties():
    assert get_best_split(X_TRAIN, Y_TRAIN, ROOT) == 2
    # two identical features: the first one wins
    X = np.column_stack([X_TRAIN[:, 2], X_TRAIN[:, 2]])
    assert get_best_split(X, Y_TRAIN, ROOT) == 0
    # a pure node has no split with positive gain
    assert get_best_split(X_TRAIN, Y_TRAIN, [0, 1, 4, 7]) == -1


def test_build_tree_recursive_course_output(capsys):
    tree = build_tree_recursive(X_TRAIN, Y_TRAIN, ROOT, "Root", max_depth=2, current_depth=0)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        " Depth 0, Root: Split on feature: 2",
        "- Depth 1, Left: Split on feature: 0",
        "  -- Left leaf node with indices [0, 1, 4, 7]",
        "  -- Right leaf node with indices [5]",
        "- Depth 1, Right: Split on feature: 1",
        "  -- Left leaf node with indices [8]",
        "  -- Right leaf node with indices [2, 3, 6, 9]",
    ]
    assert tree[0] == ([0, 1, 4, 5, 7], [2, 3, 6, 8, 9], 2)
    assert [t[2] for t in tree] == [2, 0, 1]


def test_course_tree_matches_estimator():
    """The entropy tree on the 10 mushrooms makes the course's root split."""
    from pyml.tree import DecisionTreeClassifier

    for splitter in ("hist", "exact"):
        clf = DecisionTreeClassifier(criterion="entropy", max_depth=2, splitter=splitter).fit(X_TRAIN, Y_TRAIN)
        assert clf.tree_.feature[0] == 2
        # root gain in bits = weighted impurity decrease / n
        assert clf.tree_.gain[0] / 10 == pytest.approx(0.2780719051126377, abs=1e-12)


def test_bad_inputs():
    with pytest.raises(ValueError, match="feature=5"):
        split_dataset(X_TRAIN, ROOT, 5)
    with pytest.raises(ValueError, match="node_indices"):
        split_dataset(X_TRAIN, [0, 11], 0)
    with pytest.raises(ValueError, match="0/1 labels"):
        compute_entropy(np.array([0, 2, 1]))
    with pytest.raises(ValueError):
        split_dataset(X_TRAIN[0], ROOT, 0)
