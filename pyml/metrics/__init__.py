"""Metrics: regression errors, classification scores, log-loss, confusion matrix."""
from pyml.metrics._classification import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
)
from pyml.metrics._regression import mean_squared_error, r2_score

__all__ = [
    "accuracy_score",
    "confusion_matrix",
    "f1_score",
    "log_loss",
    "mean_squared_error",
    "precision_score",
    "r2_score",
    "recall_score",
]
