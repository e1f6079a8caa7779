"""scikit-learn's own estimator checks for the trees and tree ensembles."""
import pytest

sklearn_checks = pytest.importorskip("sklearn.utils.estimator_checks")

from pyml.ensemble import (  # noqa: E402
    GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor,
)
from pyml.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

ESTIMATORS = [
    DecisionTreeClassifier(),
    DecisionTreeClassifier(splitter="exact", criterion="entropy"),
    DecisionTreeRegressor(),
    RandomForestClassifier(n_estimators=5),
    RandomForestRegressor(n_estimators=5),
    GradientBoostingClassifier(n_estimators=10),
    GradientBoostingRegressor(n_estimators=10),
]


@sklearn_checks.parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
