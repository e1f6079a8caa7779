"""The Deep Q-Learning lab's functions: the lab's public-test values, a NumPy reference, the lab's utils."""
import random
from collections import deque, namedtuple

import numpy as np
import pytest

from pyml.rl import (
    check_update_conditions, compute_loss, get_action, get_experiences, get_new_eps, update_target_network,
)

N_ACTIONS = 4


def _lab_batch():
    """The seeded mini-batch of the lab's public_tests.test_compute_loss."""
    np.random.seed(1)
    states = np.float32(np.random.rand(64, 8))
    actions = np.float32(np.floor(np.random.uniform(0, 1, (64,)) * 4))
    rewards = np.float32(np.random.rand(64))
    next_states = np.float32(np.random.rand(64, 8))
    done_vals = np.float32((np.random.uniform(0, 1, size=(64,)) > 0.96) * 1)
    return states, actions, rewards, next_states, done_vals


def _random_net(x):
    return np.float32(np.random.rand(x.shape[0], N_ACTIONS))


def _ones_net(x):
    return np.float32(np.ones((x.shape[0], N_ACTIONS)))


def _reference_loss(experiences, gamma, q_net, target_net):
    """Straight NumPy translation of the lab's TensorFlow code (one sample at a time)."""
    s, a, r, s2, d = experiences
    tq = target_net(s2)  # the lab evaluates the target network first
    q = q_net(s)
    total = 0.0
    for j in range(len(s)):
        y = float(r[j]) + (1 - float(d[j])) * gamma * float(np.max(tq[j]))
        total += (y - float(q[j, int(a[j])])) ** 2
    return total / len(s)


def test_lab_public_test_values():
    states, actions, rewards, next_states, done_vals = _lab_batch()
    loss = compute_loss((states, actions, rewards, next_states, done_vals), 0.995, _random_net, _random_net)
    assert isinstance(loss, float)
    assert np.isclose(loss, 0.6991737)  # the value the lab asserts
    done_vals = np.float32(np.ones(64))  # every episode terminates: y = r
    loss = compute_loss((states, actions, rewards, next_states, done_vals), 0.995, _ones_net, _ones_net)
    assert np.isclose(loss, 0.343270182)
    np.testing.assert_allclose(loss, np.mean((rewards.astype(np.float64) - 1) ** 2), rtol=1e-12)
    done_vals = np.float32((np.random.uniform(0, 1, size=(64,)) > 0.96) * 1)
    rewards = np.float32(np.ones(64))
    assert compute_loss((states, actions, rewards, next_states, done_vals), 0, _ones_net, _ones_net) == 0.0
    done_vals = np.float32((np.random.uniform(0, 1, size=(64,)) > 0.96) * 1)
    rewards = np.float32(np.zeros(64))
    assert compute_loss((states, actions, rewards, next_states, done_vals), 0, _ones_net, _ones_net) == 1.0


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.995, 1.0])
def test_matches_numpy_reference(gamma):
    rng = np.random.default_rng(0)
    batch = (rng.normal(size=(50, 6)), rng.integers(0, 3, 50), rng.normal(size=50), rng.normal(size=(50, 6)),
             (rng.random(50) < 0.2).astype(float))
    W1, W2 = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    q_net, t_net = (lambda x: x @ W1), (lambda x: np.tanh(x @ W2))
    np.testing.assert_allclose(compute_loss(batch, gamma, q_net, t_net), _reference_loss(batch, gamma, q_net, t_net),
                               rtol=1e-12)


def test_pyml_sequential_networks_are_callables():
    from pyml.neural_network import Dense, Input, Sequential

    q = Sequential([Input(shape=(8,)), Dense(16, activation="relu"), Dense(4)], random_state=0)
    t = Sequential([Input(shape=(8,)), Dense(16, activation="relu"), Dense(4)], random_state=1)
    batch = _lab_batch()
    ref = _reference_loss(batch, 0.995, q.predict, t.predict)
    np.testing.assert_allclose(compute_loss(batch, 0.995, q, t), ref, rtol=1e-6)


def test_get_action_is_the_labs_epsilon_greedy():
    q = np.array([[0.1, 2.0, -1.0, 0.5]], dtype=np.float32)
    assert get_action(q) == 1 and get_action(q[0], 0.0) == 1
    random.seed(7)
    got = [get_action(q, 0.3) for _ in range(2000)]
    random.seed(7)  # the lab: greedy when random.random() > eps, else random.choice(np.arange(4))
    want = []
    for _ in range(2000):
        want.append(1 if random.random() > 0.3 else int(random.choice(np.arange(4))))
    assert got == want
    counts = np.bincount(got, minlength=4) / 2000
    np.testing.assert_allclose(counts, [0.075, 0.775, 0.075, 0.075], atol=0.03)
    random.seed(0)
    assert set(get_action(q, 1.0) for _ in range(200)) == {0, 1, 2, 3}


def test_update_conditions_and_epsilon():
    buf = deque(range(65))
    assert check_update_conditions(3, 4, buf) and not check_update_conditions(4, 4, buf)
    assert not check_update_conditions(3, 4, deque(range(64)))  # needs MORE than one mini-batch of 64
    assert get_new_eps(1.0) == 0.995 and get_new_eps(0.01) == 0.01 and get_new_eps(0.0100001) == 0.01
    eps = 1.0
    for _ in range(534):
        eps = get_new_eps(eps)
    np.testing.assert_allclose(eps, max(0.01, 0.995 ** 534))


def test_get_experiences_like_the_lab():
    Experience = namedtuple("Experience", field_names=["state", "action", "reward", "next_state", "done"])
    buf = deque(maxlen=1000)
    for i in range(100):
        buf.append(Experience(np.full(8, i, dtype=np.float64), i % 4, float(i), np.full(8, i + 1.0), i % 10 == 0))
    random.seed(3)
    s, a, r, s2, d = get_experiences(buf)
    random.seed(3)
    idx = [e.reward for e in random.sample(buf, k=64)]
    assert s.shape == (64, 8) and s2.shape == (64, 8) and a.shape == r.shape == d.shape == (64,)
    assert all(x.dtype == np.float32 for x in (s, a, r, s2, d))
    np.testing.assert_array_equal(r, idx)
    np.testing.assert_array_equal(s[:, 0], r)
    np.testing.assert_array_equal(s2[:, 0], r + 1)
    np.testing.assert_array_equal(a, r % 4)
    np.testing.assert_array_equal(d, (r % 10 == 0).astype(np.float32))
    with pytest.raises(ValueError, match="fewer than"):
        get_experiences(deque(list(buf)[:10]))


def test_update_target_network_soft_update_exact():
    from pyml.neural_network import Dense, Input, Sequential

    q = Sequential([Input(shape=(8,)), Dense(16, activation="relu"), Dense(4)], random_state=0)
    t = Sequential([Input(shape=(8,)), Dense(16, activation="relu"), Dense(4)], random_state=1)
    q(np.zeros((1, 8), np.float32)), t(np.zeros((1, 8), np.float32))
    wq, wt = q.get_weights(), t.get_weights()
    assert update_target_network(q, t) is t
    for new, a, b in zip(t.get_weights(), wq, wt):
        np.testing.assert_allclose(new, 1e-3 * a + (1 - 1e-3) * b, rtol=1e-6, atol=1e-7)
    update_target_network(q, t, tau=1.0)
    for new, a in zip(t.get_weights(), wq):
        np.testing.assert_array_equal(new, a)


def test_update_target_network_any_get_set_weights():
    class Net:
        def __init__(self, w):
            self.w = [np.asarray(x, dtype=float) for x in w]

        def get_weights(self):
            return [x.copy() for x in self.w]

        def set_weights(self, w):
            self.w = [np.asarray(x) for x in w]

    a, b = Net([[1.0, 2.0], [3.0]]), Net([[0.0, 0.0], [1.0]])
    update_target_network(a, b, tau=0.25)
    np.testing.assert_allclose(b.w[0], [0.25, 0.5])
    np.testing.assert_allclose(b.w[1], [1.5])
    with pytest.raises(ValueError, match="different weight shapes"):
        update_target_network(Net([[1.0]]), b)
    with pytest.raises(TypeError, match="get_weights"):
        update_target_network(object(), b)


def test_bad_input():
    batch = _lab_batch()
    with pytest.raises(ValueError, match="gamma"):
        compute_loss(batch, 1.5, _ones_net, _ones_net)
    with pytest.raises(ValueError, match="tuple"):
        compute_loss(batch[:4], 0.9, _ones_net, _ones_net)
    s, a, r, s2, d = batch
    with pytest.raises(ValueError, match="actions must be integers"):
        compute_loss((s, a + 0.5, r, s2, d), 0.9, _ones_net, _ones_net)
    with pytest.raises(ValueError, match="actions must be integers"):
        compute_loss((s, a + 4, r, s2, d), 0.9, _ones_net, _ones_net)
    bad = r.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        compute_loss((s, a, bad, s2, d), 0.9, _ones_net, _ones_net)
    with pytest.raises(ValueError, match="inconsistent"):
        compute_loss((s, a[:10], r, s2, d), 0.9, _ones_net, _ones_net)
    with pytest.raises(ValueError, match="done_vals"):
        compute_loss((s, a, r, s2, d + 0.5), 0.9, _ones_net, _ones_net)
    with pytest.raises(TypeError, match="callable"):
        compute_loss(batch, 0.9, None, _ones_net)
    with pytest.raises(ValueError, match="rows"):
        compute_loss(batch, 0.9, lambda x: np.ones((3, 4)), _ones_net)
    with pytest.raises(ValueError, match="epsilon"):
        get_action([1.0, 2.0], epsilon=2)
    with pytest.raises(ValueError, match="q_values"):
        get_action(np.ones((2, 3)))
    with pytest.raises(ValueError, match="num_steps_upd"):
        check_update_conditions(0, 0, [])
    with pytest.raises(ValueError, match="tau"):
        update_target_network(None, None, tau=-1)


@pytest.mark.parametrize("t", [-1, 2.5, float("nan"), "abc", True])
def test_check_update_conditions_t_must_be_a_time_step(t):
    with pytest.raises(ValueError, match=r"t must be a non-negative integer"):
        check_update_conditions(t, 4, deque(range(100)))


def test_check_update_conditions_values_and_memory_buffer():
    mem = deque(range(65))
    assert [check_update_conditions(t, 4, mem) for t in range(8)] == [False, False, False, True] * 2
    assert check_update_conditions(np.int64(3), 4, mem) is True
    assert check_update_conditions(3, 4, deque(range(64))) is False  # needs more than MINIBATCH_SIZE
    with pytest.raises(TypeError, match="memory_buffer must be a sized container"):
        check_update_conditions(3, 4, 3)


@pytest.mark.parametrize("eps", [-0.1, 1.5, float("nan"), float("inf"), "abc"])
def test_get_new_eps_epsilon_must_be_a_probability(eps):
    with pytest.raises(ValueError, match=r"get_new_eps: epsilon must be a number in \[0, 1\]"):
        get_new_eps(eps)


def test_get_new_eps_values():
    assert get_new_eps(1.0) == 0.995 and get_new_eps(1) == 0.995
    assert get_new_eps(0.0) == 0.01 and get_new_eps(0.01) == 0.01  # max(E_MIN, 0.995 eps)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, "abc", None])
def test_get_experiences_batch_size_must_be_positive(batch_size):
    exp = namedtuple("Experience", ["state", "action", "reward", "next_state", "done"])
    mem = deque(exp(np.zeros(2), 0, 0.0, np.zeros(2), False) for _ in range(10))
    with pytest.raises(ValueError, match=r"get_experiences: batch_size must be a positive integer"):
        get_experiences(mem, batch_size=batch_size)
    assert get_experiences(mem, batch_size=np.int64(3))[0].shape == (3, 2)
    with pytest.raises(TypeError, match="memory_buffer"):
        get_experiences(5, batch_size=2)
