"""Linear models (Course 1): regression and classification, plus the labs' functions."""
from pyml.linear_model._functions import (
    GradientDescentResult,
    compute_cost,
    compute_gradient,
    gradient_descent,
    predict,
    sigmoid,
)
from pyml.linear_model._linear import LinearRegression
from pyml.linear_model._logistic import LogisticRegression

__all__ = [
    "GradientDescentResult",
    "LinearRegression",
    "LogisticRegression",
    "compute_cost",
    "compute_gradient",
    "gradient_descent",
    "predict",
    "sigmoid",
]
