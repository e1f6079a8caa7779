"""Course 3 week 2 practice lab "Collaborative Filtering": the lab's names on pyml's sparse kernels.

``cofi_cost_func(X, W, b, Y, R, lambda_)``, ``normalizeRatings(Y, R)`` → ``(Ynorm, Ymean)`` (the lab
helper's spelling of :func:`pyml.recommender.normalize_ratings`), ``sq_dist(a, b)``.
J = ½ Σ_{R=1} (w_j·x_i + b_j − y_ij)² + (λ/2)(Σ W² + Σ X²).
"""
from pyml.recommender import cofi_cost_and_gradient, cofi_cost_func, normalize_ratings, sq_dist

__all__ = ["cofi_cost_func", "cofi_cost_and_gradient", "normalizeRatings", "sq_dist"]

normalizeRatings = normalize_ratings
