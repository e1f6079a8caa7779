"""The Course 1 functions' parameters w / w_in / b / threshold: bad values are errors naming the parameter
(never NumPy's "could not convert", never a silently dropped imaginary part), valid ones give the numbers."""
import numpy as np
import pytest

from pyml.linear_model import compute_cost, compute_gradient, gradient_descent, predict


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + 0.25


CALLS = {
    "compute_cost": (lambda X, y, w: compute_cost(X, y, w, 0.0, model="linear"), "w"),
    "compute_gradient": (lambda X, y, w: compute_gradient(X, y, w, 0.0, model="linear"), "w"),
    "predict": (lambda X, y, w: predict(X, w, 0.0), "w"),
    "gradient_descent": (lambda X, y, w: gradient_descent(X, y, w, 0.0, 0.1, 3, model="linear"), "w_in"),
}


@pytest.mark.parametrize("fn", sorted(CALLS))
def test_string_w_is_a_type_error_naming_w(data, fn):
    call, name = CALLS[fn]
    with pytest.raises(TypeError, match=rf"^{fn}: {name} must be real numbers"):
        call(*data, np.full(3, "a"))
    with pytest.raises(TypeError, match=rf"^{fn}: {name} must be real numbers .*string 'abc'"):
        call(*data, "abc")


@pytest.mark.parametrize("fn", sorted(CALLS))
def test_complex_w_is_refused_not_truncated(data, fn):
    call, name = CALLS[fn]
    with pytest.raises(ValueError, match=rf"^{fn}: {name} has complex values.*{name}\.real"):
        call(*data, np.array([1.0, 2.0, 3.0]) + 1j)
    # even a zero imaginary part: the dtype says complex, the caller must say .real
    with pytest.raises(ValueError, match="complex"):
        call(*data, np.zeros(3, dtype=complex))


def test_ragged_w_is_named(data):
    with pytest.raises(ValueError, match="compute_cost: w must be a flat sequence"):
        compute_cost(*data, [1.0, [2.0, 3.0]], 0.0, model="linear")


def test_complex_b_is_refused(data):
    X, y = data
    with pytest.raises(TypeError, match="compute_cost: b must be a real number, got the complex"):
        compute_cost(X, y, np.zeros(3), np.complex128(0.5 + 1j), model="linear")
    with pytest.raises(TypeError, match="gradient_descent: b_in must be a real number"):
        gradient_descent(X, y, np.zeros(3), 1j, 0.1, 3, model="linear")


def test_w_as_list_int_or_object_numbers_equals_the_float_answer(data):
    X, y = data
    expected = np.mean((X @ np.array([1.0, 2.0, 3.0]) + 0.5 - y) ** 2) / 2
    for w in ([1, 2, 3], np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0], dtype=object), ["1", "2", "3"]):
        assert compute_cost(X, y, w, 0.5, model="linear") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("bad, exc", [(float("nan"), ValueError), (float("inf"), ValueError), (1.5, ValueError),
                                      (-0.1, ValueError), ("abc", TypeError), (None, TypeError)])
@pytest.mark.parametrize("model", ["logistic", "linear"])
def test_predict_threshold_must_be_a_probability(data, bad, exc, model):
    X, _ = data
    with pytest.raises(exc, match="predict: threshold"):
        predict(X, np.ones(3), 0.0, model=model, threshold=bad)


def test_predict_threshold_cuts_the_probabilities(data):
    X, _ = data
    w, b = np.array([0.3, -0.2, 0.1]), 0.05
    p = 1 / (1 + np.exp(-(X @ w + b)))
    for t in (0.0, 0.3, 0.5, 0.7, 1.0, np.float32(0.4), 1):
        np.testing.assert_array_equal(predict(X, w, b, model="logistic", threshold=t), (p >= float(t)).astype(int))
