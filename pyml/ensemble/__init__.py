"""Tree ensembles (Course 2, week 4): random forests and XGBoost-style boosting."""
from pyml.ensemble._forest import RandomForestClassifier, RandomForestRegressor
from pyml.ensemble._gb import GradientBoostingClassifier, GradientBoostingRegressor, load_model

__all__ = ["RandomForestClassifier", "RandomForestRegressor", "GradientBoostingClassifier",
           "GradientBoostingRegressor", "load_model"]
