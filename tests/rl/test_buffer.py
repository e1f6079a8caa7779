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


# ---- the C ring (csrc/rl_buffer.h) -------------------------------------------------------------------
from pyml.rl import DQN  # noqa: E402
from pyml.rl import _rl_kernels as rk  # noqa: E402


def _floyd_reference(state, size, batch):
    """Floyd's sampling written out with the kernel's generator (the rows the C sampler must return)."""
    out = []
    for j in range(size - batch, size):
        t = int(rk.rl_uniform(state, j + 1))
        out.append(j if t in out else t)
    return np.array(out)


@pytest.mark.parametrize("batch", [1, 7, 16, 17, 64, 300])  # > 16: the hash-set membership path
def test_sample_indices_equal_floyd_reference(batch):
    buf = ReplayBuffer(1000, 2, random_state=11)
    buf.add(np.zeros((400, 2)), np.zeros(400, int), np.zeros(400), np.zeros((400, 2)), False)
    for _ in range(5):
        ref_state = buf.rng_state.copy()
        idx = buf.sample_indices(batch)
        np.testing.assert_array_equal(idx, _floyd_reference(ref_state, 400, batch))
        np.testing.assert_array_equal(ref_state, buf.rng_state)
        assert len(np.unique(idx)) == batch and idx.min() >= 0 and idx.max() < 400


def test_sample_draws_the_rows_the_fused_update_draws():
    ag = DQN(3, 2, hidden_layer_sizes=(8,), batch_size=32, random_state=2)
    rng = np.random.default_rng(0)
    S = rng.normal(size=(200, 3))
    ag.replay_buffer.add(S, rng.integers(0, 2, 200), rng.normal(size=200), S, rng.random(200) < 0.1)
    state = ag._sample_state.copy()
    ag.update(1)
    ref = ReplayBuffer(5, 1)
    ref.rng_state[...] = state
    ref.add(np.zeros((5, 1)), 0, 0.0, np.zeros((5, 1)), False)
    np.testing.assert_array_equal(ag.replay_buffer.last_indices_, _floyd_reference(state.copy(), 200, 32))
    assert ag._sample_state is ag.replay_buffer.rng_state  # one stream for sampling, acting, updates


def test_every_subset_equally_likely():
    buf = ReplayBuffer(5, 1, random_state=4)
    buf.add(np.arange(5.0)[:, None], np.zeros(5, int), np.zeros(5), np.zeros((5, 1)), False)
    counts = {}
    n = 20000
    for _ in range(n):
        key = tuple(sorted(buf.sample_indices(2)))
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 10
    expected = n / 10
    chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
    assert chi2 < 33  # 9 dof: p ~ 1e-4


def test_batch_add_wraps_in_one_call_and_matches_numpy():
    cap, d = 7, 3
    buf = ReplayBuffer(cap, d, random_state=0)
    ref = {k: np.zeros_like(getattr(buf, k)) for k in ("states", "next_states", "actions", "rewards",
                                                        "terminated", "truncated")}
    rng = np.random.default_rng(1)
    pos, total = 0, 0
    for n in (3, 5, 1, 9, 6, 14):
        S, S2 = rng.normal(size=(n, d)), rng.normal(size=(n, d))
        A, R = rng.integers(0, 4, n), rng.normal(size=n)
        T, U = rng.random(n) < 0.5, rng.random(n) < 0.5
        buf.add(S, A, R, S2, T, truncated=U, n_actions=4)
        for i in range(n):  # the ring rule one transition at a time
            ref["states"][pos], ref["next_states"][pos], ref["actions"][pos] = S[i], S2[i], A[i]
            ref["rewards"][pos], ref["terminated"][pos], ref["truncated"][pos] = R[i], T[i], U[i]
            pos = (pos + 1) % cap
        total += n
        assert (buf.pos, len(buf), buf.n_added) == (pos, min(total, cap), total)
        for k, v in ref.items():
            np.testing.assert_array_equal(getattr(buf, k), v.astype(getattr(buf, k).dtype), err_msg=k)


def test_rejected_batch_leaves_the_ring_untouched():
    buf = ReplayBuffer(10, 2, random_state=0)
    buf.add([[1, 2], [3, 4]], [0, 1], [1.0, 2.0], [[0, 0], [0, 0]], [False, True])
    before = [getattr(buf, k).copy() for k in ("states", "actions", "rewards")] + [buf.pos, len(buf)]
    S, Z = np.ones((4, 2)), np.zeros((4, 2))
    S[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"state contains NaN or infinity \(row 2\)"):
        buf.add(S, [0, 0, 0, 0], [0.0] * 4, Z, False)
    with pytest.raises(ValueError, match=r"next_state contains NaN"):
        buf.add(Z, [0, 0, 0, 0], [0.0] * 4, S, False)
    with pytest.raises(ValueError, match=r"reward must be finite \(row 3\)"):
        buf.add(Z, [0, 0, 0, 0], [0.0, 0.0, 0.0, np.nan], Z, False)
    with pytest.raises(ValueError, match=r"actions must lie in \[0, 3\), got 3 \(row 1\)"):
        buf.add(Z, [0, 3, 0, 0], [0.0] * 4, Z, False, n_actions=3)
    with pytest.raises(ValueError, match="reward"):
        buf.add([1, 2], 0, 1e300 * 1e10, [1, 2], False)
    with pytest.raises(ValueError, match="NaN or infinity"):  # too large for float32
        buf.add([1e300, 2], 0, 0.0, [1, 2], False)
    after = [getattr(buf, k).copy() for k in ("states", "actions", "rewards")] + [buf.pos, len(buf)]
    for x, y in zip(before, after):
        np.testing.assert_array_equal(x, y)


def test_inputs_that_just_work():
    a, b = ReplayBuffer(20, 3, random_state=0), ReplayBuffer(20, 3, random_state=0)
    S = np.arange(30.0).reshape(10, 3)
    a.add(S, np.arange(10) % 2, np.arange(10.0), S + 1, np.arange(10) % 3 == 0)
    F = np.asfortranarray(S)
    big = S.astype(">f8")
    big.flags.writeable = False
    b.add(F, list(np.arange(10) % 2), (np.arange(10.0)).astype(">f4"), (S + 1)[::1].tolist(),
          (np.arange(10) % 3 == 0).astype(int))
    for k in ("states", "next_states", "actions", "rewards", "terminated"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
    c = ReplayBuffer(20, 3, random_state=0)
    c.add(big, np.arange(10) % 2, np.arange(10.0), S[:, ::-1][:, ::-1] + 1, np.arange(10) % 3 == 0)
    np.testing.assert_array_equal(c.states, a.states)
    b.add(np.float32([1, 2, 3]), np.int8(1), np.float32(0.5), (4, 5, 6), np.bool_(True), truncated=True)
    assert len(b) == 11 and b.terminated[10] and b.truncated[10] and b.actions[10] == 1


def test_sample_into_reused_buffers_and_float64():
    for dtype in ("float32", "float64"):
        a, b = ReplayBuffer(50, 4, random_state=7, dtype=dtype), ReplayBuffer(50, 4, random_state=7, dtype=dtype)
        X = np.random.default_rng(0).normal(size=(50, 4))
        for buf in (a, b):
            buf.add(X, np.arange(50) % 3, np.arange(50.0), -X, np.arange(50) % 4 == 0)
        out = a.sample_buffers(8)
        for _ in range(3):
            got = a.sample(8, out=out)
            ref = b.sample(8)
            assert got[0] is out[1] and got[4] is out[5]
            for x, y in zip(got, ref):
                np.testing.assert_array_equal(x, y)
            idx = b.last_indices_
            np.testing.assert_array_equal(ref[0], X[idx].astype(dtype))
            np.testing.assert_array_equal(ref[3], -X[idx].astype(dtype))
            np.testing.assert_array_equal(ref[4], (idx % 4 == 0).astype(dtype))
            assert ref[0].dtype == dtype and ref[1].dtype == np.int32
        with pytest.raises(ValueError, match="out"):
            a.sample(9, out=out)
        with pytest.raises(TypeError, match="out"):
            a.sample(8, out=out[:3])


def test_random_state_semantics_clear_and_pickle():
    import pickle

    def stream(rs, k=3):
        buf = ReplayBuffer(30, 1, random_state=rs)
        buf.add(np.zeros((30, 1)), 0, 0.0, np.zeros((30, 1)), False)
        return np.concatenate([buf.sample_indices(10) for _ in range(k)])

    np.testing.assert_array_equal(stream(5), stream(5))
    assert not np.array_equal(stream(5), stream(6))
    assert not np.array_equal(stream(None), stream(None))
    np.testing.assert_array_equal(stream(np.random.default_rng(3)), stream(np.random.default_rng(3)))
    np.testing.assert_array_equal(stream(np.random.SeedSequence(5)), stream(5))
    with pytest.raises(ValueError, match="random_state"):
        ReplayBuffer(3, 1, random_state="seed")
    buf = ReplayBuffer(30, 1, random_state=1)
    buf.add(np.arange(30.0)[:, None], 0, 0.0, np.zeros((30, 1)), False)
    buf.sample(4)
    clone = pickle.loads(pickle.dumps(buf))
    np.testing.assert_array_equal(clone.sample(6)[0], buf.sample(6)[0])
    assert (clone.pos, len(clone), clone.n_added) == (buf.pos, len(buf), buf.n_added) == (0, 30, 30)
    clone.add([1.0], 1, 2.0, [3.0], True)
    assert buf.rewards[0] == 0 and clone.rewards[0] == 2  # the copy owns its own ring
    buf.clear()
    assert len(buf) == 0 and buf.pos == 0 and buf.n_added == 0
    with pytest.raises(ValueError, match="batch_size"):
        buf.sample(1)
    with pytest.raises(ValueError, match="pos"):
        buf.pos = 30


@pytest.mark.parametrize("batch", [0, -3, True, 2.5, "8"])
def test_bad_batch_size(batch):
    buf = ReplayBuffer(10, 1)
    buf.add(np.zeros((10, 1)), 0, 0.0, np.zeros((10, 1)), False)
    with pytest.raises(ValueError, match="batch_size"):
        buf.sample(batch)


@pytest.mark.parametrize("field", ["done", "truncated"])
@pytest.mark.parametrize("value, shown", [(np.full(4, 2.0), "2.0"), (np.array([0, 1, 3, 0]), "3"),
                                          (np.array([0.0, np.nan, 1.0, 1.0]), "nan"), (-1, "-1")])
def test_add_flags_must_be_zero_or_one(field, value, shown):
    """A done/truncated value other than 0/1 (a reward or an action passed by mistake) is rejected; nothing
    is stored. 0/1 numbers and bools are stored as the flags they are."""
    b = ReplayBuffer(8, 2, random_state=0)
    S = np.arange(8.0).reshape(4, 2)
    kw = dict(done=value) if field == "done" else dict(done=False, truncated=value)
    with pytest.raises(ValueError, match=rf"{field} must be True/False \(or 0/1\), got {shown}"):
        b.add(S, 0, 1.0, S + 1, **kw)
    assert len(b) == 0
    b.add(S, 0, 1.0, S + 1, np.array([0.0, 1.0, 1.0, 0.0]), truncated=np.array([1, 0, 0, 1]))
    np.testing.assert_array_equal(b.terminated[:4], [False, True, True, False])
    np.testing.assert_array_equal(b.truncated[:4], [True, False, False, True])
