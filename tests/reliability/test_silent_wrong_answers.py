"""Inputs that used to give a silently wrong number now raise a clear error (issue 13, item 5)."""
import numpy as np
import pytest

rng = np.random.default_rng(0)
X = rng.standard_normal((40, 3))
y = (X[:, 0] > 0).astype(int)


def test_train_test_split_rejects_a_short_stratify():
    from pyml.model_selection import train_test_split

    with pytest.raises(ValueError, match="stratify has shape"):
        train_test_split(X, y, stratify=y[:-1], random_state=0)


@pytest.mark.parametrize("w", [np.full(40, np.nan), -np.ones(40), np.ones(39), np.zeros(40)])
def test_scores_and_metrics_check_sample_weight(w):
    from pyml.linear_model import LinearRegression, LogisticRegression
    from pyml.metrics import accuracy_score, mean_squared_error, r2_score

    with pytest.raises(ValueError, match="sample_weight"):
        accuracy_score(y, y, sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight"):
        LogisticRegression().fit(X, y).score(X, y, sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight"):
        r2_score(X[:, 0], X[:, 0], sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight"):
        mean_squared_error(X[:, 0], X[:, 1], sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight"):
        LinearRegression().fit(X, X[:, 0]).score(X, X[:, 0], sample_weight=w)


def test_weighted_accuracy_value():
    from pyml.metrics import accuracy_score

    assert accuracy_score([0, 1, 1], [0, 0, 1], sample_weight=[1, 2, 1]) == 0.5


@pytest.mark.parametrize("value", [np.nan, np.inf, -1.0, True])
def test_min_impurity_decrease_must_be_finite_and_non_negative(value):
    from pyml.ensemble import RandomForestClassifier
    from pyml.tree import DecisionTreeClassifier

    for est in (DecisionTreeClassifier(min_impurity_decrease=value), RandomForestClassifier(3, min_impurity_decrease=value)):
        with pytest.raises(ValueError, match="min_impurity_decrease"):
            est.fit(X, y)


def test_kmeans_init_callable_must_return_k_centres():
    from pyml.cluster import KMeans

    with pytest.raises(ValueError, match="init callable returned centres of shape"):
        KMeans(3, init=lambda X, k, random_state: X[:5]).fit(X)
    km = KMeans(3, init=lambda X, k, random_state: X[:k]).fit(X)
    assert km.cluster_centers_.shape == (3, 3)


def test_standard_scaler_on_huge_values():
    from pyml.preprocessing import StandardScaler

    base = rng.standard_normal((50, 2))
    Z = StandardScaler().fit_transform(base * 1e300)
    np.testing.assert_allclose(Z, StandardScaler().fit_transform(base), rtol=1e-12, atol=1e-12)
    sc = StandardScaler().fit(base * 1e300)
    np.testing.assert_allclose(sc.scale_, base.std(axis=0) * 1e300, rtol=1e-12)


def test_log_loss_rejects_non_probabilities():
    from pyml.metrics import log_loss

    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]"):
        log_loss([0, 1], [[0.5, 0.5], [1.5, -0.5]])
    with pytest.raises(ValueError, match="probabilities"):
        log_loss([0, 1], [0.2, 3.0])
    assert log_loss([0, 1], [0.2, 0.8]) == pytest.approx(-np.log(0.8))


@pytest.mark.parametrize("mu", [np.array([np.nan, 0, 0]), np.array([np.inf, 0, 0])])
def test_multivariate_gaussian_checks_mu(mu):
    from pyml.anomaly import multivariate_gaussian

    with pytest.raises(ValueError, match="mu contains"):
        multivariate_gaussian(X, mu, np.ones(3))


def test_big_endian_float32_stays_float32():
    from pyml.utils.validation import check_array

    out = check_array(X.astype(">f4"))
    assert out.dtype == np.float32 and out.dtype.isnative
    np.testing.assert_array_equal(out, X.astype(np.float32))
    assert check_array(X.astype(">f8")).dtype == np.float64


def test_warm_start_forest_rejects_other_feature_count():
    from pyml.ensemble import RandomForestClassifier

    f = RandomForestClassifier(4, warm_start=True, random_state=0).fit(X, y)
    f.set_params(n_estimators=6)
    with pytest.raises(ValueError, match="warm_start"):
        f.fit(X[:, :2], y)
    assert len(f.fit(X, y).estimators_) == 6


def test_dense_checks_b():
    from pyml.neural_network import dense

    with pytest.raises(ValueError, match="b contains NaN"):
        dense(np.ones(3), np.ones((3, 2)), np.array([np.nan, 1.0]), lambda z: z)


@pytest.mark.parametrize("name", ["CategoricalCrossentropy", "BinaryCrossentropy", "MeanSquaredError"])
def test_losses_reject_nan_predictions(name):
    import pyml.neural_network as nn

    loss = getattr(nn, name)()
    with pytest.raises(ValueError, match="y_pred contains NaN"):
        loss(np.array([[0, 1.0]]), np.array([[np.nan, 0.5]]))
    assert np.isfinite(loss(np.array([[0, 1.0]]), np.array([[0.3, 0.7]])))


def test_float32_networks_reject_values_that_overflow_the_cast():
    from pyml.neural_network import Dense, Dot, Input, Model, Sequential

    m = Sequential([Input(shape=(3,)), Dense(2)], random_state=0)
    with pytest.raises(ValueError, match="too large for float32"):
        m.predict(np.full((2, 3), 1e300))
    a, b = Input(shape=(3,)), Input(shape=(3,))
    f = Model([a, b], Dot(axes=1)([Dense(2)(a), Dense(2)(b)]))
    with pytest.raises(ValueError, match="too large for float32"):
        f.predict([np.ones((2, 3)), np.full((2, 3), -1e300)])
    assert np.isfinite(m.predict(np.full((2, 3), 1e30))).all()
    m64 = Sequential([Input(shape=(3,)), Dense(2)], dtype="float64", random_state=0)
    assert m64.predict(np.full((2, 3), 1e300)).dtype == np.float64


def test_set_weights_is_all_or_nothing():
    from pyml.neural_network import Dense, Input, Sequential

    m = Sequential([Input(shape=(3,)), Dense(4, activation="relu"), Dense(2)], random_state=0)
    X = np.random.default_rng(3).standard_normal((5, 3))
    pred = m.predict(X)                             # builds the weights
    before = m.get_weights()
    bad = [w + 1 for w in before]
    bad[-1] = np.array([np.nan, 0.0])              # the last array is bad: nothing may change
    with pytest.raises(ValueError, match="NaN"):
        m.set_weights(bad)
    for a, b in zip(m.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(m.predict(X), pred)
    m.set_weights([w.astype(np.float64) * 2 for w in before])   # float64 into a float32 model works
    assert all(w.dtype == np.float32 for w in m.get_weights())
