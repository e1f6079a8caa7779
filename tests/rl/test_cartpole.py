import numpy as np
import pytest

from pyml.rl.envs import CartPole, make


def test_api_and_termination():
    env = make("CartPole-v1")
    obs, info = env.reset(seed=0)
    assert obs.shape == (4,) and obs.dtype == np.float32 and np.all(np.abs(obs) <= 0.05)
    assert env.action_space.n == 2 and env.observation_space.shape == (4,)
    steps = 0
    while True:
        obs, r, term, trunc, _ = env.step(1)
        steps += 1
        assert r == 1.0
        if term or trunc:
            break
    assert term and not trunc and abs(obs[2]) > 12 * np.pi / 180 or abs(obs[0]) > 2.4
    with pytest.raises(ValueError, match="action"):
        env.step(2)
    with pytest.raises(ValueError, match="unknown environment"):
        make("Pong")


def test_truncation_at_500():
    env = CartPole()
    env.reset(seed=0)
    env.state = np.zeros(4)
    for i in range(500):
        env.state = np.zeros(4)  # keep it upright
        _, _, term, trunc, _ = env.step(i % 2)
    assert trunc and not term


def test_matches_gymnasium_step_for_step():
    gym = pytest.importorskip("gymnasium")
    genv = gym.make("CartPole-v1").unwrapped
    env = CartPole()
    o1, _ = genv.reset(seed=123)
    o2, _ = env.reset(seed=123)
    np.testing.assert_array_equal(o1, o2)
    rng = np.random.default_rng(0)
    for _ in range(300):
        a = int(rng.integers(2))
        r1 = genv.step(a)
        r2 = env.step(a)
        np.testing.assert_array_equal(r1[0], r2[0])
        assert r1[1:3] == r2[1:3]
        if r1[2]:
            o1, _ = genv.reset(seed=int(rng.integers(1000)))
            env.state = np.array(genv.state, dtype=np.float64)
            env._steps = 0


@pytest.mark.parametrize("n", [0, -1, 2.5, "abc", True, None])
def test_discrete_n_must_be_positive(n):
    from pyml.rl.envs import Discrete

    with pytest.raises(ValueError, match=r"Discrete: n must be a positive integer"):
        Discrete(n)


def test_discrete_and_box_values():
    from pyml.rl.envs import Box, Discrete

    d = Discrete(np.int64(3), rng=np.random.default_rng(0))
    assert d.n == 3 and all(d.contains(d.sample()) for _ in range(20)) and not d.contains(3)
    b = Box(-np.ones(3), [1, 2, np.inf])
    assert b.shape == (3,) and b.dtype == np.float32 and b.high[2] == np.inf
    np.testing.assert_array_equal(b.low, [-1, -1, -1])
    assert Box(0.0, np.ones(2)).shape == (2,)  # a scalar bound is broadcast
    assert Box(np.zeros(2), np.zeros(2)).shape == (2,)  # low == high is a valid (degenerate) box
    env = CartPole()
    assert env.observation_space.shape == (4,) and env.observation_space.high[0] == np.float32(4.8)


@pytest.mark.parametrize("low, high, exc, match", [
    (np.ones(2), np.zeros(2), ValueError, r"low must be <= high everywhere, got low=1.0 > high=0.0 at index 0"),
    ([0.0, 2.0], [1.0, 1.0], ValueError, r"at index 1; swap the bounds"),
    (np.zeros(2), np.ones(3), ValueError, r"low and high must have the same shape, got \(2,\) and \(3,\)"),
    ([np.nan, 0.0], np.ones(2), ValueError, r"low contains NaN"),
    (np.zeros(2), [1.0, np.nan], ValueError, r"high contains NaN"),
    (["a", "b"], np.ones(2), TypeError, r"low must be numeric"),
])
def test_box_bounds_checked(low, high, exc, match):
    from pyml.rl.envs import Box

    with pytest.raises(exc, match=match):
        Box(low, high)
