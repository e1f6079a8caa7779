"""Properties of the fused DQN update (``pyml.rl.DQN.update``, csrc/rl_impl.inc: one C call for n steps) against
a NumPy reference of the whole step, on random small networks, buffers and hyper-parameters:

    y_j = r_j + gamma max_a Q_target(s'_j, a) (1 - terminated_j)   (double DQN: Q_target(s'_j, argmax_a Q(s'_j, a)))
    loss = mean_j (Q(s_j, a_j) - y_j)^2   or   mean_j huber_1(Q(s_j, a_j) - y_j)
    backprop of the gathered output, Keras Adam on the Q-network, then theta_t <- tau theta + (1 - tau) theta_t.

The batch rows are drawn inside C from the buffer's generator; ``replay_buffer.last_indices_`` (documented)
holds the rows of the last batch, so the reference takes one update at a time, each with the rows the kernel
used. ``update(k)`` in one call equals k calls of ``update(1)`` bitwise (same generator, same steps), so the
k-step reference checks the one-call loop too.

Tolerances: the networks are float32. One step: outputs and gradients of O(1) numbers agree with float64 to ~1e-6
relative, so weights after k <= 4 steps are compared at 2e-5 of their scale, and the first loss (before any
step) at 2e-5. With the agent's Adam epsilon 1e-7 the step m / (sqrt(v) + 1e-7) is ill-conditioned for a
gradient component at float32's noise level: e.g. two rows of one action with Huber-clipped errors +1 and -1
give exactly 0 in float64, but the kernel's Huber-through-MSE target y' = fl(q - clip(d)/2) leaves
(q - y') = 0.5 +- half an ulp of y', a residue of ~1e-8 that Adam turned into a step of 0.005 lr (lr 0.01).
Examples with epsilon 1e-7 get 0.02 lr per step on top (measured worst over 2,000 random examples: 0.002 lr
per step), and the losses after the first step, which follow the weights, 2e-3 (1e-4 with epsilon 1e-3, where
the step is Lipschitz in g). Every formula error (the target network's values replaced by the online ones, no
terminal mask, the 1/B or the factor 2 of the MSE gradient, the Huber clip, the soft-update direction, Adam's
bias correction) moves the weights by >= lr/10 or the first loss by far more than 2e-5.
"""
import copy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("hypothesis")

from _strategies import NpAdam, flat_params, np_mlp_backward, np_mlp_forward, prop_settings  # noqa: E402

from pyml.rl import DQN  # noqa: E402


@st.composite
def dqn_case(draw):
    d, k = draw(st.integers(1, 6)), draw(st.integers(2, 5))
    batch = draw(st.integers(1, 24))
    n = draw(st.integers(batch, 60))
    return dict(d=d, k=k, hidden=tuple(draw(st.lists(st.integers(1, 8), min_size=1, max_size=2))), batch=batch, n=n,
                capacity=draw(st.sampled_from([n, n + 5, max(batch, n // 2)])),
                lr=draw(st.sampled_from([1e-3, 1e-2])), gamma=draw(st.sampled_from([0.0, 0.9, 0.995, 1.0])),
                tau=draw(st.sampled_from([0.0, 1e-3, 0.1, 1.0])), loss=draw(st.sampled_from(["mse", "huber"])),
                double=draw(st.booleans()), eps=draw(st.sampled_from([1e-7, 1e-3])),
                updates=draw(st.integers(1, 4)), seed=draw(st.integers(0, 10_000)))


def make_agent(c):
    ag = DQN(c["d"], c["k"], hidden_layer_sizes=c["hidden"], learning_rate=c["lr"], gamma=c["gamma"],
             buffer_size=c["capacity"], batch_size=c["batch"], tau=c["tau"], loss=c["loss"], double_dqn=c["double"],
             random_state=c["seed"], n_jobs=1)
    rng = np.random.default_rng(c["seed"] + 1)
    S = rng.normal(size=(c["n"], c["d"]))
    # rewards of a few units: Huber's |d| > 1 branch and its quadratic part both occur
    ag.replay_buffer.add(S, rng.integers(0, c["k"], c["n"]), rng.normal(size=c["n"]) * 2,
                         S + rng.normal(size=(c["n"], c["d"])) * 0.3, rng.random(c["n"]) < 0.25)
    # a target network different from the online one (they start equal), as after training
    ag.target_q_network.set_weights([w * 0.8 + 0.05 for w in ag.q_network.get_weights()])
    ag.q_network.optimizer.epsilon = c["eps"]
    return ag


def params_of(net):
    ws = [w.astype(np.float64) for w in net.get_weights()]
    return [(ws[i], ws[i + 1]) for i in range(0, len(ws), 2)]


def forward(params, X):
    _, Z = np_mlp_forward(params, ["relu"] * (len(params) - 1), X)
    return Z


def np_update(c, online, target, opt, buf, idx):
    """One DQN step on the rows idx, in place on the float64 online / target params; returns the loss."""
    S, S2 = buf.states[idx].astype(np.float64), buf.next_states[idx].astype(np.float64)
    a, r = buf.actions[idx], buf.rewards[idx].astype(np.float64)
    nonterm = 1.0 - buf.terminated[idx]
    Qt = forward(target, S2)
    if c["double"]:
        q_next = Qt[np.arange(len(idx)), np.argmax(forward(online, S2), axis=1)]
    else:
        q_next = Qt.max(axis=1)
    y = (r + c["gamma"] * q_next * nonterm).astype(np.float32).astype(np.float64)  # the kernel keeps y in float32
    inputs, Z = np_mlp_forward(online, ["relu"] * (len(online) - 1), S)
    diff = Z[np.arange(len(idx)), a] - y
    B = len(idx)
    if c["loss"] == "huber":
        loss = np.mean(np.where(np.abs(diff) <= 1, 0.5 * diff ** 2, np.abs(diff) - 0.5))
        dq = np.clip(diff, -1, 1) / B
    else:
        loss = np.mean(diff ** 2)
        dq = 2 * diff / B
    dZ = np.zeros_like(Z)
    dZ[np.arange(B), a] = dq  # only the taken action's output carries the loss
    grads, _ = np_mlp_backward(online, ["relu"] * (len(online) - 1), inputs, dZ, [0.0] * len(online))
    opt.step(flat_params(online), flat_params(grads))
    for (Wt, bt), (W, b) in zip(target, online):
        Wt *= 1 - c["tau"]
        Wt += c["tau"] * W
        bt *= 1 - c["tau"]
        bt += c["tau"] * b
    return loss


@prop_settings(40)
@given(dqn_case())
def test_fused_updates_equal_numpy_dqn_steps(c):
    ag = make_agent(c)
    twin = copy.deepcopy(ag)
    online, target = params_of(ag.q_network), params_of(ag.target_q_network)
    opt = NpAdam(c["lr"], epsilon=c["eps"])
    losses, ref_losses = [], []
    for _ in range(c["updates"]):
        losses.append(ag.update(1))
        idx = ag.replay_buffer.last_indices_.copy()
        assert len(np.unique(idx)) == c["batch"] and idx.min() >= 0 and idx.max() < min(c["n"], c["capacity"])
        ref_losses.append(np_update(c, online, target, opt, ag.replay_buffer, idx))
    scale = 1.0 + max(float(np.abs(a).max()) for a in flat_params(online) + flat_params(target))
    # see the module docstring
    rtol, atol = 2e-5, 2e-5 * scale + (0.02 * c["lr"] * c["updates"] if c["eps"] == 1e-7 else 0.0)
    for name, net, ref in (("online", ag.q_network, online), ("target", ag.target_q_network, target)):
        for i, (w, want) in enumerate(zip(net.get_weights(), flat_params(ref))):
            assert w.dtype == np.float32
            np.testing.assert_allclose(w.astype(np.float64), want, rtol=rtol, atol=atol, err_msg=f"{name} {i}")
    # the first loss is taken before any step: float32 forward only; the later ones follow the weights' error
    loss_scale = 1.0 + max(ref_losses)
    assert losses[0] == pytest.approx(ref_losses[0], rel=2e-5, abs=2e-6 * loss_scale)
    later_rtol = 2e-3 if c["eps"] == 1e-7 else 1e-4
    np.testing.assert_allclose(losses[1:], ref_losses[1:], rtol=later_rtol, atol=later_rtol * 0.1 * loss_scale)
    assert ag.q_network.optimizer.iterations == opt.t == ag.n_updates_ == c["updates"]
    # k steps in one C call: the same generator draws and steps, so the same bits
    mean = twin.update(c["updates"])
    assert mean == pytest.approx(np.mean(losses), rel=1e-12, abs=1e-300)
    np.testing.assert_array_equal(twin.replay_buffer.last_indices_, ag.replay_buffer.last_indices_)
    for a, b in zip(twin.q_network.get_weights() + twin.target_q_network.get_weights(),
                    ag.q_network.get_weights() + ag.target_q_network.get_weights()):
        np.testing.assert_array_equal(a, b)
