"""The course's decision-tree functions (C2 W4 practice lab), vectorised.

Conventions of the lab: features are binary (1 goes left), labels are 0/1,
entropy is in bits, a node splits only when its best information gain is
strictly positive, and the first feature wins ties.

    H(p1) = -p1 log2(p1) - (1 - p1) log2(1 - p1)         (0 when p1 is 0 or 1)
    gain  = H(node) - (w_left H(left) + w_right H(right)),  w = share of the node's samples
"""
import numbers

import numpy as np

from pyml.utils.validation import check_array, check_vector

__all__ = ["compute_entropy", "split_dataset", "compute_information_gain", "get_best_split",
           "build_tree_recursive"]


def _as_X(X, caller):
    """X as a finite 2-D numeric array of 0/1 features (the lab's convention: 1 goes left)."""
    if isinstance(X, np.ndarray) and X.ndim != 2:
        raise ValueError(f"{caller}: X must be 2-D (n_samples, n_features), got shape {X.shape}")
    X = check_array(X, name="X", caller=caller, min_samples=0)
    if not np.isin(X, (0, 1)).all():
        raise ValueError(f"{caller}: X must hold binary 0/1 features (the lab's convention: 1 goes left), got "
                         f"values {np.unique(X)[:5].tolist()}; one-hot encode categorical features first")
    return X


def _as_y(y, n, caller):
    y = check_vector(y, name="y", caller=caller, warn_column=False)
    if y.shape[0] != n:
        raise ValueError(f"{caller}: y has {y.shape[0]} labels but X has {n} samples; pass one label per row")
    return y


def _as_indices(node_indices, n):
    raw = np.asarray(node_indices)
    if raw.size and (raw.dtype.kind not in "iuf" or (raw.dtype.kind == "f" and not np.all(raw == np.round(raw)))):
        raise ValueError(f"node_indices must be integer row indices, got {raw.ravel()[:5].tolist()}")
    idx = raw.astype(np.int64).reshape(-1)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise ValueError(f"node_indices must be in [0, {n}), got values {idx.min()}..{idx.max()}")
    return idx


def compute_entropy(y):
    """Entropy in bits of binary labels y (the fraction of ones is p1).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        0/1 labels.

    Returns
    -------
    float
        ``-p1 log2 p1 - (1-p1) log2 (1-p1)``; 0 for an empty array or a pure node.
    """
    y = np.asarray(y)
    if y.ndim > 1 and not (y.ndim == 2 and y.shape[1] == 1):
        raise ValueError(f"compute_entropy: y must be 1-D (n_samples,), got shape {y.shape}")
    y = y.reshape(-1)
    if y.size == 0:
        return 0.0
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"compute_entropy: y must hold 0/1 labels (the lab's binary entropy), got values "
                         f"{np.unique(y)[:5].tolist()}; for more classes use DecisionTreeClassifier(criterion='entropy')")
    p1 = float(np.mean(y == 1))
    if p1 == 0.0 or p1 == 1.0:
        return 0.0
    return float(-p1 * np.log2(p1) - (1 - p1) * np.log2(1 - p1))


def split_dataset(X, node_indices, feature):
    """Split node_indices on a binary feature: value 1 goes left.

    Returns
    -------
    left_indices, right_indices : list of int
        In the order of node_indices.
    """
    X = _as_X(X, "split_dataset")
    idx = _as_indices(node_indices, X.shape[0])
    if not isinstance(feature, numbers.Integral) or not 0 <= feature < X.shape[1]:
        raise ValueError(f"feature={feature} is out of range for X with {X.shape[1]} features")
    go_left = X[idx, feature] == 1
    return idx[go_left].tolist(), idx[~go_left].tolist()


def compute_information_gain(X, y, node_indices, feature):
    """Information gain (bits) of splitting node_indices on ``feature``.

    ``H(node) - (n_left/n H(left) + n_right/n H(right))``.
    """
    X = _as_X(X, "compute_information_gain")
    y = _as_y(y, X.shape[0], "compute_information_gain")
    idx = _as_indices(node_indices, X.shape[0])
    left, right = split_dataset(X, idx, feature)
    if idx.size == 0:
        return 0.0
    w_left, w_right = len(left) / idx.size, len(right) / idx.size
    weighted = w_left * compute_entropy(y[left]) + w_right * compute_entropy(y[right])
    return float(compute_entropy(y[idx]) - weighted)


def get_best_split(X, y, node_indices):
    """Feature with the largest strictly positive information gain (first wins ties), or -1."""
    X = _as_X(X, "get_best_split")
    y = _as_y(y, X.shape[0], "get_best_split")
    best_feature, best_gain = -1, 0.0
    for feature in range(X.shape[1]):
        gain = compute_information_gain(X, y, node_indices, feature)
        if gain > best_gain:
            best_feature, best_gain = feature, gain
    return best_feature


def build_tree_recursive(X, y, node_indices, branch_name, max_depth, current_depth, tree=None, verbose=True):
    """The course's recursive tree builder on binary features.

    Prints the course's lines (``"- Depth 1, Left: Split on feature: 0"``) when
    ``verbose`` and appends ``(left_indices, right_indices, feature)`` for each
    split to ``tree`` (a new list when None), which is returned. A node stops
    at ``max_depth`` or when no split has a positive gain.
    """
    if tree is None:
        tree = []
    if not isinstance(tree, list):
        raise TypeError(f"build_tree_recursive: tree must be a list (or None for a new one), got "
                        f"{type(tree).__name__}")
    for name, value in (("max_depth", max_depth), ("current_depth", current_depth)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"build_tree_recursive: {name} must be an integer >= 0, got {value!r}")
    if current_depth == 0:  # validate once, at the root
        X = _as_X(X, "build_tree_recursive")
        y = _as_y(y, X.shape[0], "build_tree_recursive")
    if current_depth == max_depth:
        if verbose:
            formatting = " " * current_depth + "-" * current_depth
            print(formatting, f"{branch_name} leaf node with indices", list(node_indices))
        return tree
    best_feature = get_best_split(X, y, node_indices)
    if best_feature < 0:
        if verbose:
            formatting = " " * current_depth + "-" * current_depth
            print(formatting, f"{branch_name} leaf node with indices", list(node_indices))
        return tree
    if verbose:
        formatting = "-" * current_depth
        print(f"{formatting} Depth {current_depth}, {branch_name}: Split on feature: {best_feature}")
    left, right = split_dataset(X, node_indices, best_feature)
    tree.append((left, right, best_feature))
    build_tree_recursive(X, y, left, "Left", max_depth, current_depth + 1, tree, verbose)
    build_tree_recursive(X, y, right, "Right", max_depth, current_depth + 1, tree, verbose)
    return tree
