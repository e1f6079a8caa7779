"""pandas DataFrames: feature_names_in_ recorded and checked, get_feature_names_out, set_output, and
scikit-learn Pipelines / ColumnTransformers of pyml steps producing DataFrames."""
import warnings

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from pyml.cluster import KMeans  # noqa: E402
from pyml.decomposition import PCA  # noqa: E402
from pyml.ensemble import GradientBoostingRegressor, RandomForestClassifier  # noqa: E402
from pyml.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from pyml.preprocessing import MinMaxScaler, OneHotEncoder, PolynomialFeatures, StandardScaler  # noqa: E402
from pyml.tree import DecisionTreeClassifier  # noqa: E402


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"size": rng.normal(1500, 300, n), "rooms": rng.integers(1, 6, n).astype(float),
                      "age": rng.uniform(0, 50, n)})
    y = (X["size"] > 1500).astype(int).to_numpy()
    return X, y


ESTIMATORS = [LinearRegression(), LogisticRegression(), DecisionTreeClassifier(max_depth=3),
              RandomForestClassifier(n_estimators=5, random_state=0),
              GradientBoostingRegressor(n_estimators=5), KMeans(2, random_state=0, n_init=1), StandardScaler(),
              MinMaxScaler(), PCA(2)]


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_feature_names_recorded_and_checked(est):
    X, y = _frame()
    est.fit(X, y)
    np.testing.assert_array_equal(est.feature_names_in_, ["size", "rooms", "age"])
    method = next(m for m in ("predict", "transform") if hasattr(est, m))
    out = getattr(est, method)(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(np.asarray(out), np.asarray(getattr(est, method)(X)))
    with pytest.raises(ValueError, match="same order"):
        getattr(est, method)(X[["rooms", "size", "age"]])
    with pytest.raises(ValueError, match="unseen at fit time:\n- floors"):
        getattr(est, method)(X.rename(columns={"age": "floors"}))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        getattr(est, method)(X.to_numpy())
    est.fit(X.to_numpy(), y)
    assert not hasattr(est, "feature_names_in_")
    with pytest.warns(UserWarning, match="fitted without feature names"):
        getattr(est, method)(X)


def test_non_string_columns_are_ignored_and_mixed_ones_refused():
    X, y = _frame()
    Xi = X.set_axis([0, 1, 2], axis=1)
    assert not hasattr(LinearRegression().fit(Xi, y), "feature_names_in_")
    with pytest.raises(TypeError, match="string names"):
        LinearRegression().fit(X.set_axis(["a", 1, "c"], axis=1), y)


def test_get_feature_names_out():
    X, y = _frame()
    np.testing.assert_array_equal(StandardScaler().fit(X).get_feature_names_out(), ["size", "rooms", "age"])
    np.testing.assert_array_equal(StandardScaler().fit(X.to_numpy()).get_feature_names_out(), ["x0", "x1", "x2"])
    poly = PolynomialFeatures(2).fit(X[["size", "rooms"]])
    np.testing.assert_array_equal(poly.get_feature_names_out(), ["size", "rooms", "size^2", "size rooms",
                                                                 "rooms^2"])
    np.testing.assert_array_equal(PCA(2).fit(X).get_feature_names_out(), ["pca0", "pca1"])
    np.testing.assert_array_equal(KMeans(3, random_state=0, n_init=1).fit(X).get_feature_names_out(),
                                  ["kmeans0", "kmeans1", "kmeans2"])
    cats = pd.DataFrame({"colour": ["red", "blue", "red"], "size": ["S", "M", "L"]})
    np.testing.assert_array_equal(OneHotEncoder().fit(cats).get_feature_names_out(),
                                  ["colour_blue", "colour_red", "size_L", "size_M", "size_S"])
    with pytest.raises(ValueError, match="length"):
        StandardScaler().fit(X).get_feature_names_out(["a"])


def test_set_output_pandas():
    X, _ = _frame()
    X.index = np.arange(100, 100 + len(X))
    sc = StandardScaler().set_output(transform="pandas")
    out = sc.fit_transform(X)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["size", "rooms", "age"]
    np.testing.assert_array_equal(out.index, X.index)
    np.testing.assert_allclose(out.to_numpy(), (X - X.mean()) / X.std(ddof=0))
    assert isinstance(sc.set_output(transform="default").transform(X), np.ndarray)
    with pytest.raises(ValueError, match="pandas"):
        sc.set_output(transform="polars")


def test_sklearn_pipeline_and_column_transformer_output_dataframes():
    pytest.importorskip("sklearn")
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline

    X, y = _frame()
    X["colour"] = np.where(y == 1, "red", "blue")
    ct = ColumnTransformer([("num", StandardScaler(), ["size", "rooms", "age"]),
                            ("cat", OneHotEncoder(), ["colour"])]).set_output(transform="pandas")
    out = ct.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["num__size", "num__rooms", "num__age", "cat__colour_blue", "cat__colour_red"]
    pipe = make_pipeline(StandardScaler(), PCA(2)).set_output(transform="pandas")
    assert list(pipe.fit_transform(X[["size", "rooms", "age"]]).columns) == ["pca0", "pca1"]
    model = make_pipeline(ct, LogisticRegression()).fit(X, y)
    assert model.score(X, y) == 1.0
