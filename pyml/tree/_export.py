"""Text rendering of a fitted tree."""
import numbers

import numpy as np

from pyml.utils.validation import check_is_fitted

__all__ = ["export_text"]


def export_text(decision_tree, *, feature_names=None, class_names=None, max_depth=10, decimals=2,
                show_weights=False):
    """The rules of a fitted tree as indented text (scikit-learn's layout).

    Parameters
    ----------
    decision_tree : DecisionTreeClassifier or DecisionTreeRegressor
    feature_names : list of str, optional
    class_names : list of str, optional
        Defaults to the classifier's classes_.
    max_depth : int
        Deeper nodes are summarised as "truncated branch".
    decimals : int
    show_weights : bool
        Print the class proportions of each leaf.

    Returns
    -------
    str
    """
    if not hasattr(decision_tree, "get_params") or not hasattr(type(decision_tree), "fit"):
        raise TypeError(f"export_text: decision_tree must be a fitted DecisionTreeClassifier or "
                        f"DecisionTreeRegressor, got {type(decision_tree).__name__}")
    check_is_fitted(decision_tree)
    for name, value in (("max_depth", max_depth), ("decimals", decimals)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"export_text: {name} must be an integer >= 0, got {value!r}")
    tree = decision_tree.tree_
    d = decision_tree.n_features_in_
    if feature_names is None:
        feature_names = [f"feature_{j}" for j in range(d)]
    elif len(feature_names) != d:
        raise ValueError(f"feature_names has {len(feature_names)} names but the tree has {d} features")
    classes = getattr(decision_tree, "classes_", None)
    if class_names is None and classes is not None:
        class_names = [str(c) for c in classes]
    elif class_names is not None and classes is not None and len(class_names) != len(classes):
        raise ValueError(f"export_text: class_names has {len(class_names)} names but the tree has "
                         f"{len(classes)} classes")
    lines = []

    def leaf_text(node):
        v = tree.value[node]
        if class_names is not None:
            text = f"class: {class_names[int(np.argmax(v))]}"
            if show_weights:
                text += " weights: [" + ", ".join(f"{x:.{decimals}f}" for x in v) + "]"
            return text
        return f"value: [{v[0]:.{decimals}f}]"

    def recurse(node, depth):
        indent = "|   " * depth + "|--- "
        if depth > max_depth:
            lines.append("|   " * depth + "|--- truncated branch")
            return
        if tree.children_left[node] < 0:
            lines.append(indent + leaf_text(node))
            return
        name = feature_names[tree.feature[node]]
        thr = tree.threshold[node]
        lines.append(f"{indent}{name} <= {thr:.{decimals}f}")
        recurse(tree.children_left[node], depth + 1)
        lines.append(f"{indent}{name} >  {thr:.{decimals}f}")
        recurse(tree.children_right[node], depth + 1)

    recurse(0, 0)
    return "\n".join(lines) + "\n"
