"""The labs' wrappers: w / w_in and lambda_ checked with the labs' names, on the fused C path as well as in the
plain functions; valid values of any numeric type give the same numbers."""
import numpy as np
import pytest

from pyml.labs import c1_w2_multi, c1_w3


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((16, 2))
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)


def _descent(X, y, w_in, lambda_, b_in=0.0):
    return c1_w3.gradient_descent(X, y, w_in, b_in, c1_w3.compute_cost_reg, c1_w3.compute_gradient_reg, 0.1, 4,
                                  lambda_)


@pytest.mark.parametrize("lam, exc, words", [("abc", TypeError, "real number"), (True, TypeError, "real number"),
                                             ([0.5], TypeError, "real number"), (1j, TypeError, "real number"),
                                             (float("nan"), ValueError, "finite"), (-1.0, ValueError, ">= 0")])
def test_fused_descent_checks_lambda_by_its_lab_name(data, capsys, lam, exc, words):
    X, y = data
    with pytest.raises(exc, match=f"^gradient_descent: lambda_ must be .*{words}"):
        _descent(X, y, np.zeros(2), lam)
    assert capsys.readouterr().out == ""  # refused before the first iteration is printed


@pytest.mark.parametrize("fn", [c1_w3.compute_cost_reg, c1_w3.compute_gradient_reg, c1_w3.compute_cost_linear_reg,
                                c1_w3.compute_gradient_linear_reg])
def test_regularised_functions_give_the_same_lambda_message(data, fn):
    X, y = data
    with pytest.raises(TypeError, match=f"^{fn.__name__}: lambda_ must be a real number"):
        fn(X, y, np.zeros(2), 0.0, "abc")
    with pytest.raises(ValueError, match=f"^{fn.__name__}: lambda_ must be a finite number >= 0"):
        fn(X, y, np.zeros(2), 0.0, -0.5)


def test_lambda_of_any_real_type_gives_the_float_numbers(data, capsys):
    X, y = data
    w, b, J, _ = _descent(X, y, np.zeros(2), 0.5)
    for lam in (np.float64(0.5), np.float32(0.5), np.array(0.5)):
        w2, b2, J2, _ = _descent(X, y, np.zeros(2), lam)
        np.testing.assert_array_equal(w2, w)
        assert b2 == b and J2 == J
    w3, _, J3, _ = _descent(X, y, np.zeros(2), 1)
    assert J3 == _descent(X, y, np.zeros(2), 1.0)[2]


@pytest.mark.parametrize("call", [
    lambda X, y, w: _descent(X, y, w, 0.5),
    lambda X, y, w: c1_w2_multi.gradient_descent(X, y, w, 0.0, c1_w2_multi.compute_cost,
                                                 c1_w2_multi.compute_gradient, 0.1, 4)])
def test_fused_descent_checks_w_in_by_its_lab_name(data, capsys, call):
    X, y = data
    with pytest.raises(TypeError, match="^gradient_descent: w_in must be real numbers"):
        call(X, y, np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"^gradient_descent: w_in has complex values.*w_in\.real"):
        call(X, y, np.array([0.1, 0.2]) + 1j)
    with pytest.raises(TypeError, match="^gradient_descent: b_in must be a real number"):
        _descent(X, y, np.zeros(2), 0.5, b_in="abc")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("fn", [c1_w3.compute_cost, c1_w3.predict, c1_w2_multi.compute_cost,
                                c1_w2_multi.compute_gradient, c1_w2_multi.predict])
def test_plain_functions_check_w(data, fn):
    X, y = data
    args = (X, np.full(2, "a"), 0.0) if fn.__name__ == "predict" else (X, y, np.full(2, "a"), 0.0)
    with pytest.raises(TypeError, match=f"^{fn.__name__}: w must be real numbers"):
        fn(*args)
    args = (X, np.ones(2) + 1j, 0.0) if fn.__name__ == "predict" else (X, y, np.ones(2) + 1j, 0.0)
    with pytest.raises(ValueError, match=f"^{fn.__name__}: w has complex values"):
        fn(*args)
