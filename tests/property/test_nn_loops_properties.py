"""Properties of the NN training loop (one C call per epoch, csrc/nn_impl.inc pyml_mlp_train_epoch) against a
NumPy loop written here: k epochs of ``Sequential.fit`` (random small Dense stacks, every activation, the MSE,
binary and (sparse) categorical cross-entropies, fused and from logits, L2 terms, SGD with and without momentum
and Adam, float32 and float64, batch sizes that do and do not divide n, with and without shuffling) equal
minibatch backprop + the optimiser update; the reported epoch loss too. ``MLPRegressor``/``MLPClassifier``
train through the same C loop (``Sequential.fit``): one property checks their whole fit against the
same reference, their shuffles and initial weights reproduced from their documented seeding.

Tolerances. float64: every quantity is a short chain of dot products of O(1) numbers, so pyml and NumPy agree to
~1e-16 per step, and a few steps (Adam divides by sqrt(v)) amplify that to at most ~1e-15 (measured: 4e-16 over
1,000 random examples); rtol = atol = 1e-10 (atol relative to the weights' scale) is a wide margin and still fails
on any wrong formula (a wrong sign, a missing 1/B or 1/k, Keras' bias correction left out, a derivative off by
1% all move the weights by >= 1e-6). float32: one rounding is 6e-8; sums of up to ~40 terms and a few steps give
~1e-6 relative (measured: 1.4e-6), so rtol = atol = 2e-5. Adam in float32 uses epsilon 1e-3 in these examples:
with Keras' 1e-7 the first step g / (|g| + 1e-7) is ill-conditioned where |g| is at float32's noise level (a sum
that cancels to ~1e-7): the MLP estimators' float32 fits (epsilon fixed at 1e-7) differed from the float64
reference by up to 3e-4 there, which is rounding, not a bug. float64 examples use 1e-7 (and 1e-3).
"""
import copy
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

pytest.importorskip("hypothesis")

from _strategies import (  # noqa: E402
    NpAdam, NpSGD, flat_params, matrices, native64, np_loss_rows, np_mlp_backward, np_mlp_forward,
    prop_settings,
)

from pyml.neural_network import (  # noqa: E402
    L2, SGD, Adam, BinaryCrossentropy, CategoricalCrossentropy, Dense, Input, MeanSquaredError, Sequential,
    SparseCategoricalCrossentropy,
)

RTOL = {np.float64: 1e-10, np.float32: 2e-5}  # see the module docstring
HIDDEN_ACTS = ["relu", "sigmoid", "tanh", "linear"]
# (loss name, from_logits, output activation): every loss the epoch kernel computes (fused and general paths)
LOSSES = [("mse", False, "linear"), ("mse", False, "sigmoid"), ("mse", False, "tanh"), ("mse", False, "relu"),
          ("mse", False, "softmax"), ("bce", True, "linear"), ("bce", False, "sigmoid"), ("cce", True, "linear"),
          ("cce", False, "softmax"), ("scce", True, "linear"), ("scce", False, "softmax")]


def loss_object(name, from_logits):
    return {"mse": lambda: MeanSquaredError(), "bce": lambda: BinaryCrossentropy(from_logits=from_logits),
            "cce": lambda: CategoricalCrossentropy(from_logits=from_logits),
            "scce": lambda: SparseCategoricalCrossentropy(from_logits=from_logits)}[name]()


def draw_targets(rng, name, n, k):
    """(y passed to fit, float64 Y of the reference: the one-hot rows for the sparse loss)."""
    if name == "mse":
        Y = rng.normal(size=(n, k))
        return Y, Y
    if name == "bce":
        Y = (rng.random((n, k)) < 0.5).astype(float) if rng.random() < 0.5 else rng.random((n, k))
        return Y, Y
    labels = rng.integers(0, k, n)
    onehot = np.eye(k)[labels]
    if name == "scce":
        return labels, onehot
    # soft targets whose rows need not sum to 1 (Keras: -sum y log p): the kernel's p * sum(y) - y
    soft = rng.dirichlet(np.ones(k), size=n) * rng.uniform(0.5, 2.0, size=(n, 1))
    return (onehot, onehot) if rng.random() < 0.5 else (soft, soft)


@st.composite
def training_case(draw, loss):
    dt = np.dtype(draw(st.sampled_from([np.float64, np.float32])))
    X = draw(matrices(n_min=1, n_max=30, d_min=1, d_max=6, lo=-2, hi=2))
    n = X.shape[0]
    name, logits, out_act = loss
    k = draw(st.integers(2 if name in ("cce", "scce") else 1, 4))
    hidden = draw(st.lists(st.tuples(st.integers(1, 7), st.sampled_from(HIDDEN_ACTS)), min_size=0, max_size=2))
    l2s = draw(st.lists(st.sampled_from([0.0, 0.0, 0.01]), min_size=len(hidden) + 1, max_size=len(hidden) + 1))
    if draw(st.booleans()):
        eps = 1e-3 if dt == np.float32 else draw(st.sampled_from([1e-7, 1e-3]))
        opt = ("adam", draw(st.sampled_from([1e-3, 0.01, 0.05])), draw(st.sampled_from([0.9, 0.5])),
               draw(st.sampled_from([0.999, 0.9])), eps)
    else:
        opt = ("sgd", draw(st.sampled_from([0.01, 0.05])), draw(st.sampled_from([0.0, 0.9])), draw(st.booleans()))
    batch = draw(st.sampled_from([1, 2, 3, 5, 8, 32, 64]))
    epochs = draw(st.integers(1, 3))
    shuffle = draw(st.booleans())
    seed = draw(st.integers(0, 2**31))
    return dict(dt=dt, X=X, loss=(name, logits, out_act), k=k, hidden=hidden, l2s=l2s, opt=opt, batch=batch,
                epochs=epochs, shuffle=shuffle, seed=seed)


def build_model(c, rng):
    """The Sequential of a case with random weights and biases (set, so the reference starts from them)."""
    layers = [Input(shape=(c["X"].shape[1],))]
    for (units, act), l2 in zip(c["hidden"], c["l2s"]):
        layers.append(Dense(units, activation=act, kernel_regularizer=L2(l2) if l2 else None))
    layers.append(Dense(c["k"], activation=c["loss"][2], kernel_regularizer=L2(c["l2s"][-1]) if c["l2s"][-1]
                        else None))
    model = Sequential(layers, dtype=c["dt"].name, random_state=c["seed"] % 10_000, n_jobs=1)
    model.compile(loss=loss_object(*c["loss"][:2]), optimizer=make_optimizer(c["opt"]))
    widths = [c["X"].shape[1]] + [u for u, _ in c["hidden"]] + [c["k"]]
    weights = []
    for a, b in zip(widths[:-1], widths[1:]):
        weights += [rng.normal(size=(a, b)) / np.sqrt(a), rng.normal(size=b) * 0.3]
    model.set_weights([w.astype(c["dt"]) for w in weights])
    return model


def make_optimizer(opt):
    if opt[0] == "adam":
        return Adam(learning_rate=opt[1], beta_1=opt[2], beta_2=opt[3], epsilon=opt[4])
    return SGD(learning_rate=opt[1], momentum=opt[2], nesterov=opt[3])


def np_optimizer(opt):
    return NpAdam(opt[1], opt[2], opt[3], opt[4]) if opt[0] == "adam" else NpSGD(opt[1], opt[2], opt[3])


def reference_fit(params, acts, l2s, loss, X, Y, batch, perms, opt):
    """The NumPy training loop: for each epoch's order, minibatches of ``batch`` rows (the last one short),
    forward, the loss's dL/dZ (mean over the batch), backprop, one optimiser step. Returns the epoch losses
    (Keras's: the mean row loss plus the mean L2 penalty, each row's loss and each batch's penalty taken
    before its batch's step, the penalties weighted by batch size)."""
    name, _, out_act = loss
    kind = "cce" if name == "scce" else name
    history = []
    for perm in perms:
        rows, penalties = [], []
        for b0 in range(0, len(perm), batch):
            idx = perm[b0:b0 + batch]
            penalties.append(len(idx) * sum(l2 * (W ** 2).sum() for (W, _), l2 in zip(params, l2s)))
            inputs, Z = np_mlp_forward(params, acts, X[idx])
            row_loss, dZ = np_loss_rows(kind, out_act, Z, Y[idx])
            grads, _ = np_mlp_backward(params, acts, inputs, dZ, l2s)
            opt.step(flat_params(params), flat_params(grads))
            rows.append(row_loss)
        history.append(np.concatenate(rows).mean() + sum(penalties) / len(perm))
    return history


def weights_tol(dt, params):
    scale = 1.0 + max(float(np.abs(p).max()) for p in flat_params(params))
    r = RTOL[dt.type]
    return r, r * scale


def no_subnormals(X):
    # training flushes subnormal numbers to zero (FTZ/DAZ, csrc/nn_layout.h): such inputs are not compared
    ax = np.abs(native64(X))
    return not np.any((ax > 0) & (ax < 1e-30))


def assert_weights(got, params, dt):
    rtol, atol = weights_tol(dt, params)
    for i, (w, ref) in enumerate(zip(got, flat_params(params))):
        assert w.dtype == dt
        np.testing.assert_allclose(w.astype(np.float64), ref, rtol=rtol, atol=atol, err_msg=f"weight array {i}")


@pytest.mark.parametrize("loss", LOSSES, ids=["-".join(map(str, x)) for x in LOSSES])
@prop_settings(10)
@given(data=st.data())
def test_k_epochs_equal_numpy_minibatch_loop(loss, data):
    c = data.draw(training_case(loss))
    assume(no_subnormals(c["X"]))
    dt, X = c["dt"], c["X"]
    n = X.shape[0]
    rng = np.random.default_rng(c["seed"])
    y, Y = draw_targets(rng, c["loss"][0], n, c["k"])
    model = build_model(c, rng)
    params = [(W.astype(np.float64), b.astype(np.float64)) for W, b in
              zip(model.get_weights()[::2], model.get_weights()[1::2])]
    # the shuffles come from the model's seeded generator (after the Glorot draws): replay it
    shuffle_rng = copy.deepcopy(model._rng)
    perms = [shuffle_rng.permutation(n) if c["shuffle"] else np.arange(n) for _ in range(c["epochs"])]
    hist = model.fit(X, y, epochs=c["epochs"], batch_size=c["batch"], shuffle=c["shuffle"], verbose=0)
    X64 = native64(X).astype(dt).astype(np.float64)  # what the kernel trains on
    Y64 = Y.astype(dt).astype(np.float64) if c["loss"][0] != "scce" else Y
    opt = np_optimizer(c["opt"])
    ref_hist = reference_fit(params, [a for _, a in c["hidden"]], c["l2s"], c["loss"], X64, Y64, c["batch"],
                             perms, opt)
    assume(np.all(np.isfinite(ref_hist)))  # a diverging example compares nothing
    assert_weights(model.get_weights(), params, dt)
    assert model.optimizer.iterations == opt.t == c["epochs"] * -(-n // c["batch"])
    rtol = RTOL[dt.type]
    np.testing.assert_allclose(hist.history["loss"], ref_hist, rtol=rtol, atol=rtol)


@st.composite
def mlp_case(draw):
    # float64 only: the estimators' Adam has epsilon 1e-7, ill-conditioned in float32 (module docstring);
    # float32 training through the same C loop is covered above
    X = draw(matrices(n_min=2, n_max=25, d_min=1, d_max=5, lo=-2, hi=2, choices=(np.float64,)))
    return dict(X=X, hidden=tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=2))),
                act=draw(st.sampled_from(HIDDEN_ACTS)), lr=draw(st.sampled_from([1e-3, 0.01])),
                batch=draw(st.sampled_from([1, 4, 7, 200])), epochs=draw(st.integers(1, 3)),
                reg=draw(st.sampled_from([0.0, 0.01])), classifier=draw(st.booleans()),
                k=draw(st.integers(2, 4)), seed=draw(st.integers(0, 10_000)))


@prop_settings(25)
@given(mlp_case())
def test_mlp_estimators_fit_equals_numpy_loop(c):
    """MLPRegressor / MLPClassifier: Glorot weights and per-epoch shuffles from the documented seeding
    (``check_random_state(random_state)`` draws the Sequential's seed), Adam (Keras defaults, epsilon 1e-7),
    MSE or the softmax cross-entropy from logits, L2 ``reg_lambda`` on every layer; max_iter epochs."""
    from pyml.neural_network import MLPClassifier, MLPRegressor
    from pyml.utils.validation import check_random_state

    X = c["X"]
    assume(no_subnormals(X))
    # identical rows (e.g. X = 0) with balanced classes and the zero initial biases: the exact gradient of a
    # bias is 0 by symmetry, and Adam's step m / (sqrt(v) + 1e-7) multiplies a rounding residue of 1e-17 by
    # ~3e3 per step (a saddle point: 1e-15, 1e-12, 1e-10 after 3 epochs). Such data compares only rounding.
    assume(len(np.unique(native64(X), axis=0)) > 1)
    dt = np.dtype(X.dtype).newbyteorder("=")
    n = X.shape[0]
    data_rng = np.random.default_rng(c["seed"])
    kw = dict(hidden_layer_sizes=c["hidden"], activation=c["act"], learning_rate=c["lr"], max_iter=c["epochs"],
              batch_size=c["batch"], reg_lambda=c["reg"], n_iter_no_change=10**6, random_state=c["seed"], n_jobs=1)
    if c["classifier"]:
        labels = data_rng.integers(0, c["k"], n)
        k = min(n, c["k"])
        labels[:k] = np.arange(k)  # classes 0..m-1 all present, m >= 2 (n >= 2)
        k = len(np.unique(labels))
        # class names other than 0..m-1: the estimator maps them to their sorted positions, the labels here
        est, y, Y, loss = MLPClassifier(**kw), labels * 10 + 3, np.eye(k)[labels], ("cce", True, "linear")
    else:
        y = data_rng.normal(size=n)
        est, Y, loss, k = MLPRegressor(**kw), y.reshape(-1, 1), ("mse", False, "linear"), 1
    # the estimator's seeding: a Sequential seed drawn from random_state, Glorot weights, then the shuffles
    net_rng = check_random_state(int(check_random_state(c["seed"]).integers(0, 2**31 - 1)))
    widths = [X.shape[1], *c["hidden"], k]
    params = []
    for a, b in zip(widths[:-1], widths[1:]):
        layer = Dense(b).build(a, net_rng, dt)
        params.append((layer.kernel.astype(np.float64), layer.bias.astype(np.float64)))
    perms = [net_rng.permutation(n) for _ in range(c["epochs"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached: a ConvergenceWarning, expected here
        est.fit(X, y)
    acts = [c["act"]] * len(c["hidden"])
    opt = NpAdam(c["lr"])
    ref = reference_fit(params, acts, [c["reg"]] * len(params), loss, native64(X).astype(dt).astype(np.float64),
                        Y, c["batch"], perms, opt)
    r = 1e-10  # float64 (module docstring)
    scale = 1.0 + max(float(np.abs(p).max()) for p in flat_params(params))
    for got, want in zip([a for pair in zip(est.coefs_, est.intercepts_) for a in pair], flat_params(params)):
        np.testing.assert_allclose(got.astype(np.float64), want, rtol=r, atol=r * scale)
    np.testing.assert_allclose(est.loss_curve_, ref, rtol=r, atol=r)


@prop_settings(10)
@given(data=st.data())
def test_epoch_one_and_two_threads_bitwise_identical(data):
    """The epoch kernel splits each batch's rows and products between threads with a fixed partition:
    2 threads give the same bits as 1. (The thread count is forced: ``Sequential`` would pick 1 thread for
    such small work.)"""
    loss = data.draw(st.sampled_from(LOSSES))
    c = data.draw(training_case(loss))
    n = data.draw(st.integers(130, 400))
    X = np.random.default_rng(c["seed"]).uniform(-2, 2, size=(n, c["X"].shape[1]))
    c = dict(c, X=X, batch=data.draw(st.sampled_from([64, 100, 1000])))
    fits = []
    for nt in (1, 2):
        rng = np.random.default_rng(c["seed"])
        y, _ = draw_targets(rng, c["loss"][0], n, c["k"])
        model = build_model(c, rng)
        model._threads = lambda work, nt=nt: nt  # noqa: E731  (the kernel's thread count)
        hist = model.fit(X, y, epochs=c["epochs"], batch_size=c["batch"], shuffle=c["shuffle"], verbose=0)
        fits.append((model.get_weights(), hist.history["loss"]))
    for a, b in zip(fits[0][0], fits[1][0]):
        np.testing.assert_array_equal(a, b)
    assert fits[0][1] == fits[1][1]
