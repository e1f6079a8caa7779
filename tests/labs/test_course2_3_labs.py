"""Course 2 and 3 labs on pyml.labs with only their imports changed: the labs' printed numbers."""
import numpy as np
import pytest

from pyml.labs import c2_w1, c2_w4, c3_w1, c3_w2, c3_w3


def test_c2_w1_from_scratch_forward_pass():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    W1, b1 = rng.normal(size=(400, 25)) * 0.05, rng.normal(size=25)
    W2, b2 = rng.normal(size=(25, 15)), rng.normal(size=15)
    W3, b3 = rng.normal(size=(15, 1)), rng.normal(size=1)

    def g(z):
        return 1 / (1 + np.exp(-z))

    ref = g(g(g(x @ W1 + b1) @ W2 + b2) @ W3 + b3)
    np.testing.assert_allclose(c2_w1.my_dense(x, W1, b1, c2_w1.sigmoid), g(x @ W1 + b1), rtol=1e-12)
    np.testing.assert_allclose(c2_w1.my_sequential(x, W1, b1, W2, b2, W3, b3), ref, rtol=1e-12)
    X = rng.normal(size=(7, 400))
    np.testing.assert_allclose(c2_w1.my_dense_v(X, W1, b1, c2_w1.sigmoid), g(X @ W1 + b1), rtol=1e-12)
    assert c2_w1.my_predict(X[:, :25] @ np.eye(25), W2, b2, W3, b3).shape == (7, 1)
    z = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(c2_w1.my_softmax(z), np.exp(z) / np.exp(z).sum(), rtol=1e-12)


def test_c2_w4_decision_tree_lab():
    X_train = np.array([[1, 1, 1], [1, 0, 1], [1, 0, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1], [0, 0, 0], [1, 0, 1],
                        [0, 1, 0], [1, 0, 0]])
    y_train = np.array([1, 1, 0, 0, 1, 0, 0, 1, 1, 0])
    root = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert c2_w4.compute_entropy(y_train) == 1.0
    left, right = c2_w4.split_dataset(X_train, root, 0)
    assert left == [0, 1, 2, 3, 4, 7, 9] and right == [5, 6, 8]
    gains = [c2_w4.compute_information_gain(X_train, y_train, root, f) for f in range(3)]
    assert gains == pytest.approx([0.034851554559677034, 0.12451124978365313, 0.2780719051126377])
    assert c2_w4.get_best_split(X_train, y_train, root) == 2


def test_c3_w1_kmeans_lab(course_data, capsys):
    X = np.load(course_data / "c3w1-kmeans" / "ex7_X.npy")
    initial_centroids = np.array([[3, 3], [6, 2], [8, 5]])
    idx = c3_w1.find_closest_centroids(X, initial_centroids)
    assert idx[:3].tolist() == [0, 2, 1]
    centroids = c3_w1.compute_centroids(X, idx, 3)
    np.testing.assert_allclose(centroids, [[2.428301, 3.157924], [5.813503, 2.633656], [7.119387, 3.616684]],
                               atol=1e-6)
    centroids, idx = c3_w1.run_kMeans(X, initial_centroids, 10)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "K-Means iteration 0/9" and out[-1] == "K-Means iteration 9/9" and len(out) == 10
    np.testing.assert_allclose(centroids, [[1.95399466, 5.02557006], [3.04367119, 1.01541041],
                                           [6.03366736, 3.00052511]], atol=1e-6)
    np.random.seed(0)
    first = c3_w1.kMeans_init_centroids(X, 3)
    np.random.seed(0)
    np.testing.assert_array_equal(c3_w1.kMeans_init_centroids(X, 3), first)
    np.testing.assert_array_equal(first, X[np.random.RandomState(0).permutation(len(X))[:3]])
    with pytest.raises(ValueError, match="K must be"):
        c3_w1.kMeans_init_centroids(X, 0)


def test_c3_w1_run_kmeans_plot_progress(course_data):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    X = np.load(course_data / "c3w1-kmeans" / "ex7_X.npy")
    c3_w1.run_kMeans(X, np.array([[3, 3], [6, 2], [8, 5]]), 3, plot_progress=True)
    assert len(plt.gca().collections) >= 2


def test_c3_w1_anomaly_lab(course_data):
    d = course_data / "c3w1-anomaly-detection"
    X_train, X_val, y_val = (np.load(d / f) for f in ("X_part1.npy", "X_val_part1.npy", "y_val_part1.npy"))
    mu, var = c3_w1.estimate_gaussian(X_train)
    np.testing.assert_allclose(mu, [14.11222578, 14.99771051], rtol=1e-8)
    np.testing.assert_allclose(var, [1.83263141, 1.70974533], rtol=1e-8)
    p_val = c3_w1.multivariate_gaussian(X_val, mu, var)
    epsilon, F1 = c3_w1.select_threshold(y_val, p_val)
    assert f"{epsilon:e} {F1:f}" == "8.990853e-05 0.875000"
    X_high, X_val_high, y_val_high = (np.load(d / f) for f in ("X_part2.npy", "X_val_part2.npy",
                                                              "y_val_part2.npy"))
    mu_high, var_high = c3_w1.estimate_gaussian(X_high)
    p_high = c3_w1.multivariate_gaussian(X_high, mu_high, var_high)
    epsilon_high, F1_high = c3_w1.select_threshold(y_val_high, c3_w1.multivariate_gaussian(X_val_high, mu_high,
                                                                                         var_high))
    assert f"{epsilon_high:e} {F1_high:f} {sum(p_high < epsilon_high)}" == "1.377229e-18 0.615385 117"


def test_c3_w2_collaborative_filtering_lab(course_data):
    d = course_data / "c3w2-collaborative-filtering"
    X = np.loadtxt(d / "small_movies_X.csv", delimiter=",")
    W = np.loadtxt(d / "small_movies_W.csv", delimiter=",")
    b = np.loadtxt(d / "small_movies_b.csv", delimiter=",").reshape(1, -1)
    Y = np.loadtxt(d / "RECONSTRUCTED_small_movies_Y.csv.gz", delimiter=",")
    R = np.loadtxt(d / "RECONSTRUCTED_small_movies_R.csv.gz", delimiter=",")
    nu, nm, nf = 4, 5, 3
    Xr, Wr, br, Yr, Rr = X[:nm, :nf], W[:nu, :nf], b[0, :nu].reshape(1, -1), Y[:nm, :nu], R[:nm, :nu]
    assert f"{c3_w2.cofi_cost_func(Xr, Wr, br, Yr, Rr, 0):0.2f}" == "13.67"
    assert f"{c3_w2.cofi_cost_func(Xr, Wr, br, Yr, Rr, 1.5):0.2f}" == "28.09"
    Ynorm, Ymean = c3_w2.normalizeRatings(Y, R)
    assert Ymean.shape == (Y.shape[0], 1) and f"{Ymean[0, 0]:0.3f}" == "3.400"
    np.testing.assert_allclose(Ynorm, (Y - Ymean) * R, atol=1e-12)


def test_c3_w3_names_are_pyml_rl():
    import pyml.rl as rl

    for name in c3_w3.__all__:
        assert getattr(c3_w3, name) is getattr(rl, name)


def _heart_one_hot(path):
    """The tree-ensembles lab's pd.get_dummies: numeric columns first, then each categorical column's
    values in sorted order (20 features)."""
    import csv

    rows = list(csv.DictReader(open(path)))
    numeric = ["Age", "RestingBP", "Cholesterol", "FastingBS", "MaxHR", "Oldpeak"]
    categorical = ["Sex", "ChestPainType", "RestingECG", "ExerciseAngina", "ST_Slope"]
    cols = [np.array([float(r[c]) for r in rows]) for c in numeric]
    for c in categorical:
        cols += [np.array([float(r[c] == v) for r in rows]) for v in sorted({r[c] for r in rows})]
    return np.column_stack(cols), np.array([int(r["HeartDisease"]) for r in rows])


def test_c2_w4_tree_ensembles_lab_split_and_tree(course_data):
    from pyml.metrics import accuracy_score
    from pyml.model_selection import train_test_split
    from pyml.tree import DecisionTreeClassifier

    X, y = _heart_one_hot(course_data / "c2w4-tree-ensemble" / "heart.csv")
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=0.8, random_state=55)
    assert (len(X_train), len(X_val)) == (734, 184)
    assert f"{sum(y_train) / len(y_train):.4f}" == "0.5518"
    model = DecisionTreeClassifier(min_samples_split=50, max_depth=3, random_state=55).fit(X_train, y_train)
    assert f"{accuracy_score(model.predict(X_train), y_train):.4f}" == "0.8583"
    assert f"{accuracy_score(model.predict(X_val), y_val):.4f}" == "0.8641"


def test_c2_w3_practice_lab_degree_10_errors():
    """C2 W3 practice lab: gen_data(18, 2, 0.7), a 67/33 split with random_state=1, a degree-10 polynomial
    (PolynomialFeatures -> StandardScaler -> LinearRegression): the lab prints 58.01 / 171215.01."""
    from pyml.linear_model import LinearRegression
    from pyml.model_selection import eval_mse, train_test_split
    from pyml.preprocessing import PolynomialFeatures, StandardScaler

    x = np.linspace(0, 49, 18)  # the lab's gen_data(m=18, seed=2, scale=0.7)
    np.random.seed(2)
    y_ideal = x ** 2
    y = y_ideal + 0.7 * y_ideal * (np.random.sample((18,)) - 0.5)
    X_train, X_test, y_train, y_test = train_test_split(x, y, test_size=0.33, random_state=1)
    assert (X_train.shape, X_test.shape) == ((12,), (6,))
    poly, scaler = PolynomialFeatures(10), StandardScaler()
    A_train = scaler.fit_transform(poly.fit_transform(X_train.reshape(-1, 1)))
    model = LinearRegression().fit(A_train, y_train)
    A_test = scaler.transform(poly.transform(X_test.reshape(-1, 1)))
    assert f"{eval_mse(y_train, model.predict(A_train)):.2f}" == "58.01"
    assert f"{eval_mse(y_test, model.predict(A_test)):.2f}" == "171215.01"
