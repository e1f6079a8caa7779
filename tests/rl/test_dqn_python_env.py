"""DQN.learn on a Python (Gymnasium-API) environment: one C crossing per env step (store the
transition, update when due, next epsilon-greedy action) must equal the step-by-step loop written
here in Python with the same generator calls, bit for bit."""
import copy

import numpy as np
import pytest

from pyml.neural_network import _nn_kernels as nk
from pyml.rl import DQN, envs
from pyml.rl import _rl_kernels as rk


class PyCartPole:
    """The built-in cart-pole's Python step behind a wrapper: not the built-in type, so DQN.learn
    runs the Python-environment path."""

    def __init__(self, max_episode_steps=500, c_step=False):
        self.inner = envs.CartPole(max_episode_steps)
        self.action_space, self.observation_space = self.inner.action_space, self.inner.observation_space
        self.c_step = c_step

    def reset(self, seed=None):
        return self.inner.reset(seed=seed)

    def step(self, action):
        if not self.c_step:
            return self.inner.step(action)
        # the C cart-pole step (the built-in C episode's dynamics) on the wrapped state
        inner = self.inner
        term = rk.cartpole_step(inner.state, int(action))
        inner._steps += 1
        trunc = not term and inner._steps >= inner.max_episode_steps
        return inner.state.astype(np.float32), 1.0, term, trunc, {}


def _agent(seed=0, **kw):
    params = dict(hidden_layer_sizes=(16, 16), gamma=0.99, tau=0.05, learning_rate=0.01, batch_size=16,
                  learn_every=2, epsilon_decay=0.8, buffer_size=300, random_state=seed)
    params.update(kw)
    return DQN(4, 2, **params)


def _reference_learn(ag, env, total_timesteps, max_steps=1000):
    """The Python-env training loop step by step: the C generator's epsilon draw, Python forward,
    env.step, buffer.add, update(1) when (t + 1) % learn_every == 0 and the buffer holds > batch."""
    ag._ensure_built()
    st, buf, start = ag._sample_state, ag.replay_buffer, ag.n_timesteps_
    while ag.n_timesteps_ - start < total_timesteps:
        obs = np.asarray(env.reset(seed=ag._episode_seed + ag.n_episodes_)[0], np.float32)
        ret, length = 0.0, 0
        for t in range(max_steps):
            if rk.rl_random(st) > ag.epsilon_:
                x = obs[None].astype(ag.q_network.layers[0].kernel.dtype)
                a = int(np.argmax(nk.mlp_forward(ag.q_network._specs(), x, False, 1)[0]))
            else:
                a = int(rk.rl_uniform(st, ag.n_actions))
            obs2, r, term, trunc, _ = env.step(a)
            obs2 = np.asarray(obs2, np.float32)
            buf.add(obs, a, r, obs2, term, trunc)
            ag.n_timesteps_ += 1
            ret += float(r)
            length += 1
            if (t + 1) % ag.learn_every == 0 and len(buf) > ag.batch_size:
                ag.update(1)
            obs = obs2
            if term or trunc or ag.n_timesteps_ - start >= total_timesteps:
                break
        ag.n_episodes_ += 1
        ag.epsilon_ = max(ag.epsilon_min, ag.epsilon_decay * ag.epsilon_)
        ag.episode_returns_.append(ret)
        ag.episode_lengths_.append(length)
    return ag


def _assert_same(a, b):
    assert a.episode_returns_ == b.episode_returns_ and a.episode_lengths_ == b.episode_lengths_
    assert a.n_timesteps_ == b.n_timesteps_ and a.n_updates_ == b.n_updates_ > 0
    assert a.epsilon_ == b.epsilon_
    assert a.q_network.optimizer.iterations == b.q_network.optimizer.iterations
    np.testing.assert_array_equal(a._sample_state, b._sample_state)
    ba, bb = a.replay_buffer, b.replay_buffer
    assert (ba.pos, ba.size, ba.n_added) == (bb.pos, bb.size, bb.n_added)
    for name in ("states", "next_states", "actions", "rewards", "terminated", "truncated"):
        np.testing.assert_array_equal(getattr(ba, name), getattr(bb, name))
    for x, y in zip(a.q_network.get_weights() + a.target_q_network.get_weights(),
                    b.q_network.get_weights() + b.target_q_network.get_weights()):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("kw", [{}, dict(loss="huber", double_dqn=True, learn_every=3)])
def test_python_env_training_equals_reference_loop(kw):
    a = _agent(**kw)
    a._ensure_built()
    b = copy.deepcopy(a)
    # 900 steps through a 300-row ring: the ring wraps, episodes end by termination and budget
    a.learn(PyCartPole(), total_timesteps=900)
    _reference_learn(b, PyCartPole(), 900)
    _assert_same(a, b)
    assert a.n_timesteps_ == 900 == sum(a.episode_lengths_) and a.replay_buffer.n_added == 900


def test_truncation_and_step_limits_match_reference():
    a = _agent(epsilon_start=0.3)
    a._ensure_built()
    b = copy.deepcopy(a)
    a.learn(PyCartPole(max_episode_steps=7), max_episodes=6, max_steps=5)
    _reference_learn(b, PyCartPole(max_episode_steps=7), 30, max_steps=5)
    assert a.episode_lengths_ == [5] * 6
    a.learn(PyCartPole(max_episode_steps=7), max_episodes=4)  # now the 7-step time limit ends them
    _reference_learn(b, PyCartPole(max_episode_steps=7), 28)
    _assert_same(a, b)
    assert a.replay_buffer.truncated[np.arange(30 + 6, 58, 7)].all()
    assert not a.replay_buffer.terminated[30:58].any()


def test_python_env_equals_built_in_c_episode():
    """With the same (C) dynamics, the per-step crossing and the all-in-C cart-pole episode take the
    same draws in the same order: identical training."""
    a = _agent(seed=4)
    a._ensure_built()
    b = copy.deepcopy(a)
    a.learn(envs.CartPole(), total_timesteps=700)
    b.learn(PyCartPole(c_step=True), total_timesteps=700)
    _assert_same(a, b)


class _BadEnv(PyCartPole):
    def __init__(self, bad, at=5):
        super().__init__()
        self.bad, self.at, self.k = bad, at, 0

    def step(self, action):
        obs, r, term, trunc, info = super().step(action)
        self.k += 1
        if self.k == self.at:
            if self.bad == "nan_obs":
                obs = obs.copy()
                obs[1] = np.nan
            elif self.bad == "shape":
                obs = obs[:3]
            elif self.bad == "text":
                obs = ["a", "b", "c", "d"]
            elif self.bad == "nan_reward":
                r = float("nan")
            elif self.bad == "huge":
                obs = obs.astype(np.float64) * 1e300
            elif self.bad == "none_reward":
                r = None
        return obs, r, term, trunc, info


@pytest.mark.parametrize("bad, match", [("nan_obs", "finite"), ("shape", r"\(4,\) vector"),
                                        ("text", "observation"), ("nan_reward", "finite reward"),
                                        ("huge", "finite"), ("none_reward", "reward None")])
def test_bad_env_output_is_rejected_and_state_stays_consistent(bad, match):
    ag = _agent()
    with pytest.raises((ValueError, TypeError), match=match):
        ag.learn(_BadEnv(bad), total_timesteps=50)
    # the 4 good steps were stored and counted; the bad one was not
    assert ag.n_timesteps_ == 4 == len(ag.replay_buffer) == ag.replay_buffer.n_added


def test_float64_buffer_falls_back_to_the_python_loop():
    from pyml.rl import ReplayBuffer

    a = _agent()
    a._ensure_built()
    a.replay_buffer_ = ReplayBuffer(300, 4, random_state=0, dtype="float64")
    b = copy.deepcopy(a)
    a.learn(PyCartPole(), total_timesteps=200)
    _reference_learn(b, PyCartPole(), 200)
    assert a.episode_returns_ == b.episode_returns_ and a.n_updates_ == b.n_updates_ > 0
    np.testing.assert_array_equal(a._sample_state, b._sample_state)


def test_step_binding_checks():
    ag = _agent()
    ag._ensure_built()
    buf, net = ag.replay_buffer, ag.q_network
    last = np.empty(16, np.int64)
    mk = lambda obs, eps=0.5: rk.DQNStepper(net._specs(training=True), ag.target_q_network._specs(),  # noqa: E731
                                          net.optimizer._params(), buf._kernel, obs, eps, 16, 2, 0.99, 0.05,
                                          False, False, 10, last, 1)
    with pytest.raises(ValueError, match="shape"):
        mk(np.zeros(5))
    with pytest.raises(ValueError, match="epsilon"):
        mk(np.zeros(4), eps=1.5)
    s = mk(np.zeros(4))
    with pytest.raises(RuntimeError, match="first_action"):
        s.step(np.zeros(4, np.float32), 1.0, False, False)
    a = s.first_action()
    assert a in (0, 1)
    assert s.step(np.zeros(4, np.float32), 1.0, True, False) == -1  # terminated: no next action
    assert len(buf) == 1 and buf.terminated[0] and not buf.truncated[0]


def test_float64_networks_and_buffer_use_the_float64_kernels():
    from pyml.rl import ReplayBuffer

    a = _agent(seed=3)
    a._ensure_built()
    for net in (a.q_network, a.target_q_network):
        net.dtype = np.dtype(np.float64)
        for layer in net.layers:
            layer.kernel, layer.bias = layer.kernel.astype(np.float64), layer.bias.astype(np.float64)
        net._grads = None
    a.q_network.optimizer._reset()
    a.replay_buffer_ = ReplayBuffer(300, 4, random_state=3, dtype="float64")
    b = copy.deepcopy(a)
    a.learn(PyCartPole(), total_timesteps=400)
    _reference_learn(b, PyCartPole(), 400)
    _assert_same(a, b)
    assert a.replay_buffer.states.dtype == np.float64 and a.q_network.layers[0].kernel.dtype == np.float64
