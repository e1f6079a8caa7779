import numpy as np
import pytest

from pyml.rl import ReplayBuffer


def test_add_single_and_batch_wraparound():
    buf = ReplayBuffer(5, 2, random_state=0)
    buf.add([0, 0], 0, 0.0, [1, 1], False)
    S = np.arange(12, dtype=float).reshape(6, 2) + 1
    buf.add(S, np.arange(6) % 3, np.arange(6) + 1.0, S + 100, np.arange(6) % 2 == 0, truncated=True)
    assert len(buf) == 5
    assert buf.n_added == 7
    # 7 transitions into 5 slots: slots hold transitions 5, 6, 2, 3, 4 (0-based, global order)
    np.testing.assert_array_equal(buf.rewards, [5.0, 6.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(buf.states[0], S[4])
    np.testing.assert_array_equal(buf.next_states[1], S[5] + 100)
    assert buf.pos == 2
    assert buf.truncated.all()
    np.testing.assert_array_equal(buf.terminated, [True, False, False, True, False])


def test_sample_no_repeats_and_uniform():
    buf = ReplayBuffer(100, 3, random_state=1)
    X = np.random.default_rng(0).random((40, 3))
    buf.add(X, np.zeros(40, int), np.arange(40.0), X, np.zeros(40, bool))
    counts = np.zeros(40)
    for _ in range(2000):
        s, a, r, s2, d = buf.sample(10)
        idx = buf.last_indices_
        assert len(np.unique(idx)) == 10
        np.testing.assert_array_equal(r, idx)
        np.testing.assert_allclose(s, X[idx].astype(np.float32))
        counts[idx] += 1
    expected = 2000 * 10 / 40
    chi2 = np.sum((counts - expected) ** 2 / expected)
    assert chi2 < 80  # 39 dof: p ~ 1e-4


def test_sampling_seeded():
    a, b = ReplayBuffer(50, 1, random_state=3), ReplayBuffer(50, 1, random_state=3)
    for buf in (a, b):
        buf.add(np.arange(50.0)[:, None], np.zeros(50, int), np.zeros(50), np.zeros((50, 1)), False)
    np.testing.assert_array_equal(a.sample(8)[0], b.sample(8)[0])


@pytest.mark.parametrize("kwargs, match", [
    (dict(capacity=0, state_dim=2), "capacity"),
    (dict(capacity=10, state_dim=0), "state_dim"),
    (dict(capacity=10**14, state_dim=8), "GiB"),
])
def test_bad_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ReplayBuffer(**kwargs)


def test_bad_add_and_sample():
    buf = ReplayBuffer(10, 2)
    with pytest.raises(ValueError, match="shape"):
        buf.add([1, 2, 3], 0, 0.0, [1, 2], False)
    with pytest.raises(ValueError, match="NaN"):
        buf.add([np.nan, 2], 0, 0.0, [1, 2], False)
    with pytest.raises(ValueError, match="reward"):
        buf.add([1, 2], 0, np.nan, [1, 2], False)
    with pytest.raises(ValueError, match="action"):
        buf.add([1, 2], -1, 0.0, [1, 2], False)
    with pytest.raises(ValueError, match="actions must lie"):
        buf.add([1, 2], 5, 0.0, [1, 2], False, n_actions=4)
    with pytest.raises(TypeError):
        buf.add(["a", "b"], 0, 0.0, [1, 2], False)
    buf.add([1, 2], 0, 0.0, [1, 2], False)
    with pytest.raises(ValueError, match="batch_size"):
        buf.sample(2)
