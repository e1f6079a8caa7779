"""Course functions vs NumPy references written here, course lab values, threads, dtypes."""
import numpy as np
import pytest

from pyml.linear_model import compute_cost, compute_gradient, gradient_descent, predict, sigmoid


def ref_cost_grad(X, y, w, b, lam, model):
    X, y, w = (np.asarray(a, dtype=np.float64) for a in (X, y, w))
    X = X.reshape(len(y), -1)
    w = w.reshape(-1)
    m = len(y)
    z = X @ w + b
    if model == "linear":
        f = z
        cost = np.sum((f - y) ** 2) / (2 * m)
    else:
        f = 1 / (1 + np.exp(-z))
        # -y log f - (1-y) log(1-f) written as log(1 + e^z) - y z: equal, but exact for large |z|
        cost = np.mean(np.logaddexp(0, z) - y * z)
    cost += lam / (2 * m) * np.sum(w ** 2)
    err = f - y
    return cost, X.T @ err / m + lam / m * w, err.mean()


def make_problem(rng, n, d, model, dtype):
    X = rng.standard_normal((n, d)).astype(dtype)
    w = rng.standard_normal(d).astype(dtype) * 0.5
    if model == "linear":
        y = (X @ w + 0.3 + 0.1 * rng.standard_normal(n)).astype(dtype)
    else:
        y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w)))).astype(dtype)
    return X, y, rng.standard_normal(d).astype(dtype) * 0.3, 0.7


@pytest.mark.parametrize("model", ["linear", "logistic"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("lam", [0.0, 0.7])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_cost_and_gradient_match_numpy(rng, model, dtype, lam, n_jobs):
    X, y, w, b = make_problem(rng, 5003, 7, model, dtype)  # odd size: partial blocks and 4-row tails
    cost = compute_cost(X, y, w, b, reg_lambda=lam, model=model, n_jobs=n_jobs)
    dw, db = compute_gradient(X, y, w, b, reg_lambda=lam, model=model, n_jobs=n_jobs)
    rc, rdw, rdb = ref_cost_grad(X, y, w, b, lam, model)
    rtol = 1e-11 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(cost, rc, rtol=rtol)
    np.testing.assert_allclose(dw, rdw, rtol=rtol * 10, atol=rtol)
    np.testing.assert_allclose(db, rdb, rtol=rtol * 10, atol=rtol)
    assert dw.dtype == dtype


@pytest.mark.parametrize("model", ["linear", "logistic"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_results_identical_for_any_thread_count(rng, model, dtype):
    """Fixed row blocks combined in order: bitwise equal for 1 and 2 threads."""
    X, y, w, b = make_problem(rng, 40_000, 16, model, dtype)
    r1 = gradient_descent(X, y, w, b, 0.1, 15, model=model, n_jobs=1)
    r2 = gradient_descent(X, y, w, b, 0.1, 15, model=model, n_jobs=2)
    np.testing.assert_array_equal(r1.w, r2.w)
    assert r1.b == r2.b
    np.testing.assert_array_equal(r1.J_history, r2.J_history)


def test_one_feature_1d_x_scalar_w_course_values():
    """C1 W2 lab: x = [1, 2], y = [300, 500]."""
    x = np.array([1.0, 2.0])
    y = np.array([300.0, 500.0])
    assert compute_cost(x, y, 200, 100) == 0.0
    dw, db = compute_gradient(x, y, 0, 0)
    assert (dw, db) == (-650.0, -400.0)
    assert isinstance(dw, float)
    res = gradient_descent(x, y, 0, 0, 1.0e-2, 10000)
    w, b, J, p = res
    assert w == pytest.approx(199.9929, abs=1e-4) and b == pytest.approx(100.0116, abs=1e-4)
    assert len(J) == 10000 and J[-1] < 1e-4
    assert p.shape == (1000, 2)
    np.testing.assert_array_equal(res.p_iterations[:3], [0, 10, 20])


def test_gradient_descent_matches_numpy_loop(rng):
    X, y, w0, b0 = make_problem(rng, 3001, 5, "linear", np.float64)
    res = gradient_descent(X, y, w0, b0, 0.05, 40, reg_lambda=0.3)
    w, b = w0.copy(), b0
    costs = []
    for _ in range(40):
        _, dw, db = ref_cost_grad(X, y, w, b, 0.3, "linear")
        w, b = w - 0.05 * dw, b - 0.05 * db  # simultaneous update
        costs.append(ref_cost_grad(X, y, w, b, 0.3, "linear")[0])
    np.testing.assert_allclose(res.w, w, rtol=1e-10)
    np.testing.assert_allclose(res.b, b, rtol=1e-10)
    np.testing.assert_allclose(res.J_history, costs, rtol=1e-10)
    np.testing.assert_allclose(res.p_history[0], np.append(res.p_history[0][:-1], res.p_history[0][-1]))


def test_gradient_descent_course_house_data(course_data):
    """C1 W2 optional lab 'feature scaling': 99 houses, z-scored, α = 0.1, 1000 iterations."""
    from pyml.preprocessing import zscore_normalize_features

    data = np.loadtxt(course_data / "c1w2-optional-labs" / "houses.txt", delimiter=",", skiprows=1)
    X, y = data[:, :4], data[:, 4]
    Xn, mu, sigma = zscore_normalize_features(X)
    res = gradient_descent(Xn, y, np.zeros(4), 0.0, 1.0e-1, 1000)
    # the lab prints w ≈ [110.56, -21.27, -32.71, -37.97], b ≈ 363.16
    np.testing.assert_allclose(res.w, [110.56, -21.27, -32.71, -37.97], atol=0.02)
    assert res.b == pytest.approx(363.16, abs=0.01)


def test_logistic_course_values():
    """C1 W3 lab: compute_cost on the 6-example data."""
    X = np.array([[0.5, 1.5], [1, 1], [1.5, 0.5], [3, 0.5], [2, 2], [1, 2.5]])
    y = np.array([0, 0, 0, 1, 1, 1.0])
    assert compute_cost(X, y, np.array([1.0, 1.0]), -3, model="logistic") == pytest.approx(0.36686678640551745)
    assert compute_cost(X, y, np.array([1.0, 1.0]), -4, model="logistic") == pytest.approx(0.5036808636748461)
    dw, db = compute_gradient(X, y, np.array([2.0, 3.0]), 1.0, model="logistic")
    np.testing.assert_allclose(dw, [0.498333393278696, 0.49883942983996693])
    assert db == pytest.approx(0.49861806546328574)
    res = gradient_descent(X, y, np.zeros(2), 0.0, 0.1, 10000, model="logistic")
    np.testing.assert_allclose(res.w, [5.28123029, 5.07815608], rtol=1e-6)
    assert res.b == pytest.approx(-14.222409982019837, rel=1e-6)


def test_regularized_course_values():
    """C1 W3 regularisation lab: cost with λ = 0.7 on seeded random data."""
    np.random.seed(1)
    X = np.random.rand(5, 6)
    y = np.array([0, 1, 0, 1, 0.0])
    w = np.random.rand(X.shape[1]).reshape(-1,) - 0.5
    assert compute_cost(X, y, w, 0.5, reg_lambda=0.7, model="linear") == pytest.approx(0.07917239320214275)
    np.random.seed(1)
    X = np.random.rand(5, 6)
    y = np.array([0, 1, 0, 1, 0.0])
    w = np.random.rand(X.shape[1]).reshape(-1,) - 0.5
    assert compute_cost(X, y, w, 0.5, reg_lambda=0.7, model="logistic") == pytest.approx(0.6850849138741673)


def test_sigmoid_values_shapes_and_extremes():
    assert sigmoid(0) == 0.5
    z = np.array([[-1000.0, -1.0], [1.0, 1000.0]])
    g = sigmoid(z)
    assert g.shape == (2, 2)
    np.testing.assert_allclose(g, [[0.0, 1 / (1 + np.e)], [1 / (1 + np.exp(-1)), 1.0]], rtol=1e-15)
    assert sigmoid(np.float32([3.0])).dtype == np.float32
    with np.errstate(over="raise"):
        sigmoid(np.array([-800.0, 800.0]))  # no overflow warning


def test_predict_linear_and_logistic(rng):
    X = rng.standard_normal((50, 3))
    w, b = np.array([1.0, -2.0, 0.5]), 0.25
    np.testing.assert_allclose(predict(X, w, b), X @ w + b, rtol=1e-12)
    np.testing.assert_array_equal(predict(X, w, b, model="logistic"), (X @ w + b >= 0).astype(int))


def test_logistic_cost_is_finite_for_confident_mistakes():
    X = np.array([[100.0], [-100.0]])
    y = np.array([0.0, 1.0])
    cost = compute_cost(X, y, np.array([10.0]), 0.0, model="logistic")
    assert np.isfinite(cost) and cost == pytest.approx(1000.0)


def test_diverging_learning_rate_warns(rng):
    X = rng.standard_normal((100, 2)) * 100
    y = rng.standard_normal(100)
    with pytest.warns(RuntimeWarning, match="too large"):
        res = gradient_descent(X, y, np.zeros(2), 0.0, 10.0, 1000)
    assert len(res.J_history) < 1000


def test_callbacks_and_early_stop(rng):
    from pyml.utils import Callback, History

    X, y, w, b = make_problem(rng, 500, 3, "linear", np.float64)

    class StopAt(Callback):
        def on_iteration_end(self, estimator, iteration, logs=None):
            return iteration == 4

    hist = History()
    res = gradient_descent(X, y, w, b, 0.1, 100, callbacks=[hist, StopAt()])
    assert len(res.J_history) == 5
    np.testing.assert_allclose(hist.history["loss"], res.J_history)


def test_callback_exception_propagates(rng):
    from pyml.utils import Callback

    X, y, w, b = make_problem(rng, 200, 3, "linear", np.float64)

    class Boom(Callback):
        def on_iteration_end(self, estimator, iteration, logs=None):
            raise KeyboardInterrupt  # what Ctrl-C looks like from the hook

    with pytest.raises(KeyboardInterrupt):
        gradient_descent(X, y, w, b, 0.1, 100, callbacks=[Boom()])


def test_verbose_prints_progress(rng, capsys):
    X, y, w, b = make_problem(rng, 200, 3, "linear", np.float64)
    gradient_descent(X, y, w, b, 0.1, 20, verbose=1)
    err = capsys.readouterr().err
    assert "iteration 20/20" in err and "loss=" in err


BAD = [
    (lambda X, y, w: (X.tolist() + [[np.nan, 1.0, 2.0]], np.append(y, 1), w), ValueError, "NaN"),
    (lambda X, y, w: (np.where(X > 1, np.inf, X), y, w), ValueError, "infinity"),
    (lambda X, y, w: (X, y[:-1], w), ValueError, "samples"),
    (lambda X, y, w: (X, y, w[:-1]), ValueError, "shape"),
    (lambda X, y, w: (X[:0], y[:0], w), ValueError, "0 sample"),
    (lambda X, y, w: (X.astype(str).astype(object) + "x", y, w), ValueError, "non-numeric"),
    (lambda X, y, w: (X + 1j, y, w), ValueError, "Complex"),
    (lambda X, y, w: (X[None], y, w), ValueError, "1-D .* or 2-D"),
]


@pytest.mark.parametrize("case", range(len(BAD)))
@pytest.mark.parametrize("fn", ["cost", "grad", "gd"])
def test_bad_inputs_raise_clear_errors(rng, case, fn):
    X = rng.standard_normal((20, 3))
    y = rng.standard_normal(20)
    w = np.zeros(3)
    make, exc, match = BAD[case]
    Xb, yb, wb = make(X, y, w)
    call = {"cost": lambda: compute_cost(Xb, yb, wb, 0.0),
            "grad": lambda: compute_gradient(Xb, yb, wb, 0.0),
            "gd": lambda: gradient_descent(Xb, yb, wb, 0.0, 0.1, 3)}[fn]
    with pytest.raises(exc, match=match):
        call()


def test_bad_parameters(rng):
    X = rng.standard_normal((20, 3))
    y = rng.standard_normal(20)
    with pytest.raises(ValueError, match="model must be"):
        compute_cost(X, y, np.zeros(3), 0, model="ridge")
    with pytest.raises(ValueError, match="reg_lambda"):
        compute_cost(X, y, np.zeros(3), 0, reg_lambda=-1)
    with pytest.raises(ValueError, match="alpha"):
        gradient_descent(X, y, np.zeros(3), 0, 0.0, 10)
    with pytest.raises(ValueError, match="num_iters"):
        gradient_descent(X, y, np.zeros(3), 0, 0.1, -1)
    with pytest.raises(ValueError, match="targets in"):
        compute_cost(X, y, np.zeros(3), 0, model="logistic")
    with pytest.raises(TypeError, match="b must be"):
        compute_cost(X, y, np.zeros(3), "b")
    with pytest.raises(ValueError, match="sigmoid: z contains NaN"):
        sigmoid([np.nan])


def test_non_contiguous_and_read_only_inputs_work(rng):
    X = rng.standard_normal((100, 6))[:, ::2]
    y = rng.standard_normal(100)
    X.flags.writeable = False
    y.flags.writeable = False
    c = compute_cost(X, y, np.ones(3), 0.0)
    assert c == pytest.approx(ref_cost_grad(X, y, np.ones(3), 0.0, 0.0, "linear")[0])


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), d=st.integers(1, 40), seed=st.integers(0, 2**31 - 1),
       model=st.sampled_from(["linear", "logistic"]), lam=st.floats(0, 5))
def test_property_any_shape_matches_numpy(n, d, seed, model, lam):
    """Any (n, d), including n < 4 and d not a multiple of the vector width."""
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, d)) * 3
    y = r.standard_normal(n) if model == "linear" else r.integers(0, 2, n).astype(float)
    w = r.standard_normal(d)
    b = float(r.standard_normal())
    cost = compute_cost(X, y, w, b, reg_lambda=lam, model=model)
    dw, db = compute_gradient(X, y, w, b, reg_lambda=lam, model=model)
    rc, rdw, rdb = ref_cost_grad(X, y, w, b, lam, model)
    np.testing.assert_allclose(cost, rc, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dw, rdw, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(db, rdb, rtol=1e-9, atol=1e-11)


def test_ctrl_c_interrupts_compiled_loop(rng):
    """A real SIGINT during gradient descent (all iterations in C) raises KeyboardInterrupt promptly."""
    import os
    import signal
    import threading
    import time

    if not hasattr(signal, "pthread_kill"):
        pytest.skip("needs POSIX signals")
    X, y, w, b = make_problem(rng, 2000, 8, "linear", np.float64)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    t0 = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            gradient_descent(X, y, w, b, 1e-6, 10_000_000)  # would take minutes
    finally:
        timer.cancel()
    assert time.perf_counter() - t0 < 5.0


def test_gradient_descent_with_a_learners_own_functions():
    """Callables other than pyml's own run the labs' loop in Python: same numbers as the C loop."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.25
    calls = []

    def cost(X, y, w, b):
        calls.append("c")
        return float(np.sum((X @ w + b - y) ** 2) / (2 * len(y)))

    def grad(X, y, w, b):
        calls.append("g")
        e = X @ w + b - y
        return X.T @ e / len(y), float(e.mean())

    fused = gradient_descent(X, y, np.zeros(3), 0.0, 0.1, 120, max_records=30)
    own = gradient_descent(X, y, np.zeros(3), 0.0, 0.1, 120, cost, grad, max_records=30)
    assert calls == ["g", "c"] * 120
    np.testing.assert_allclose(own.w, fused.w, rtol=1e-13)
    assert own.b == pytest.approx(fused.b, rel=1e-13)
    np.testing.assert_allclose(own.J_history, fused.J_history, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(own.p_history, fused.p_history, rtol=1e-12)
    np.testing.assert_array_equal(own.p_iterations, fused.p_iterations)
    same = gradient_descent(X, y, np.zeros(3), 0.0, 0.1, 120, compute_cost, compute_gradient, max_records=30)
    np.testing.assert_array_equal(same.w, fused.w)  # pyml's own functions take the C path
    with pytest.raises(TypeError, match="cost_function must be a callable"):
        gradient_descent(X, y, np.zeros(3), 0.0, 0.1, 5, "cost", grad)


def test_own_gradient_with_pyml_cost_and_early_stop():
    X = np.array([1.0, 2.0, 3.0])
    y = 2 * X + 1

    def grad(X, y, w, b):
        e = w * X + b - y
        return float(np.mean(e * X)), float(np.mean(e))

    res = gradient_descent(X, y, 0.0, 0.0, 0.1, 5000, None, grad, tol=1e-12)
    ref = gradient_descent(X, y, 0.0, 0.0, 0.1, 5000, tol=1e-12)
    assert isinstance(res.w, float) and res.w == pytest.approx(ref.w, rel=1e-9)
    assert len(res.J_history) == len(ref.J_history) < 5000


def test_binary_targets_with_the_default_linear_model_warn():
    X = np.array([[0.5, 1.5], [1, 1], [1.5, 0.5], [3, 0.5], [2, 2], [1, 2.5]])
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.warns(UserWarning, match="model='logistic'"):
        compute_cost(X, y, np.zeros(2), 0.0)
    with pytest.warns(UserWarning, match="model='logistic'"):
        compute_gradient(X, y, np.zeros(2), 0.0)
    with pytest.warns(UserWarning, match="model='logistic'"):
        gradient_descent(X, y, np.zeros(2), 0.0, 0.1, 3)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compute_cost(X, y, np.zeros(2), 0.0, model="linear") == pytest.approx(0.25)
        compute_cost(X, y * 3.0, np.zeros(2), 0.0)  # not 0/1 labels: no warning
