"""The fused C DQN update (csrc/rl.h via pyml.rl._rl_kernels): chunking, threads, sampling."""
import copy
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from pyml.rl import DQN
from pyml.rl import _rl_kernels as rk


def _agent(loss="mse", double_dqn=False, seed=0, n=400, batch_size=32):
    ag = DQN(6, 3, hidden_layer_sizes=(16, 16), loss=loss, double_dqn=double_dqn, random_state=seed, tau=0.05,
             learning_rate=0.01, batch_size=batch_size)
    rng = np.random.default_rng(seed + 100)
    S = rng.normal(size=(n, 6))
    ag.replay_buffer.add(S, rng.integers(0, 3, n), rng.normal(size=n), S + rng.normal(size=(n, 6)) * 0.1,
                         rng.random(n) < 0.2)
    ag.target_q_network.set_weights([x * 0.8 for x in ag.q_network.get_weights()])
    return ag


def _weights(ag):
    return ag.q_network.get_weights() + ag.target_q_network.get_weights()


@pytest.mark.parametrize("loss,double_dqn", [("mse", False), ("huber", True)])
def test_k_updates_in_one_call_equal_k_calls(loss, double_dqn):
    a = _agent(loss, double_dqn)
    b = copy.deepcopy(a)
    la = a.update(5)
    lb = [b.update(1) for _ in range(5)]
    assert la == pytest.approx(np.mean(lb), rel=1e-12)
    np.testing.assert_array_equal(a.replay_buffer.last_indices_, b.replay_buffer.last_indices_)
    np.testing.assert_array_equal(a._sample_state, b._sample_state)
    assert a.q_network.optimizer.iterations == b.q_network.optimizer.iterations == 5
    assert a.n_updates_ == b.n_updates_ == 5
    for x, y in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(x, y)


def _kernel_call(ag, n_threads, n_updates=3):
    net, tgt, buf = ag.q_network, ag.target_q_network, ag.replay_buffer
    last = np.empty(ag.batch_size, np.int64)
    loss, t, _ = rk.dqn_update(net._specs(training=True), tgt._specs(), net.optimizer._params(), buf.states,
                               buf.next_states, buf.actions, buf.rewards, buf.terminated, buf.size, ag.batch_size,
                               ag.gamma, ag.tau, ag.loss == "huber", ag.double_dqn, ag._sample_state, n_updates,
                               last, n_threads)
    return loss, last


@pytest.mark.parametrize("loss,double_dqn", [("mse", True), ("huber", False)])
def test_one_and_two_threads_bitwise_identical(loss, double_dqn):
    a = _agent(loss, double_dqn, batch_size=128)
    b = copy.deepcopy(a)
    la, ia = _kernel_call(a, 1)
    lb, ib = _kernel_call(b, 2)
    assert la == lb
    np.testing.assert_array_equal(ia, ib)
    for x, y in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(x, y)


def test_batch_indices_distinct_in_range_and_uniform():
    ag = _agent(n=50, batch_size=20)
    counts = np.zeros(50)
    for _ in range(300):
        ag.update(1)
        idx = ag.replay_buffer.last_indices_
        assert len(np.unique(idx)) == 20 and idx.min() >= 0 and idx.max() < 50
        counts[idx] += 1
    # each row is in a batch with probability 20/50: 300 batches -> 120 +- ~8.5 (binomial sd)
    assert np.all(np.abs(counts - 120) < 6 * np.sqrt(300 * 0.4 * 0.6))
    ag2 = _agent(n=20, batch_size=20)  # batch == size: every row exactly once
    ag2.update(1)
    np.testing.assert_array_equal(np.sort(ag2.replay_buffer.last_indices_), np.arange(20))


def test_only_filled_rows_are_sampled():
    ag = DQN(6, 3, hidden_layer_sizes=(8,), random_state=1, batch_size=10, buffer_size=1000)
    rng = np.random.default_rng(0)
    S = rng.normal(size=(30, 6))
    ag.replay_buffer.add(S, rng.integers(0, 3, 30), rng.normal(size=30), S, np.zeros(30, bool))
    for _ in range(50):
        ag.update(1)
        assert ag.replay_buffer.last_indices_.max() < 30


def test_generator_uniform_statistics_and_seed_resume():
    st = np.array([1, 2, 3, 4], np.uint64)
    draws = np.array([rk.rl_uniform(st, 7) for _ in range(7000)])
    assert draws.min() == 0 and draws.max() == 6
    assert np.all(np.abs(np.bincount(draws) - 1000) < 6 * np.sqrt(7000 / 7 * 6 / 7))
    s1, s2 = np.array([5, 6, 7, 8], np.uint64), np.array([5, 6, 7, 8], np.uint64)
    assert [rk.rl_uniform(s1, 1000) for _ in range(5)] == [rk.rl_uniform(s2, 1000) for _ in range(5)]


def test_kernel_rejects_bad_input():
    ag = _agent()
    net, tgt, buf = ag.q_network, ag.target_q_network, ag.replay_buffer
    args = lambda **kw: dict(dict(online_specs=net._specs(training=True), target_specs=tgt._specs(),
                                  opt_params=net.optimizer._params(), states=buf.states,
                                  next_states=buf.next_states, actions=buf.actions, rewards=buf.rewards,
                                  terminated=buf.terminated, size=buf.size, batch_size=ag.batch_size,
                                  gamma=0.9, tau=0.1, huber=False, double_dqn=False,
                                  rng_state=ag._sample_state.copy(), n_updates=1,
                                  last_indices=np.empty(ag.batch_size, np.int64), n_threads=1), **kw)
    with pytest.raises(ValueError, match="batch_size"):
        rk.dqn_update(**args(size=10))
    with pytest.raises(TypeError, match="rewards"):
        rk.dqn_update(**args(rewards=buf.rewards.astype(np.float64)))
    with pytest.raises(TypeError, match="last_indices"):
        rk.dqn_update(**args(last_indices=np.empty(3, np.int64)))
    with pytest.raises(ValueError):
        rk.dqn_update(**args(rng_state=np.zeros(4, np.uint64)))
    bad = buf.actions.copy()
    bad[:] = 7
    with pytest.raises(IndexError):
        rk.dqn_update(**args(actions=bad))


# ---- the all-in-C cart-pole episode loop ------------------------------------------------------------

from pyml.neural_network import _nn_kernels as nk  # noqa: E402
from pyml.rl import envs  # noqa: E402


def test_c_cartpole_step_equals_python_cartpole():
    env = envs.CartPole()
    env.reset(seed=3)
    s = env.state.copy()
    rng = np.random.default_rng(0)
    for _ in range(300):
        a = int(rng.integers(2))
        _, _, term, _, _ = env.step(a)
        assert rk.cartpole_step(s, a) == term
        np.testing.assert_array_equal(s, env.state)
        if term:
            env.reset(seed=int(rng.integers(1000)))
            s = env.state.copy()


def test_c_cartpole_step_equals_gymnasium():
    gym = pytest.importorskip("gymnasium")
    env = gym.make("CartPole-v1").unwrapped
    env.reset(seed=0)
    s = np.array(env.state, dtype=np.float64)
    for a in [1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1] * 3:
        _, _, term, _, _ = env.step(a)
        t = rk.cartpole_step(s, a)
        np.testing.assert_allclose(s, np.asarray(env.state, dtype=np.float64), rtol=0, atol=1e-6)
        assert t == term
        if term:
            break


def _cp_agent(seed=0):
    ag = DQN(4, 2, hidden_layer_sizes=(16,), gamma=0.99, tau=0.05, learn_every=2, batch_size=16,
             epsilon_start=0.5, epsilon_decay=0.9, buffer_size=300, random_state=seed)
    rng = np.random.default_rng(seed)
    S = rng.normal(size=(40, 4)) * 0.05
    ag.replay_buffer.add(S, rng.integers(0, 2, 40), np.ones(40), S, np.zeros(40, bool))
    return ag


def _reference_learn(ag, n_episodes, max_steps=1000):
    """DQN.learn on the cart-pole written in Python with the kernel's generator, step and update."""
    buf, st = ag.replay_buffer, ag._sample_state
    for _ in range(n_episodes):
        env = envs.CartPole()
        env.reset(seed=ag._episode_seed + ag.n_episodes_)
        s, steps, ret = env.state.copy(), 0, 0.0
        obs = s.astype(np.float32)
        for t in range(max_steps):
            if rk.rl_random(st) > ag.epsilon_:
                a = int(np.argmax(nk.mlp_forward(ag.q_network._specs(), obs[None], False, 1)[0]))
            else:
                a = int(rk.rl_uniform(st, 2))
            term = rk.cartpole_step(s, a)
            steps += 1
            trunc = not term and steps >= env.max_episode_steps
            buf._add_one(obs, a, 1.0, s.astype(np.float32), term, trunc)
            ag.n_timesteps_ += 1
            ret += 1
            if (t + 1) % ag.learn_every == 0 and len(buf) > ag.batch_size:
                ag._update_fused(1)
            obs = s.astype(np.float32)
            if term or trunc:
                break
        ag.n_episodes_ += 1
        ag.epsilon_ = max(ag.epsilon_min, ag.epsilon_decay * ag.epsilon_)
        ag.episode_returns_.append(ret)


def test_c_episode_loop_equals_python_reference():
    a = _cp_agent()
    b = copy.deepcopy(a)
    a.learn(envs.CartPole(), max_episodes=12)
    _reference_learn(b, 12)
    assert a.episode_returns_ == b.episode_returns_
    assert a.n_timesteps_ == b.n_timesteps_ and a.n_updates_ == b.n_updates_ > 0
    buf_a, buf_b = a.replay_buffer, b.replay_buffer
    assert (buf_a.pos, buf_a.size, buf_a.n_added) == (buf_b.pos, buf_b.size, buf_b.n_added)
    for name in ("states", "next_states", "actions", "rewards", "terminated", "truncated"):
        np.testing.assert_array_equal(getattr(buf_a, name), getattr(buf_b, name))
    np.testing.assert_array_equal(a._sample_state, b._sample_state)
    for x, y in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(x, y)


def test_c_episode_respects_step_budget_and_truncation():
    ag = _cp_agent()
    ag.learn(envs.CartPole(), total_timesteps=37)
    assert ag.n_timesteps_ == 37 == sum(ag.episode_lengths_)
    ag2 = _cp_agent()
    ag2.learn(envs.CartPole(max_episode_steps=5), max_episodes=3)
    # 5 steps of 0.02 s from |theta| < 0.05 cannot reach 12 degrees: every episode is a time-limit end
    assert ag2.episode_lengths_ == [5, 5, 5]
    buf = ag2.replay_buffer
    np.testing.assert_array_equal(np.flatnonzero(buf.truncated[40:55]), [4, 9, 14])
    assert not buf.terminated[40:55].any() and buf.n_added == 55


# ---- many episodes in one C call (pyml_dqn_cartpole_learn) ------------------------------------------

class _Count:
    """A callback that never stops training: DQN.learn then makes one C call per episode."""

    def __init__(self):
        self.n = 0

    def on_fit_begin(self, est, logs=None):
        pass

    def on_iteration_end(self, est, it, logs=None):
        self.n += 1
        return False

    def on_fit_end(self, est, logs=None):
        pass


def _assert_same_agent(a, b):
    assert a.episode_returns_ == b.episode_returns_ and a.episode_lengths_ == b.episode_lengths_
    np.testing.assert_array_equal(a.losses_, b.losses_)  # NaN where an episode had no update
    assert (a.n_timesteps_, a.n_updates_, a.n_episodes_, a.epsilon_) == \
        (b.n_timesteps_, b.n_updates_, b.n_episodes_, b.epsilon_)
    assert a.q_network.optimizer.iterations == b.q_network.optimizer.iterations == a.n_updates_
    buf_a, buf_b = a.replay_buffer, b.replay_buffer
    assert (buf_a.pos, buf_a.size, buf_a.n_added) == (buf_b.pos, buf_b.size, buf_b.n_added)
    for name in ("states", "next_states", "actions", "rewards", "terminated", "truncated"):
        np.testing.assert_array_equal(getattr(buf_a, name), getattr(buf_b, name))
    np.testing.assert_array_equal(a._sample_state, b._sample_state)
    for x, y in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("stop", [dict(total_timesteps=900), dict(max_episodes=25),
                                  dict(target_mean_return=13.0, window=5, max_episodes=200)])
def test_one_c_call_equals_one_call_per_episode(stop):
    a = _cp_agent(2)
    b = copy.deepcopy(a)
    env_a, env_b = envs.CartPole(), envs.CartPole()
    a.learn(env_a, **stop)
    cb = _Count()
    b.learn(env_b, callbacks=[cb], **stop)
    assert cb.n == len(b.episode_returns_) > 3
    _assert_same_agent(a, b)
    np.testing.assert_array_equal(env_a.state, env_b.state)
    assert env_a._steps == env_b._steps
    if "target_mean_return" in stop:  # stopped at the first episode whose window mean reaches the target
        r = np.array(a.episode_returns_)
        means = np.array([r[max(0, i - 4):i + 1].mean() if i >= 4 else -1 for i in range(len(r))])
        assert len(r) < 200 and means[-1] >= 13 and (means[:-1] < 13).all()
    # a second call continues from where the first stopped, the same either way
    a.learn(env_a, total_timesteps=300)
    b.learn(env_b, total_timesteps=300, callbacks=[cb])
    _assert_same_agent(a, b)


def test_multi_episode_call_equals_python_reference_with_epsilon_schedule():
    a = _cp_agent(7)
    b = copy.deepcopy(a)
    a.learn(envs.CartPole(), max_episodes=30)
    _reference_learn(b, 30)
    assert a.episode_returns_ == b.episode_returns_
    assert a.epsilon_ == b.epsilon_ == pytest.approx(max(0.01, 0.5 * 0.9 ** 30))
    for x, y in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(x, y)


def test_cartpole_reset_is_numpy_and_gymnasium_reset():
    for seed in [0, 1, 17, 2**31 - 2, 2**32 + 3]:
        np.testing.assert_array_equal(rk.cartpole_reset(seed), np.random.default_rng(seed).uniform(-0.05, 0.05, 4))
        env = envs.CartPole()
        obs, _ = env.reset(seed=seed)
        np.testing.assert_array_equal(env.state, rk.cartpole_reset(seed))
    gym = pytest.importorskip("gymnasium")
    genv = gym.make("CartPole-v1").unwrapped
    genv.reset(seed=123)
    np.testing.assert_array_equal(np.asarray(genv.state, np.float64), rk.cartpole_reset(123))


def _learn_kernel(ag, n_threads, n_episodes=15):
    net, tgt, buf = ag.q_network, ag.target_q_network, ag.replay_buffer
    spec = dict(max_episode_steps=500, max_steps=1000, learn_every=ag.learn_every, batch_size=ag.batch_size,
                gamma=ag.gamma, tau=ag.tau, epsilon_min=ag.epsilon_min, epsilon_decay=ag.epsilon_decay, huber=True,
                double_dqn=True, max_episodes=n_episodes, step_budget=-1, episode_seed=ag._episode_seed,
                episode_index=0, target=None, window=10)
    out = [np.empty(n_episodes), np.empty(n_episodes, np.int64), np.empty(n_episodes), np.zeros(6, np.int64)]
    ring, eps, state = np.array([buf.pos, buf.size, buf.n_added], np.int64), np.array([ag.epsilon_]), np.zeros(4)
    last = np.empty(ag.batch_size, np.int64)
    rk.dqn_cartpole_learn(net._specs(training=True), tgt._specs(), net.optimizer._params(), buf.states,
                          buf.next_states, buf.actions, buf.rewards, buf.terminated, buf.truncated, ring, spec,
                          np.zeros(0), 0, eps, state, ag._sample_state, last, *out, n_threads)
    return out, ring, eps, state, last


def test_learn_kernel_one_and_two_threads_bitwise_identical():
    a = _cp_agent(3)
    b = copy.deepcopy(a)
    ra, rb = _learn_kernel(a, 1), _learn_kernel(b, 2)
    assert ra[0][3][0] == 15 and ra[0][3][2] > 0  # all episodes ran, with updates
    for x, y in zip(ra[0] + list(ra[1:]), rb[0] + list(rb[1:])):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(x, y)


def test_learn_kernel_rejects_bad_input():
    ag = _cp_agent()
    net, tgt, buf = ag.q_network, ag.target_q_network, ag.replay_buffer
    spec = dict(max_episode_steps=500, max_steps=1000, learn_every=2, batch_size=ag.batch_size, gamma=0.9, tau=0.1,
                epsilon_min=0.01, epsilon_decay=0.9, huber=False, double_dqn=False, max_episodes=3, step_budget=-1,
                episode_seed=0, episode_index=0, target=None, window=10)

    def call(**kw):
        args = dict(online_specs=net._specs(training=True), target_specs=tgt._specs(),
                    opt_params=net.optimizer._params(), states=buf.states, next_states=buf.next_states,
                    actions=buf.actions, rewards=buf.rewards, terminated=buf.terminated, truncated=buf.truncated,
                    ring=np.array([buf.pos, buf.size, buf.n_added], np.int64), spec=spec, history=np.zeros(0),
                    n_before=0, epsilon=np.array([0.5]), env_state=np.zeros(4), rng_state=ag._sample_state.copy(),
                    last_indices=np.empty(ag.batch_size, np.int64), returns=np.empty(3),
                    lengths=np.empty(3, np.int64), losses=np.empty(3), info=np.zeros(6, np.int64), n_threads=1)
        args.update(kw)
        return rk.dqn_cartpole_learn(**args)

    with pytest.raises(TypeError, match="returns"):
        call(returns=np.empty(2))
    with pytest.raises(TypeError, match="history"):
        call(history=np.zeros(11), n_before=20)
    with pytest.raises(ValueError):
        call(epsilon=np.array([1.5]))
    with pytest.raises(ValueError):
        call(ring=np.array([buf.capacity, 0, 0], np.int64))
    with pytest.raises(ValueError):
        call(spec=dict(spec, max_episodes=0))


CHILD = """
import json, sys, time
import numpy as np
from pyml.rl import DQN, envs
ag = DQN(4, 2, random_state=0, n_jobs=1, buffer_size=20000)
env = envs.CartPole()
print("ready", flush=True)
sys.stdin.readline()
try:
    ag.learn(env, total_timesteps=10**9)
except KeyboardInterrupt:
    delay = time.time() - float(open(sys.argv[1]).read())
    buf, eps = ag.replay_buffer, ag.epsilon_start
    for _ in range(ag.n_episodes_):
        eps = max(ag.epsilon_min, ag.epsilon_decay * eps)
    state = dict(delay=delay, n_t=ag.n_timesteps_, n_added=buf.n_added, pos=buf.pos, size=buf.size,
                 cap=buf.capacity, n_eps=ag.n_episodes_, n_ret=len(ag.episode_returns_),
                 n_len=len(ag.episode_lengths_), n_loss=len(ag.losses_), sum_len=sum(ag.episode_lengths_),
                 env_steps=env._steps, eps=ag.epsilon_, eps_ref=eps, iters=ag.q_network.optimizer.iterations,
                 n_upd=ag.n_updates_)
    ag.learn(env, total_timesteps=50)  # training resumes from the consistent state
    state.update(n_t2=ag.n_timesteps_, n_added2=buf.n_added)
    print(json.dumps(state), flush=True)
    sys.exit(0)
sys.exit(1)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery to a subprocess")
def test_ctrl_c_in_the_multi_episode_call_leaves_the_agent_consistent(tmp_path):
    stamp = tmp_path / "stamp"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(stamp)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        time.sleep(0.8)  # deep inside the one C call
        stamp.write_text(repr(time.time()))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    s = json.loads(out.strip().splitlines()[-1])
    assert s["delay"] < 1.0
    assert s["n_t"] == s["n_added"] > 1000 and s["n_eps"] == s["n_ret"] == s["n_len"] == s["n_loss"] > 5
    assert s["size"] == min(s["n_added"], s["cap"]) and s["pos"] == s["n_added"] % s["cap"]
    # the steps of the interrupted episode are stored and counted, the episode itself is not recorded
    assert s["n_t"] - s["sum_len"] == s["env_steps"] >= 0
    assert s["eps"] == s["eps_ref"] and s["iters"] == s["n_upd"] > 0
    assert s["n_t2"] == s["n_t"] + 50 == s["n_added2"]


def test_single_episode_kernel_equals_one_episode_of_learn():
    a = _cp_agent(5)
    b = copy.deepcopy(a)
    a.learn(envs.CartPole(), max_episodes=1)
    env = envs.CartPole()
    env.reset(seed=b._episode_seed)
    net, tgt, buf = b.q_network, b.target_q_network, b.replay_buffer
    ring, state, last = np.array([buf.pos, buf.size, 0], np.int64), env.state.copy(), np.empty(b.batch_size, np.int64)
    out, t, _ = rk.dqn_cartpole_episode(net._specs(training=True), tgt._specs(), net.optimizer._params(), buf.states,
                                        buf.next_states, buf.actions, buf.rewards, buf.terminated, buf.truncated, ring,
                                        state, 500, 1000, -1, b.epsilon_, b.batch_size, b.learn_every, b.gamma, b.tau,
                                        False, False, b._sample_state, last, 1)
    assert out[0] == out[3] == a.episode_returns_[0] == ring[2] and out[2] == a.n_updates_ > 0 and t == out[2]
    np.testing.assert_array_equal(a._sample_state, b._sample_state)
    for x, y in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(x, y)


# ---- the small-shape NN kernels the DQN update runs on (csrc/nn_impl.inc) -----------------------------

def _specs(rng, sizes, dtype):
    specs = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        s = dict(W=(rng.normal(size=(n_in, n_out)) * 0.3).astype(dtype), b=(rng.normal(size=n_out) * 0.1).astype(dtype),
                 activation=1 if i < len(sizes) - 2 else 0, l2=0.0)
        for k, like in (("gW", "W"), ("gb", "b"), ("mW", "W"), ("mb", "b"), ("vW", "W"), ("vb", "b")):
            s[k] = np.zeros_like(s[like])
        specs.append(s)
    return specs


def _np_net(specs, X):
    h = X.astype(np.float64)
    for i, s in enumerate(specs):
        h = h @ s["W"].astype(np.float64) + s["b"]
        if i < len(specs) - 1:
            h = np.maximum(h, 0)
    return h


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sizes", [[4, 64, 64, 2], [8, 64, 64, 4], [40, 64, 3], [33, 70, 1]])
def test_small_shape_forward_numpy_threads_and_row_by_row(dtype, sizes):
    rng = np.random.default_rng(len(sizes) + sizes[0])
    specs = _specs(rng, sizes, dtype)
    X = rng.normal(size=(77, sizes[0])).astype(dtype)
    out = nk.mlp_forward(specs, X, True, 1)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, _np_net(specs, X), rtol=tol, atol=tol)
    np.testing.assert_array_equal(out, nk.mlp_forward(specs, X, True, 2))
    # one row at a time (the acting forward) gives the batch's bits: every kernel forms the same sums
    rows = np.vstack([nk.mlp_forward(specs, X[i:i + 1], True, 1) for i in range(0, 77, 7)])
    np.testing.assert_array_equal(rows, out[::7])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sizes", [[8, 64, 64, 4], [40, 64, 2]])
def test_small_shape_gathered_step_numpy_and_threads(dtype, sizes):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(64, sizes[0])).astype(dtype)
    y = rng.normal(size=64).astype(dtype)
    cols = rng.integers(0, sizes[-1], 64).astype(np.int32)
    runs = []
    for nt in (1, 2):
        specs = _specs(np.random.default_rng(9), sizes, dtype)
        w0 = [(s["W"].astype(np.float64), s["b"].astype(np.float64)) for s in specs]
        loss, t = nk.mlp_train_step(specs, 0, False, {"kind": 1, "learning_rate": 1e-3, "t": 0}, X, y, None, cols, nt)
        runs.append((loss, specs))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        for k in ("W", "b", "gW", "gb", "mW", "vW"):
            np.testing.assert_array_equal(a[k], b[k])
    # the gradients against NumPy backprop of the gathered squared error
    acts, h = [X.astype(np.float64)], X.astype(np.float64)
    for i, (W, b) in enumerate(w0):
        h = h @ W + b
        if i < len(w0) - 1:
            h = np.maximum(h, 0)
        acts.append(h)
    d = h[np.arange(64), cols] - y
    assert runs[0][0] == pytest.approx(np.mean(d ** 2), rel=1e-5)
    dZ = np.zeros_like(h)
    dZ[np.arange(64), cols] = 2 * d / 64
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for i in range(len(w0) - 1, -1, -1):
        np.testing.assert_allclose(runs[0][1][i]["gW"], acts[i].T @ dZ, rtol=tol, atol=tol)
        np.testing.assert_allclose(runs[0][1][i]["gb"], dZ.sum(0), rtol=tol, atol=tol)
        dZ = (dZ @ w0[i][0].T) * (acts[i] > 0)
