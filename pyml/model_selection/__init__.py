"""Model selection: data splitting, cross-validation, learning/validation curves, grid search."""
from pyml.model_selection._cv_split import KFold, StratifiedKFold, check_cv, train_cv_test_split
from pyml.model_selection._search import GridSearchCV, ParameterGrid
from pyml.model_selection._split import train_test_split
from pyml.model_selection._validation import (
    categorization_error,
    cross_val_score,
    cross_validate,
    diagnose_bias_variance,
    eval_cat_err,
    eval_mse,
    get_scorer,
    learning_curve,
    validation_curve,
)

__all__ = [
    "GridSearchCV",
    "KFold",
    "ParameterGrid",
    "StratifiedKFold",
    "categorization_error",
    "check_cv",
    "cross_val_score",
    "cross_validate",
    "diagnose_bias_variance",
    "eval_cat_err",
    "eval_mse",
    "get_scorer",
    "learning_curve",
    "train_cv_test_split",
    "train_test_split",
    "validation_curve",
]
