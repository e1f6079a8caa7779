"""Properties of the functional graph (``pyml.neural_network.Model``, csrc/nn_graph_impl.inc) against NumPy:
two inputs, each through a Sequential tower of Dense layers, then one of three graphs

* ``dot``:    Dot(axes=1)([l2_normalize(U(xu)), l2_normalize(V(xv))])  (the course's content-based model);
* ``concat``: Dense head on Concatenate([U(xu), V(xv)]);
* ``mixed``:  nu = l2_normalize(U(xu)), nv = l2_normalize(V(xv)); Dense head on Concatenate([Dot([nu, nv]), nu,
  V(xv)]) (nu and V(xv) feed two nodes each: their gradients are summed),

with random widths, activations, L2 terms, losses (MSE; binary and sparse categorical cross-entropy from
logits), float32/float64. Checked: the forward output equals NumPy; the gradient of a training step
(``Model._gradient``, all rows as one batch) equals NumPy backprop, and in float64 central finite differences
of the NumPy loss (which checks the reference's backprop too); k epochs of ``fit`` (SGD or Adam, batch sizes
that do and do not divide n, no shuffling) equal the NumPy loop, and so does the reported loss.

Tolerances: as tests/property/test_nn_loops_properties.py (float64 1e-10, float32 2e-5 relative to the
scale; float32 Adam with epsilon 1e-3 there, because Keras' 1e-7 makes the first step ill-conditioned at
gradients of float32 noise size). The l2 normalisation divides by the norm, so examples whose tower outputs have
a norm below 1e-3 (near the 1e-12 clamp, where the row is ill-conditioned) are skipped. Central differences with
h = 1e-6 have a truncation error ~h^2 |f'''| ~1e-12 and a rounding error ~1e-16 / h = 1e-10: rtol 1e-6,
atol 1e-7.
"""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

pytest.importorskip("hypothesis")

from _strategies import (  # noqa: E402
    NP_ACTS, NpAdam, NpSGD, flat_params, np_loss_rows, np_mlp_backward, np_mlp_forward, prop_settings,
)

from pyml.neural_network import (  # noqa: E402
    L2, SGD, Adam, BinaryCrossentropy, Concatenate, Dense, Dot, Input, MeanSquaredError, Model, Sequential,
    SparseCategoricalCrossentropy, l2_normalize,
)

RTOL = {np.float64: 1e-10, np.float32: 2e-5}
ACTS = ["relu", "sigmoid", "tanh", "linear"]
HEAD_LOSSES = [("mse", "linear"), ("mse", "tanh"), ("bce", "linear"), ("scce", "linear")]


@st.composite
def graph_case(draw, variant=None):
    variant = variant or draw(st.sampled_from(["dot", "concat", "mixed"]))
    dt = np.dtype(draw(st.sampled_from([np.float64, np.float32])))
    emb = draw(st.integers(1, 5))

    def tower():
        depth = draw(st.integers(1, 2))
        widths = [draw(st.integers(1, 6)) for _ in range(depth - 1)] + [emb]
        return [(w, draw(st.sampled_from(ACTS)), draw(st.sampled_from([0.0, 0.0, 0.01]))) for w in widths]

    loss, out_act = ("mse", "linear") if variant == "dot" else draw(st.sampled_from(HEAD_LOSSES))
    k = 1 if variant == "dot" else draw(st.integers(2 if loss == "scce" else 1, 3))
    return dict(variant=variant, dt=dt, n=draw(st.integers(1, 20)), du=draw(st.integers(1, 5)),
                dv=draw(st.integers(1, 5)), U=tower(), V=tower(), head=(k, out_act, draw(st.sampled_from([0.0, 0.01]))),
                loss=loss, seed=draw(st.integers(0, 2**31)))


def build(c):
    """(pyml Model, {group: [Dense]}, initial float64 params {group: [(W, b)]}, inputs, y, float64 Y)."""
    rng = np.random.default_rng(c["seed"])
    dt = c["dt"]

    def dense(units, act, l2):
        return Dense(units, activation=act, kernel_regularizer=L2(l2) if l2 else None)

    layers = {"U": [dense(*spec) for spec in c["U"]], "V": [dense(*spec) for spec in c["V"]]}
    xu, xv = Input(shape=(c["du"],)), Input(shape=(c["dv"],))
    ou = Sequential(layers["U"], dtype=dt.name)(xu)
    ov = Sequential(layers["V"], dtype=dt.name)(xv)
    if c["variant"] == "dot":
        out = Dot(axes=1)([l2_normalize(ou, axis=1), l2_normalize(ov, axis=1)])
    else:
        layers["H"] = [dense(*c["head"])]
        if c["variant"] == "concat":
            h = Concatenate()([ou, ov])
        else:
            nu, nv = l2_normalize(ou, axis=1), l2_normalize(ov, axis=1)
            h = Concatenate()([Dot(axes=1)([nu, nv]), nu, ov])
        out = layers["H"][0](h)
    model = Model([xu, xv], out, dtype=dt.name, random_state=c["seed"] % 1000, n_jobs=1)
    # random weights and biases, rounded to the model's dtype: the reference starts from the same numbers
    params, by_id = {}, {}
    for g, ls in layers.items():
        params[g] = []
        for layer in ls:
            W = (rng.normal(size=layer.kernel.shape) / np.sqrt(layer.kernel.shape[0])).astype(dt)
            b = (rng.normal(size=layer.bias.shape) * 0.3).astype(dt)
            by_id[id(layer)] = (W, b)
            params[g].append((W.astype(np.float64), b.astype(np.float64)))
    model.set_weights([w for layer in model.dense_layers for w in by_id[id(layer)]])
    Xu = rng.normal(size=(c["n"], c["du"]))
    Xv = rng.normal(size=(c["n"], c["dv"]))
    k = c["head"][0] if c["variant"] != "dot" else 1
    if c["loss"] == "scce":
        y = rng.integers(0, k, c["n"])
        Y = np.eye(k)[y]
    elif c["loss"] == "bce":
        y = Y = (rng.random((c["n"], k)) < 0.5).astype(float)
    else:
        y = Y = rng.normal(size=(c["n"], k)) * (0.5 if c["variant"] == "dot" else 1.0)
    Y = Y if c["loss"] == "scce" else Y.astype(dt).astype(np.float64)
    return model, layers, params, [Xu.astype(dt), Xv.astype(dt)], y, Y


def _tower_forward(P, spec, X):
    acts = [a for _, a, _ in spec]
    inputs, Z = np_mlp_forward(P, acts[:-1], X)
    return (inputs, NP_ACTS[acts[-1]][0](Z))


def _tower_backward(P, spec, cache, dA):
    inputs, A = cache
    acts = [a for _, a, _ in spec]
    grads, _ = np_mlp_backward(P, acts[:-1], inputs, dA * NP_ACTS[acts[-1]][1](A), [l2 for _, _, l2 in spec])
    return grads


def _l2n(x):
    s = (x * x).sum(axis=1, keepdims=True)
    clamped = ~(s > 1e-12)
    norm = np.sqrt(np.where(clamped, 1e-12, s))
    return x / norm, norm, clamped


def _l2n_backward(y, norm, clamped, dy):
    return np.where(clamped, dy / norm, (dy - y * (y * dy).sum(axis=1, keepdims=True)) / norm)


def np_graph(c, P, Xu, Xv, Y, grad=True):
    """(row losses, output Z (before the head's activation), grads {group: [(dW, db)]}, min tower norm) of one
    batch: forward through the case's graph, the loss's dL/dZ (mean over the rows), then reverse mode."""
    cu, cv = _tower_forward(P["U"], c["U"], Xu), _tower_forward(P["V"], c["V"], Xv)
    U, V = cu[1], cv[1]
    norms = []
    if c["variant"] == "dot":
        (nu, su, ku), (nv, sv, kv) = _l2n(U), _l2n(V)
        norms = [su, sv]
        Z = (nu * nv).sum(axis=1, keepdims=True)
        out_act = "linear"
    else:
        if c["variant"] == "concat":
            H = np.hstack([U, V])
        else:
            (nu, su, ku), (nv, sv, kv) = _l2n(U), _l2n(V)
            norms = [su, sv]
            d = (nu * nv).sum(axis=1, keepdims=True)
            H = np.hstack([d, nu, V])
        (W, b), = P["H"]
        Z = H @ W + b
        out_act = c["head"][1]
    kind = {"scce": "cce"}.get(c["loss"], c["loss"])
    rows, dZ = np_loss_rows(kind, out_act, Z, Y)
    min_norm = min((float(s.min()) for s in norms), default=np.inf)
    if not grad:
        return rows, Z, None, min_norm
    grads = {}
    if c["variant"] == "dot":
        dU = _l2n_backward(nu, su, ku, dZ * nv)
        dV = _l2n_backward(nv, sv, kv, dZ * nu)
    else:
        (W, b), = P["H"]
        grads["H"] = [(H.T @ dZ + 2 * c["head"][2] * W, dZ.sum(axis=0))]
        dH = dZ @ W.T
        if c["variant"] == "concat":
            dU, dV = dH[:, :U.shape[1]], dH[:, U.shape[1]:]
        else:
            e = U.shape[1]
            dd, dnu, dV = dH[:, :1], dH[:, 1:1 + e], dH[:, 1 + e:]
            dnu = dnu + dd * nv  # nu feeds the Dot and the Concatenate: the two gradients add up
            dU = _l2n_backward(nu, su, ku, dnu)
            dV = dV + _l2n_backward(nv, sv, kv, dd * nu)
    grads["U"] = _tower_backward(P["U"], c["U"], cu, dU)
    grads["V"] = _tower_backward(P["V"], c["V"], cv, dV)
    return rows, Z, grads, min_norm


def penalty(c, P):
    specs = {"U": [l2 for _, _, l2 in c["U"]], "V": [l2 for _, _, l2 in c["V"]], "H": [c["head"][2]]}
    return sum(l2 * (W ** 2).sum() for g in P for (W, _), l2 in zip(P[g], specs[g]))


def pyml_params(layers):
    return {g: [(l.kernel.astype(np.float64), l.bias.astype(np.float64)) for l in ls] for g, ls in layers.items()}


def assert_params(got, want, dt, what):
    scale = 1.0 + max(float(np.abs(a).max()) for g in want for a in flat_params(want[g]))
    r = RTOL[dt.type]
    for g in want:
        for i, (a, b) in enumerate(zip(flat_params(got[g]), flat_params(want[g]))):
            np.testing.assert_allclose(a, b, rtol=r, atol=r * scale, err_msg=f"{what}: {g} array {i}")


def loss_object(name):
    return {"mse": MeanSquaredError, "bce": lambda: BinaryCrossentropy(from_logits=True),
            "scce": lambda: SparseCategoricalCrossentropy(from_logits=True)}[name]()


@prop_settings(40)
@given(graph_case())
def test_forward_and_gradient_equal_numpy(c):
    model, layers, P, xs, y, Y = build(c)
    dt = c["dt"]
    Xu, Xv = (x.astype(np.float64) for x in xs)
    rows, Z, grads, min_norm = np_graph(c, P, Xu, Xv, Y)
    assume(min_norm == 0 or min_norm > 1e-3)
    out = model.predict(xs)
    act = c["head"][1] if c["variant"] != "dot" else "linear"
    expected = NP_ACTS[act][0](Z)
    assert out.dtype == dt and out.shape == expected.shape
    r = RTOL[dt.type]
    np.testing.assert_allclose(out, expected, rtol=r, atol=r * (1 + np.abs(expected).max()))
    model.compile(optimizer=SGD(0.1), loss=loss_object(c["loss"]))
    loss, g = model._gradient(xs, y)
    got = {grp: [] for grp in layers}
    by_id = {id(l): gw for l, gw in zip(model.dense_layers, g)}
    for grp, ls in layers.items():
        got[grp] = [tuple(a.astype(np.float64) for a in by_id[id(l)]) for l in ls]
    assert loss == pytest.approx(rows.mean() + penalty(c, P), rel=r, abs=r)
    assert_params(got, grads, dt, "gradient")


@prop_settings(15)
@given(graph_case())
def test_float64_gradient_equals_central_differences(c):
    # smooth activations only: a relu kink within h of a pre-activation makes a difference quotient meaningless
    smooth = lambda spec: [(w, "tanh" if a == "relu" else a, l2) for w, a, l2 in spec]  # noqa: E731
    c = dict(c, dt=np.dtype(np.float64), U=smooth(c["U"]), V=smooth(c["V"]))
    model, layers, P, xs, y, Y = build(c)
    Xu, Xv = xs
    rows, _, grads, min_norm = np_graph(c, P, Xu, Xv, Y)
    assume(min_norm == 0 or min_norm > 1e-3)
    model.compile(optimizer=SGD(0.1), loss=loss_object(c["loss"]))
    _, g = model._gradient(xs, y)
    by_id = {id(l): gw for l, gw in zip(model.dense_layers, g)}
    rng = np.random.default_rng(c["seed"] + 1)
    h = 1e-6
    for grp, ls in layers.items():
        for li, layer in enumerate(ls):
            for which in (0, 1):  # kernel, bias
                arr = P[grp][li][which]
                for flat in rng.choice(arr.size, size=min(arr.size, 3), replace=False):
                    idx = np.unravel_index(flat, arr.shape)
                    f = []
                    for sgn in (1, -1):
                        Q = {k: [(W.copy(), b.copy()) for W, b in v] for k, v in P.items()}
                        Q[grp][li][which][idx] += sgn * h
                        rq, _, _, _ = np_graph(c, Q, Xu, Xv, Y, grad=False)
                        f.append(rq.mean() + penalty(c, Q))
                    fd = (f[0] - f[1]) / (2 * h)
                    ref = grads[grp][li][which][idx]
                    got = by_id[id(layer)][which][idx]
                    assert ref == pytest.approx(fd, rel=1e-6, abs=1e-7), ("reference", grp, li, which, idx)
                    assert got == pytest.approx(fd, rel=1e-6, abs=1e-7), ("pyml", grp, li, which, idx)


@st.composite
def fit_case(draw):
    c = draw(graph_case())
    if draw(st.booleans()):
        eps = 1e-3 if c["dt"] == np.float32 else draw(st.sampled_from([1e-7, 1e-3]))
        opt = ("adam", draw(st.sampled_from([1e-3, 0.02])), eps)
    else:
        opt = ("sgd", draw(st.sampled_from([0.01, 0.05])), draw(st.sampled_from([0.0, 0.9])))
    return dict(c, opt=opt, batch=draw(st.sampled_from([1, 3, 4, 7, 64])), epochs=draw(st.integers(1, 3)))


@prop_settings(30)
@given(fit_case())
def test_k_epochs_equal_numpy_loop(c):
    model, layers, P, xs, y, Y = build(c)
    dt = c["dt"]
    Xu, Xv = (x.astype(np.float64) for x in xs)
    assume(np_graph(c, P, Xu, Xv, Y, grad=False)[3] == 0 or np_graph(c, P, Xu, Xv, Y, grad=False)[3] > 1e-3)
    if c["opt"][0] == "adam":
        model.compile(optimizer=Adam(c["opt"][1], epsilon=c["opt"][2]), loss=loss_object(c["loss"]))
        opt = NpAdam(c["opt"][1], epsilon=c["opt"][2])
    else:
        model.compile(optimizer=SGD(c["opt"][1], momentum=c["opt"][2]), loss=loss_object(c["loss"]))
        opt = NpSGD(c["opt"][1], c["opt"][2])
    hist = model.fit(xs, y, epochs=c["epochs"], batch_size=c["batch"], shuffle=False, verbose=0)
    groups = list(P)
    ref_hist = []
    for _ in range(c["epochs"]):
        rows, penalties = [], []  # Keras's epoch loss: each batch's penalty before its step, by batch size
        for b0 in range(0, c["n"], c["batch"]):
            sl = slice(b0, b0 + c["batch"])
            r, _, grads, min_norm = np_graph(c, P, Xu[sl], Xv[sl], Y[sl])
            assume(min_norm == 0 or min_norm > 1e-3)
            penalties.append(len(r) * penalty(c, P))
            opt.step([a for g in groups for a in flat_params(P[g])], [a for g in groups for a in flat_params(grads[g])])
            rows.append(r)
        ref_hist.append(np.concatenate(rows).mean() + sum(penalties) / c["n"])
    assume(np.all(np.isfinite(ref_hist)))  # a diverging example (lr 0.1, momentum 0.9) compares nothing
    assert_params(pyml_params(layers), P, dt, f"after {c['epochs']} epochs")
    r = RTOL[dt.type]
    np.testing.assert_allclose(hist.history["loss"], ref_hist, rtol=r, atol=r)
    assert model.optimizer.iterations == opt.t


@prop_settings(8)
@given(fit_case(), st.integers(70, 200))
def test_epoch_one_and_two_threads_bitwise_identical(c, n):
    """The graph epoch splits each batch's rows between threads with a fixed partition and sums the gradients of
    shared nodes in a fixed order: 2 threads give the same bits as 1 (forced: ``Model`` would pick 1 thread for
    such small work)."""
    c = dict(c, n=n, batch=max(c["batch"], 64))
    fits = []
    for nt in (1, 2):
        model, layers, _, xs, y, _ = build(c)
        model._threads = lambda work, per_batch=False, nt=nt: nt  # noqa: E731  (the kernels' thread count)
        model.compile(optimizer=Adam(c["opt"][1]) if c["opt"][0] == "adam" else SGD(c["opt"][1]),
                      loss=loss_object(c["loss"]))
        hist = model.fit(xs, y, epochs=c["epochs"], batch_size=c["batch"], shuffle=True, verbose=0)
        fits.append((model.get_weights(), hist.history["loss"], model.predict(xs)))
    for a, b in zip(fits[0][0] + [fits[0][2]], fits[1][0] + [fits[1][2]]):
        np.testing.assert_array_equal(a, b)
    assert fits[0][1] == fits[1][1]
