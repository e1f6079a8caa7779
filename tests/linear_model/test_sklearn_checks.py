"""scikit-learn's own estimator checks for every Course 1 estimator."""
import pytest

sklearn_checks = pytest.importorskip("sklearn.utils.estimator_checks")

from pyml.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from pyml.preprocessing import MinMaxScaler, OneHotEncoder, PolynomialFeatures, StandardScaler  # noqa: E402

ESTIMATORS = [
    LinearRegression(),
    LinearRegression(solver="gd"),  # learning_rate="auto": 1/L from power iteration
    LogisticRegression(),
    LogisticRegression(solver="gd", max_iter=2000),
    StandardScaler(),
    MinMaxScaler(),
    PolynomialFeatures(),
    OneHotEncoder(),
]


@sklearn_checks.parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
