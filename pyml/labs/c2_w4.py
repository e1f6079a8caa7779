"""Course 2 week 4 practice lab "Decision Trees" (mushrooms): the lab's functions, on pyml's tree code.

``compute_entropy(y)``, ``split_dataset(X, node_indices, feature)`` → ``(left_indices, right_indices)``,
``compute_information_gain(X, y, node_indices, feature)``, ``get_best_split(X, y, node_indices)`` and
``build_tree_recursive(X, y, node_indices, branch_name, max_depth, current_depth)``, with the lab's
argument orders (see :mod:`pyml.tree`).
"""
from pyml.tree import build_tree_recursive, compute_entropy, compute_information_gain, get_best_split, split_dataset

__all__ = ["compute_entropy", "split_dataset", "compute_information_gain", "get_best_split",
           "build_tree_recursive"]
