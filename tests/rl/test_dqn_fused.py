"""The fused C DQN update (csrc/rl.h via pyml.rl._rl_kernels): chunking, threads, sampling."""
import copy

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
