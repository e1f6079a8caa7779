"""Anomaly detection (Course 3, week 1): Gaussian density model + F1 threshold.

* :class:`GaussianAnomalyDetector` (diagonal or full covariance, log-densities);
* the lab's functions: :func:`estimate_gaussian`, :func:`multivariate_gaussian`,
  :func:`select_threshold` (the lab's grid rule, a log grid, or an exact scan).
"""
from pyml.anomaly._gaussian import (
    GaussianAnomalyDetector, estimate_gaussian, multivariate_gaussian, select_threshold,
)

__all__ = ["GaussianAnomalyDetector", "estimate_gaussian", "multivariate_gaussian", "select_threshold"]
