"""scikit-learn's own estimator checks for the trees and tree ensembles."""
import pytest

sklearn_checks = pytest.importorskip("sklearn.utils.estimator_checks")

from pyml.ensemble import (  # noqa: E402
    GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor,
)
from pyml.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

ESTIMATORS = [
    DecisionTreeClassifier(),
    DecisionTreeClassifier(splitter="hist", criterion="entropy"),
    DecisionTreeRegressor(),
    DecisionTreeRegressor(splitter="hist"),
    RandomForestClassifier(n_estimators=5),
    RandomForestRegressor(n_estimators=5),
    GradientBoostingClassifier(n_estimators=10),
    GradientBoostingRegressor(n_estimators=10),
]


def _expected_failures(estimator):
    if isinstance(estimator, (RandomForestClassifier, RandomForestRegressor)):
        # as for scikit-learn's forests (xfail there too): a bootstrap draws rows, not weight
        return {"check_sample_weight_equivalence_on_dense_data":
                "bootstrap resampling differs for weighted vs repeated rows"}
    return {}


@sklearn_checks.parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
