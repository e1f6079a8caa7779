"""Bad input of the Keras-style API and the course's functions: each gives a clear ValueError / TypeError
naming the parameter (the known defects of tests/reliability/test_bad_input_matrix.py, fixed), while the
valid neighbours of each bad value keep computing the right numbers."""
import numpy as np
import pytest

from pyml.neural_network import (SGD, Adam, BinaryCrossentropy, CategoricalCrossentropy, Concatenate, Dense,
                                 Input, Model, Sequential, SparseCategoricalCrossentropy, dense, l2_normalize,
                                 sequential, to_categorical)
from pyml.neural_network import NotCompiledError
from pyml.neural_network._losses import get_loss

RNG = np.random.default_rng(0)
X = RNG.normal(size=(6, 3))
W1, b1 = RNG.normal(size=(3, 4)), RNG.normal(size=4)
W2, b2 = RNG.normal(size=(4, 1)), RNG.normal(size=1)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---- dense / sequential: the bias's shape ----------------------------------------------------------------

def test_dense_bias_as_vector_or_row_gives_the_numpy_answer():
    expected = _sigmoid(X @ W1 + b1)
    np.testing.assert_allclose(dense(X, W1, b1), expected, rtol=1e-12)
    np.testing.assert_allclose(dense(X, W1, b1[None, :]), expected, rtol=1e-12)


@pytest.mark.parametrize("shape", [(4, 1, 1), (1, 1, 4), (4, 1), (2, 2)])
def test_dense_rejects_a_bias_of_another_shape(shape):
    with pytest.raises(ValueError, match=r"dense: b must have shape \(units,\) or \(1, units\)"):
        dense(X, W1, b1.reshape(shape))


def test_sequential_names_the_bias_of_the_layer():
    expected = _sigmoid(_sigmoid(X @ W1 + b1) @ W2 + b2)
    np.testing.assert_allclose(sequential(X, W1, b1, W2, b2), expected, rtol=1e-12)
    with pytest.raises(ValueError, match=r"sequential: b1 must have shape"):
        sequential(X, W1, b1[..., None, None], W2, b2)
    with pytest.raises(ValueError, match=r"sequential: b2 must have shape"):
        sequential(X, W1, b1, W2, b2[..., None, None])
    with pytest.raises(ValueError, match=r"W2"):
        sequential(X, W1, b1, W1, b1)


# ---- l2_normalize --------------------------------------------------------------------------------------

def test_l2_normalize_equals_the_formula():
    ref = X / np.sqrt(np.sum(X * X, axis=1, keepdims=True))
    np.testing.assert_allclose(l2_normalize(X), ref, rtol=1e-12)
    ref0 = X / np.sqrt(np.sum(X * X, axis=0, keepdims=True))
    np.testing.assert_allclose(l2_normalize(X, axis=0), ref0, rtol=1e-12)
    np.testing.assert_allclose(l2_normalize(X, axis=-2), ref0, rtol=1e-12)
    np.testing.assert_allclose(l2_normalize(X, axis=(0, 1)), X / np.sqrt(np.sum(X * X)), rtol=1e-12)
    assert l2_normalize(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_array_equal(l2_normalize(np.zeros((2, 3))), np.zeros((2, 3)))


@pytest.mark.parametrize("value, word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_l2_normalize_rejects_non_finite_x(value, word):
    bad = X.copy()
    bad[1, 2] = value
    with pytest.raises(ValueError, match=rf"l2_normalize: x contains {word}"):
        l2_normalize(bad)


@pytest.mark.parametrize("axis, exc", [("a", TypeError), (1.0, TypeError), (True, TypeError), (2, ValueError),
                                       (-3, ValueError), ((0, "a"), TypeError)])
def test_l2_normalize_checks_axis(axis, exc):
    with pytest.raises(exc, match="l2_normalize: axis"):
        l2_normalize(X, axis=axis)


# ---- to_categorical ------------------------------------------------------------------------------------

def test_to_categorical_dtypes():
    y = np.array([0, 2, 1])
    out = to_categorical(y, dtype="int64")
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, np.eye(3, dtype=np.int64)[y])
    assert to_categorical(y).dtype == np.float32
    with pytest.raises(TypeError, match="to_categorical: dtype 'abc' is not a NumPy dtype"):
        to_categorical(y, dtype="abc")
    with pytest.raises(TypeError, match="to_categorical: dtype must be a numeric dtype"):
        to_categorical(y, dtype="U3")


def test_to_categorical_num_classes_too_large_for_memory():
    with pytest.raises(ValueError, match=r"to_categorical: num_classes=4611686018427387904 .* memory"):
        to_categorical(np.array([0, 2, 1]), num_classes=2**62)
    assert to_categorical(np.array([0, 2, 1]), num_classes=5).shape == (3, 5)


# ---- compile before fit ---------------------------------------------------------------------------------

def test_fit_before_compile_is_a_runtime_error_and_a_value_error():
    assert issubclass(NotCompiledError, RuntimeError) and issubclass(NotCompiledError, ValueError)
    m = Sequential([Dense(1)])
    for call in (lambda: m.fit(X, X[:, 0], verbose=0), lambda: m.evaluate(X, X[:, 0]),
                 lambda: m.train_on_batch(X, X[:, 0])):
        with pytest.raises(RuntimeError, match="compile"):
            call()
        with pytest.raises(ValueError, match=r"call model\.compile"):
            call()
    a = Input(shape=(3,))
    model = Model(a, Dense(1)(a))
    with pytest.raises(NotCompiledError, match="compile"):
        model.fit(X, X[:, 0], verbose=0)


# ---- losses ---------------------------------------------------------------------------------------------

def _bce_model():
    m = Sequential([Dense(2, activation="relu", input_shape=(3,)), Dense(1, activation="sigmoid")], random_state=0,
                   dtype="float64")
    return m.compile(loss=BinaryCrossentropy(), optimizer="adam")


@pytest.mark.parametrize("bad", [2.0, -0.5])
def test_binary_crossentropy_rejects_targets_outside_0_1(bad):
    y = np.zeros((6, 1))
    y[3] = bad
    with pytest.raises(ValueError, match=r"y must hold binary labels or probabilities in \[0, 1\]"):
        _bce_model().fit(X, y, verbose=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        BinaryCrossentropy()(y, np.full((6, 1), 0.5))


def test_binary_crossentropy_soft_labels_give_the_formula():
    y, p = np.array([[0.25], [1.0], [0.0]]), np.array([[0.5], [0.8], [0.1]])
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert BinaryCrossentropy()(y, p) == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(_bce_model().fit(X, np.linspace(0, 1, 6), epochs=2, verbose=0).history["loss"]).all()


def test_binary_crossentropy_probabilities_must_lie_in_0_1():
    with pytest.raises(ValueError, match=r"BinaryCrossentropy: y_pred must hold probabilities in \[0, 1\].*"
                                         "from_logits=True"):
        BinaryCrossentropy()([[1.0]], [[1.5]])
    with pytest.raises(ValueError, match="y_pred"):
        BinaryCrossentropy()([[1.0]], [[-0.1]])
    # logits may be anything: softplus(z) - y z
    z = 1.5
    assert BinaryCrossentropy(from_logits=True)([[1.0]], [[z]]) == pytest.approx(np.log1p(np.exp(z)) - z,
                                                                                 rel=1e-12)


def test_categorical_crossentropy_rejects_negative_probabilities():
    y = np.eye(3)[[0, 1]]
    with pytest.raises(ValueError, match=r"CategoricalCrossentropy: y_pred must hold probabilities"):
        CategoricalCrossentropy()(y, [[1.2, -0.1, -0.1], [0.2, 0.5, 0.3]])
    with pytest.raises(ValueError, match="y_pred"):
        SparseCategoricalCrossentropy()([0, 1], [[1.2, -0.1, -0.1], [0.2, 0.5, 0.3]])
    p = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3]])
    assert CategoricalCrossentropy()(y, p) == pytest.approx(-np.mean(np.log([0.7, 0.5])), rel=1e-12)


@pytest.mark.parametrize("bad", ["abc", "True", None, 2, 0.5])
def test_from_logits_must_be_a_bool(bad):
    for cls in (BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy):
        with pytest.raises(TypeError, match=f"{cls.__name__}: from_logits must be True"):
            cls(from_logits=bad)
    with pytest.raises(TypeError, match="from_logits"):
        get_loss("binary_crossentropy", from_logits="abc")


def test_from_logits_accepts_bools_and_0_1():
    assert BinaryCrossentropy(from_logits=np.bool_(True)).from_logits is True
    assert BinaryCrossentropy(from_logits=1).from_logits is True
    assert BinaryCrossentropy(from_logits=0).from_logits is False
    assert get_loss("binary_crossentropy").from_logits is False


# ---- layers and optimisers ------------------------------------------------------------------------------

def test_dense_units_too_large_for_memory():
    with pytest.raises(ValueError, match=r"Dense: units=4611686018427387904 .* memory; use fewer units"):
        Dense(2**62)
    assert Dense(3).units == 3


def test_dense_build_checks_the_kernel_size_first():
    d = Dense(10**6, name="wide")
    with pytest.raises(ValueError, match=r"Dense 'wide': a kernel of 1000000 inputs x units=1000000"):
        d.build(10**6, np.random.default_rng(0), np.float64)
    assert not d.built


@pytest.mark.parametrize("value, exc", [(1.5, ValueError), (-0.1, ValueError), (float("nan"), ValueError),
                                        ("abc", TypeError), (True, TypeError)])
def test_sgd_momentum_in_0_1(value, exc):
    with pytest.raises(exc, match=r"SGD: momentum must .*\[0, 1\]"):
        SGD(momentum=value)


def test_sgd_momentum_bounds_accepted_as_keras():
    assert SGD(momentum=0.0).momentum == 0.0
    assert SGD(momentum=1.0).momentum == 1.0
    assert SGD(momentum=np.float32(0.5)).momentum == 0.5


@pytest.mark.parametrize("name", ["beta_1", "beta_2"])
@pytest.mark.parametrize("value, exc", [("abc", TypeError), (1.0, ValueError), (-0.1, ValueError),
                                        (float("nan"), ValueError), (None, TypeError)])
def test_adam_betas_in_0_1(name, value, exc):
    with pytest.raises(exc, match=rf"Adam: {name} must"):
        Adam(**{name: value})


def test_adam_betas_kept():
    opt = Adam(beta_1=0.0, beta_2=np.float64(0.5))
    assert (opt.beta_1, opt.beta_2) == (0.0, 0.5)


def test_concatenate_arrays():
    B = RNG.normal(size=(6, 2))
    np.testing.assert_array_equal(Concatenate()([X, B]), np.hstack([X, B]))
    with pytest.raises(ValueError, match=r"Concatenate: inputs of shapes \[\(6, 3\), \(5, 2\)\].*samples"):
        Concatenate()([X, B[:-1]])
    with pytest.raises(ValueError, match="2-D"):
        Concatenate()([X, B[:, 0]])
    with pytest.raises(TypeError, match="mix symbolic tensors and arrays"):
        Concatenate()([Input(shape=(3,)), B])
