"""scikit-learn's estimator checks that apply to CollaborativeFiltering (its X is (user_id, item_id) pairs, so
the checks that feed random float matrices do not), and scikit-learn's own model selection driving it."""
import numpy as np
import pytest

sklearn_checks = pytest.importorskip("sklearn.utils.estimator_checks")

from pyml.datasets import make_ratings  # noqa: E402
from pyml.recommender import CollaborativeFiltering  # noqa: E402

APPLICABLE = ["check_parameters_default_constructible", "check_no_attributes_set_in_init",
              "check_get_params_invariance", "check_set_params", "check_estimator_repr",
              "check_estimator_cloneable", "check_do_not_raise_errors_in_init_or_set_params",
              "check_valid_tag_types", "check_estimator_tags_renamed", "check_mixin_order"]


@pytest.mark.parametrize("name", APPLICABLE)
def test_applicable_sklearn_checks(name):
    getattr(sklearn_checks, name)("CollaborativeFiltering", CollaborativeFiltering(n_features=3, max_iter=5))


def test_sklearn_cross_val_score_and_grid_search_drive_it():
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

    data = make_ratings(n_users=60, n_items=80, n_features=3, density=0.3, noise=0.1, random_state=0)
    X, y = data.X, data.y
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(CollaborativeFiltering(n_features=3, reg_lambda=1.0, random_state=0), X, y, cv=cv,
                             scoring="neg_root_mean_squared_error")
    assert scores.shape == (3,) and np.all(np.isfinite(scores)) and np.all(scores > -1.5)
    search = GridSearchCV(CollaborativeFiltering(n_features=3, random_state=0), {"reg_lambda": [0.3, 30.0]}, cv=cv,
                          scoring="neg_root_mean_squared_error").fit(X, y)
    assert search.best_params_ == {"reg_lambda": 0.3}
