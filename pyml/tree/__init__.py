"""Decision trees (Course 2, week 4): the course's functions and CART estimators.

* :func:`compute_entropy`, :func:`split_dataset`, :func:`compute_information_gain`,
  :func:`get_best_split`, :func:`build_tree_recursive` — the course's plain
  functions on binary features.
* :class:`DecisionTreeClassifier`, :class:`DecisionTreeRegressor` — C kernels
  with histogram ("hist") and exact splitters.
* :func:`export_text` — the tree as indented rules.
"""
from pyml.tree._classes import DecisionTreeClassifier, DecisionTreeRegressor
from pyml.tree._course import (
    build_tree_recursive, compute_entropy, compute_information_gain, get_best_split, split_dataset,
)
from pyml.tree._export import export_text
from pyml.tree._tree import Tree

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor", "Tree", "export_text", "compute_entropy",
           "split_dataset", "compute_information_gain", "get_best_split", "build_tree_recursive"]
