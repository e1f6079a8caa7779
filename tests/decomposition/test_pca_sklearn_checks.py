"""scikit-learn's own estimator checks for PCA."""
import pytest

sklearn_checks = pytest.importorskip("sklearn.utils.estimator_checks")

from pyml.decomposition import PCA  # noqa: E402


@sklearn_checks.parametrize_with_checks([PCA(), PCA(n_components=2, svd_solver="randomized", random_state=0),
                                         PCA(n_components=0.9, whiten=True)])
def test_sklearn_compatible(estimator, check):
    check(estimator)
