"""Regression metrics."""
import numpy as np

from pyml.utils.validation import check_sample_weight, check_consistent_length, check_vector

__all__ = ["mean_squared_error", "r2_score"]


def _targets(y_true, y_pred, caller):
    y_true = check_vector(y_true, name="y_true", caller=caller, warn_column=False)
    y_pred = check_vector(y_pred, name="y_pred", caller=caller, warn_column=False)
    check_consistent_length(y_true, y_pred, names=("y_true", "y_pred"), caller=caller)
    if y_true.size == 0:
        raise ValueError(f"{caller}: y_true is empty")
    return y_true.astype(np.float64), y_pred.astype(np.float64)


def _weights(sample_weight, n, caller):
    if sample_weight is None:
        return None
    return check_sample_weight(sample_weight, n, caller=caller)


def mean_squared_error(y_true, y_pred, *, sample_weight=None):
    """MSE = (1/m) Σ (y_pred - y_true)². (The course's cost J is half of this.)"""
    y_true, y_pred = _targets(y_true, y_pred, "mean_squared_error")
    w = _weights(sample_weight, y_true.shape[0], "mean_squared_error")
    return float(np.average((y_pred - y_true) ** 2, weights=w))


def r2_score(y_true, y_pred, *, sample_weight=None):
    """R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)². A constant y gives 1.0 for a perfect fit, else 0.0."""
    y_true, y_pred = _targets(y_true, y_pred, "r2_score")
    w = _weights(sample_weight, y_true.shape[0], "r2_score")
    if w is None:
        w = np.ones_like(y_true)
    ss_res = float(np.sum(w * (y_true - y_pred) ** 2))
    ss_tot = float(np.sum(w * (y_true - np.average(y_true, weights=w)) ** 2))
    if ss_tot == 0.0:
        return 1.0 if ss_res == 0.0 else 0.0
    return 1.0 - ss_res / ss_tot
