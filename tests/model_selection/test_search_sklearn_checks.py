"""scikit-learn's own estimator checks for pyml's GridSearchCV (a classifier and a regressor inside)."""
import warnings

import pytest

sklearn_checks = pytest.importorskip("sklearn.utils.estimator_checks")

from pyml.exceptions import ConvergenceWarning  # noqa: E402
from pyml.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from pyml.model_selection import GridSearchCV  # noqa: E402


@sklearn_checks.parametrize_with_checks([GridSearchCV(LogisticRegression(), {"reg_lambda": [0.1, 1.0]}, cv=3),
                                         GridSearchCV(LinearRegression(), {"reg_lambda": [0.0, 1.0]}, cv=3)])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_delegated_methods_follow_the_estimator():
    import numpy as np

    X = np.random.default_rng(0).normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    reg = GridSearchCV(LinearRegression(), {"reg_lambda": [0.0, 1.0]}, cv=3)
    assert not hasattr(reg, "predict_proba") and hasattr(reg, "predict")
    clf = GridSearchCV(LogisticRegression(), {"reg_lambda": [0.1, 1.0]}, cv=3).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.best_estimator_.predict_proba(X))
    with pytest.raises(ValueError, match="n_samples = 1"):
        GridSearchCV(LogisticRegression(), {"reg_lambda": [0.1]}).fit(X[:1], y[:1])
