"""Recommender systems (Course 3, week 2): collaborative filtering.

* :class:`CollaborativeFiltering` — matrix factorisation (ALS or the lab's Adam), with
  ``recommend``, ``similar_items`` and ``fold_in``;
* the lab's functions :func:`cofi_cost_func`, :func:`cofi_cost_and_gradient`,
  :func:`normalize_ratings` and :func:`sq_dist`.

All loops over ratings, users and items run in C (csrc/recommender.c).
"""
from pyml.recommender._cofi import CollaborativeFiltering
from pyml.recommender._functions import cofi_cost_and_gradient, cofi_cost_func, normalize_ratings, sq_dist

__all__ = ["CollaborativeFiltering", "cofi_cost_func", "cofi_cost_and_gradient", "normalize_ratings", "sq_dist"]
