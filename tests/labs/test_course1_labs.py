"""Course 1 labs run on pyml.labs with only their imports changed: the labs' printed numbers.

Each test follows the lab's own sequence of calls (data, the graded functions, gradient
descent) and checks the values the lab prints. The fused C path is also checked against the
lab's Python loop with a learner's own (plain NumPy) cost and gradient.
"""
import math

import numpy as np
import pytest

from pyml.labs import c1_w1, c1_w2, c1_w2_multi, c1_w3


def _printed_costs(out):
    return [line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("Iteration")]


def test_c1_w1_gradient_descent_lab(capsys):
    x_train, y_train = np.array([1.0, 2.0]), np.array([300.0, 500.0])
    assert c1_w1.compute_cost(x_train, y_train, 200, 100) == 0.0
    assert c1_w1.compute_gradient(x_train, y_train, 0, 0) == pytest.approx((-650.0, -400.0))
    w, b, J_hist, p_hist = c1_w1.gradient_descent(x_train, y_train, 0, 0, 1.0e-2, 10000, c1_w1.compute_cost,
                                                  c1_w1.compute_gradient)
    assert f"({w:8.4f},{b:8.4f})" == "(199.9929,100.0116)"
    assert len(J_hist) == len(p_hist) == 10000 and p_hist[0] == [6.5, 4.0]
    out = capsys.readouterr().out
    assert _printed_costs(out) == [str(i) for i in range(0, 10000, 1000)]
    first = out.splitlines()[0]
    assert first.startswith("Iteration    0: Cost 7.93e+04  dj_dw: -6.500e+02, dj_db: -4.000e+02")
    assert c1_w1.compute_model_output(x_train, 200, 100).tolist() == [300.0, 500.0]


def test_c1_w2_practice_lab(course_data, capsys):
    x_train, y_train = c1_w2.load_data(course_data / "c1w2-linear-regression" / "ex1data1.txt")
    assert x_train.shape == (97,)
    assert f"{c1_w2.compute_cost(x_train, y_train, 2, 1):.3f}" == "75.203"
    dj_dw, dj_db = c1_w2.compute_gradient(x_train, y_train, 0, 0)
    assert (dj_dw, dj_db) == pytest.approx((-65.32884974555672, -5.83913505154639), rel=1e-12)
    assert c1_w2.compute_gradient(x_train, y_train, 0.2, 0.2) == pytest.approx(
        (-47.41610118114435, -4.007175051546391), rel=1e-12)
    w, b, _, w_hist = c1_w2.gradient_descent(x_train, y_train, 0., 0., c1_w2.compute_cost,
                                             c1_w2.compute_gradient, 0.01, 1500)
    assert (w, b) == pytest.approx((1.166362350335582, -3.63029143940436), rel=1e-12)
    assert f"{(3.5 * w + b) * 10000:.2f}" == "4519.77" and f"{(7.0 * w + b) * 10000:.2f}" == "45342.45"
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Iteration    0: Cost     6.74   " and out[-1] == "Iteration 1350: Cost     4.49   "
    assert len(w_hist) == 10


def test_c1_w2_learner_functions_take_the_python_loop(course_data, capsys):
    """A learner's own compute_cost/compute_gradient are called as the lab's loop calls them."""
    x, y = c1_w2.load_data(course_data / "c1w2-linear-regression" / "ex1data1.txt")
    calls = []

    def compute_cost(x, y, w, b):
        calls.append("cost")
        return float(np.sum((w * x + b - y) ** 2) / (2 * len(x)))

    def compute_gradient(x, y, w, b):
        calls.append("grad")
        e = w * x + b - y
        return float(np.mean(e * x)), float(np.mean(e))

    w, b, J, _ = c1_w2.gradient_descent(x, y, 0., 0., compute_cost, compute_gradient, 0.01, 50)
    wf, bf, Jf, _ = c1_w2.gradient_descent(x, y, 0., 0., c1_w2.compute_cost, c1_w2.compute_gradient, 0.01, 50)
    assert calls == ["grad", "cost"] * 50
    assert (w, b) == pytest.approx((wf, bf), rel=1e-13)
    np.testing.assert_allclose(J, Jf, rtol=1e-13)
    out = capsys.readouterr().out
    assert out.count("Iteration") == 20


def test_c1_w2_multiple_variables_lab(capsys):
    X_train = np.array([[2104, 5, 1, 45], [1416, 3, 2, 40], [852, 2, 1, 35]])
    y_train = np.array([460, 232, 178])
    b_init = 785.1811367994083
    w_init = np.array([0.39133535, 18.75376741, -53.36032453, -26.42131618])
    assert f"{c1_w2_multi.predict(X_train[0, :], w_init, b_init):.6f}" == "459.999998"
    assert c1_w2_multi.compute_cost(X_train, y_train, w_init, b_init) == pytest.approx(1.5578904045996674e-12,
                                                                                       rel=1e-6)
    dj_db, dj_dw = c1_w2_multi.compute_gradient(X_train, y_train, w_init, b_init)
    assert dj_db == pytest.approx(-1.6739251122999121e-06, rel=1e-6)
    np.testing.assert_allclose(dj_dw, [-2.72623574e-03, -6.27197255e-06, -2.21745574e-06, -6.92403377e-05],
                               rtol=1e-6)
    w, b, J_hist = c1_w2_multi.gradient_descent(X_train, y_train, np.zeros_like(w_init), 0.,
                                                c1_w2_multi.compute_cost, c1_w2_multi.compute_gradient,
                                                5.0e-7, 1000)
    with np.printoptions(precision=2):  # the lab sets np.set_printoptions(precision=2)
        line = f"b,w found by gradient descent: {b:0.2f},{w} "
    assert line == \
        "b,w found by gradient descent: -0.00,[ 0.2   0.   -0.01 -0.07] "
    assert [f"{c1_w2_multi.predict(X_train[i], w, b):0.2f}" for i in range(3)] == ["426.19", "286.17", "171.47"]
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Iteration    0: Cost  2529.46   " and out[-1] == "Iteration  900: Cost   687.69   "
    assert len(J_hist) == 1000


def test_c1_w2_house_data_and_zscore(course_data):
    X, y = c1_w2_multi.load_house_data(course_data / "c1w2-optional-labs" / "houses.txt")
    assert X.shape == (99, 4) and y.shape == (99,)
    X_norm, mu, sigma = c1_w2_multi.zscore_normalize_features(X)
    np.testing.assert_allclose(mu, X.mean(axis=0))
    np.testing.assert_allclose(sigma, X.std(axis=0))
    np.testing.assert_allclose(X_norm, (X - X.mean(axis=0)) / X.std(axis=0))


def test_c1_w3_practice_lab(course_data, capsys):
    X_train, y_train = c1_w3.load_data(course_data / "c1w3-logistic-regression" / "ex2data1.txt")
    assert c1_w3.sigmoid(0) == 0.5
    m, n = X_train.shape
    assert f"{c1_w3.compute_cost(X_train, y_train, np.zeros(n), 0.):.3f}" == "0.693"
    assert f"{c1_w3.compute_cost(X_train, y_train, np.array([0.2, 0.2]), -24.):.3f}" == "0.218"
    dj_db, dj_dw = c1_w3.compute_gradient(X_train, y_train, np.zeros(n), 0.)
    assert dj_db == pytest.approx(-0.1) and dj_dw.tolist() == pytest.approx([-12.00921658929115,
                                                                             -11.262842205513591])
    dj_db, dj_dw = c1_w3.compute_gradient(X_train, y_train, np.array([0.2, -0.5]), -24)
    assert dj_db == pytest.approx(-0.5999999999991071, rel=1e-9)
    assert dj_dw.tolist() == pytest.approx([-44.831353617873795, -44.37384124953978], rel=1e-9)
    np.random.seed(1)
    initial_w = 0.01 * (np.random.rand(2) - 0.5)
    w, b, J_history, _ = c1_w3.gradient_descent(X_train, y_train, initial_w, -8, c1_w3.compute_cost,
                                                c1_w3.compute_gradient, 0.001, 10000, 0)
    p = c1_w3.predict(X_train, w, b)
    assert f"Train Accuracy: {np.mean(p == y_train) * 100:f}" == "Train Accuracy: 92.000000"
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Iteration    0: Cost     0.96   " and out[-1] == "Iteration 9999: Cost     0.30   "
    assert len(out) == 11


def test_c1_w3_regularised_practice_lab(course_data, capsys):
    X_train, y_train = c1_w3.load_data(course_data / "c1w3-logistic-regression" / "ex2data2.txt")
    X_mapped = c1_w3.map_feature(X_train[:, 0], X_train[:, 1])
    assert X_mapped.shape == (118, 27)
    np.random.seed(1)
    initial_w = np.random.rand(X_mapped.shape[1]) - 0.5
    assert c1_w3.compute_cost_reg(X_mapped, y_train, initial_w, 0.5, 0.5) == pytest.approx(0.6618252552483948,
                                                                                            rel=1e-12)
    dj_db, dj_dw = c1_w3.compute_gradient_reg(X_mapped, y_train, initial_w, 0.5, 0.5)
    assert dj_db == pytest.approx(0.07138288792343662, rel=1e-9)
    assert dj_dw[:4].tolist() == pytest.approx([-0.010386028450548701, 0.011409852883280124,
                                                0.0536273463274574, 0.003140278267313462], rel=1e-9)
    np.random.seed(1)
    initial_w = np.random.rand(X_mapped.shape[1]) - 0.5
    w, b, J_history, _ = c1_w3.gradient_descent(X_mapped, y_train, initial_w, 1., c1_w3.compute_cost_reg,
                                                c1_w3.compute_gradient_reg, 0.01, 10000, 0.01)
    p = c1_w3.predict(X_mapped, w, b)
    assert f"Train Accuracy: {np.mean(p == y_train) * 100:f}" == "Train Accuracy: 82.203390"
    assert capsys.readouterr().out.splitlines()[-1] == "Iteration 9999: Cost     0.45   "


def test_c1_w3_fused_equals_learner_loop_with_lambda(course_data):
    X, y = c1_w3.load_data(course_data / "c1w3-logistic-regression" / "ex2data2.txt")
    Xm = c1_w3.map_feature(X[:, 0], X[:, 1])
    w0 = np.linspace(-0.5, 0.5, 27)

    def cost(X, y, w, b, lambda_):
        f = 1 / (1 + np.exp(-(X @ w + b)))
        return float(np.mean(-y * np.log(f) - (1 - y) * np.log(1 - f)) + lambda_ / (2 * len(y)) * np.sum(w * w))

    def grad(X, y, w, b, lambda_):
        e = 1 / (1 + np.exp(-(X @ w + b))) - y
        return float(np.mean(e)), X.T @ e / len(y) + lambda_ / len(y) * w

    ref = c1_w3.gradient_descent(Xm, y, w0, 0.3, cost, grad, 0.05, 300, 0.7)
    got = c1_w3.gradient_descent(Xm, y, w0, 0.3, c1_w3.compute_cost_reg, c1_w3.compute_gradient_reg, 0.05, 300,
                                 0.7)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-12)
    assert got[1] == pytest.approx(ref[1], rel=1e-12)
    np.testing.assert_allclose(got[2], ref[2], rtol=1e-12)
    assert len(got[3]) == len(ref[3]) == 11
    for a, b in zip(got[3], ref[3]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_c1_w3_optional_labs():
    X_train = np.array([[0.5, 1.5], [1, 1], [1.5, 0.5], [3, 0.5], [2, 2], [1, 2.5]])
    y_train = np.array([0, 0, 0, 1, 1, 1])
    assert c1_w3.compute_cost_logistic(X_train, y_train, np.array([1, 1]), -3) == pytest.approx(0.36686678640551745)
    dj_db, dj_dw = c1_w3.compute_gradient_logistic(X_train, y_train, np.array([2., 3.]), 1.)
    assert dj_db == pytest.approx(0.49861806546328574) and dj_dw.tolist() == pytest.approx(
        [0.498333393278696, 0.49883942983996693])
    w, b, _ = c1_w3.gradient_descent(X_train, y_train, np.zeros(2), 0., 0.1, 10000)
    assert f"w:{w}, b:{b}".startswith("w:[5.28123029 5.07815608], b:-14.2224099820")
    np.random.seed(1)
    X_tmp = np.random.rand(5, 6)
    y_tmp = np.array([0, 1, 0, 1, 0])
    w_tmp = np.random.rand(X_tmp.shape[1]).reshape(-1,) - 0.5
    assert c1_w3.compute_cost_linear_reg(X_tmp, y_tmp, w_tmp, 0.5, 0.7) == pytest.approx(0.07917239320214275)
    np.random.seed(1)
    X_tmp = np.random.rand(5, 6)
    w_tmp = np.random.rand(X_tmp.shape[1]).reshape(-1,) - 0.5
    assert c1_w3.compute_cost_logistic_reg(X_tmp, y_tmp, w_tmp, 0.5, 0.7) == pytest.approx(0.6850849138741673)


def test_labs_reject_bad_input():
    with pytest.raises(TypeError, match="cost_function"):
        c1_w2.gradient_descent([1.0, 2.0], [1.0, 2.0], 0., 0., "cost", c1_w2.compute_gradient, 0.1, 5)
    with pytest.raises(TypeError, match="gradient_descent"):
        c1_w3.gradient_descent(np.ones((2, 2)), [0, 1], np.zeros(2), 0.)
    with pytest.raises(ValueError, match="targets in"):
        c1_w3.compute_cost(np.ones((2, 2)), [0, 2], np.zeros(2), 0.)
    with pytest.raises(ValueError, match="NaN|finite"):
        c1_w2.compute_cost([1.0, math.nan], [1.0, 2.0], 0., 0.)
