"""DQN.save / DQN.load (.npz + a JSON meta record): training resumes bit for bit, and damaged,
truncated or crafted files raise a ValueError naming the file and the field (never a crash)."""
import copy
import json
import pickle

import numpy as np
import pytest

from pyml.rl import DQN, envs
from test_dqn_python_env import PyCartPole, _assert_same


def _agent(seed=1):
    return DQN(4, 2, hidden_layer_sizes=(16, 8), gamma=0.99, tau=0.05, learning_rate=0.01, batch_size=16,
               learn_every=2, epsilon_decay=0.8, buffer_size=400, random_state=seed)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    ag = _agent().learn(PyCartPole(), total_timesteps=500)
    path = tmp_path_factory.mktemp("dqn") / "agent.npz"
    ag.save(path, include_buffer=True)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: np.array(data[k]) for k in data.files}
    return ag, path, arrays


@pytest.mark.parametrize("env_factory", [PyCartPole, envs.CartPole])
def test_train_save_load_continue_equals_continuous(tmp_path, env_factory):
    a = _agent().learn(env_factory(), total_timesteps=450)  # 450 > 400: the ring has wrapped
    path = tmp_path / "agent.npz"
    a.save(path, include_buffer=True)
    b = DQN.load(path)
    c = copy.deepcopy(a)
    a.learn(env_factory(), total_timesteps=350)
    b.learn(env_factory(), total_timesteps=350)
    c.learn(env_factory(), total_timesteps=350)
    _assert_same(a, b)
    _assert_same(a, c)
    np.testing.assert_array_equal(a.losses_, b.losses_)


def test_save_without_buffer(tmp_path, trained):
    ag, _, _ = trained
    path = ag.save(tmp_path / "nobuf.dqn")  # any name: no ".npz" appended
    assert path.exists() and not (tmp_path / "nobuf.dqn.npz").exists()
    d = DQN.load(path)
    assert len(d.replay_buffer) == 0 and d.replay_buffer.capacity == ag.buffer_size
    assert d.q_network.optimizer.iterations == ag.q_network.optimizer.iterations > 0
    assert d.epsilon_ == ag.epsilon_ and d.episode_returns_ == ag.episode_returns_
    np.testing.assert_array_equal(d._sample_state, ag._sample_state)
    X = np.random.default_rng(0).normal(size=(20, 4))
    np.testing.assert_array_equal(d.q_values(X), ag.q_values(X))
    assert d.get_params() == ag.get_params()


def test_pickle_exact(trained):
    ag, _, _ = trained
    b = pickle.loads(pickle.dumps(ag))
    assert b._sample_state is b.replay_buffer.rng_state  # one generator after unpickling too
    c = copy.deepcopy(ag)
    b.learn(PyCartPole(), total_timesteps=200)
    c.learn(PyCartPole(), total_timesteps=200)
    _assert_same(b, c)


def _write(tmp_path, arrays, name="crafted.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def _meta(arrays, **changes):
    meta = json.loads(str(arrays["meta"]))
    for key, value in changes.items():
        if "." in key:
            outer, inner = key.split(".")
            meta[outer][inner] = value
        else:
            meta[key] = value
    return dict(arrays, meta=np.array(json.dumps(meta)))


@pytest.mark.parametrize("field, change, message", [
    ("q_W0", lambda a: a[:2], "q_W0"),
    ("q_b1", lambda a: np.full_like(a, np.nan), "q_b1"),
    ("target_W2", lambda a: a.astype(np.float64), "target_W2"),
    ("adam_vW1", lambda a: -np.ones_like(a), "adam_vW1"),
    ("adam_mb0", lambda a: np.full_like(a, np.inf), "adam_mb0"),
    ("rng_state", lambda a: np.zeros_like(a), "rng_state"),
    ("rng_state", lambda a: a.astype(np.int64), "rng_state"),
    ("episode_returns", lambda a: a[:-1], "episode_returns"),
    ("episode_lengths", lambda a: a * 1000, "episode_lengths"),
    ("buffer_actions", lambda a: a + 5, "buffer_actions"),
    ("buffer_states", lambda a: np.full_like(a, np.nan), "buffer_states"),
    ("buffer_terminated", lambda a: a.astype(np.uint8), "buffer_terminated"),
    ("buffer_rewards", lambda a: a[:10], "buffer_rewards"),
])
def test_crafted_arrays_rejected(trained, tmp_path, field, change, message):
    _, _, arrays = trained
    bad = dict(arrays)
    bad[field] = change(arrays[field])
    with pytest.raises(ValueError, match=message) as info:
        DQN.load(_write(tmp_path, bad))
    assert "crafted.npz" in str(info.value)


@pytest.mark.parametrize("changes, message", [
    (dict(epsilon=1.5), "epsilon"),
    (dict(n_timesteps=-1), "n_timesteps"),
    (dict(optimizer_iterations="7"), "optimizer_iterations"),
    (dict(n_episodes=10**6), "episode_returns"),
    (dict(n_layers=5), "n_layers"),
    (dict(dtype="float16"), "dtype"),
    (dict(format="pyml.rl.DQN/0"), "not a pyml DQN file"),
    ({"params.gamma": 3.0}, "params"),
    ({"params.buffer_size": 10**13}, "params|buffer"),
    ({"params.hidden_layer_sizes": [16, 8, 4]}, "n_layers|q_W"),
    ({"params.hidden_layer_sizes": [10**9, 8]}, "q_W0"),  # never allocates the 32 GB network
    ({"params.double_dqn": "yes"}, "double_dqn"),
    ({"params.loss": "l1"}, "loss"),
    ({"buffer.pos": 10**6}, "pos"),
    ({"buffer.size": -2}, "size"),
    ({"buffer.capacity": 3}, "buffer"),
    (dict(include_buffer="yes"), "include_buffer"),
])
def test_crafted_meta_rejected(trained, tmp_path, changes, message):
    _, _, arrays = trained
    with pytest.raises(ValueError, match=message) as info:
        DQN.load(_write(tmp_path, _meta(arrays, **changes)))
    assert "crafted.npz" in str(info.value)


def test_missing_fields_and_bad_meta(trained, tmp_path):
    _, _, arrays = trained
    for name in ("q_W1", "adam_vb2", "rng_state", "losses", "buffer_truncated", "meta"):
        with pytest.raises(ValueError, match=name):
            DQN.load(_write(tmp_path, {k: v for k, v in arrays.items() if k != name}))
    with pytest.raises(ValueError, match="JSON"):
        DQN.load(_write(tmp_path, dict(arrays, meta=np.array("{not json"))))
    with pytest.raises(ValueError, match="meta"):
        DQN.load(_write(tmp_path, dict(arrays, meta=np.arange(3))))
    with pytest.raises(ValueError, match="q_W7"):
        DQN.load(_write(tmp_path, dict(arrays, q_W7=np.zeros((2, 2), np.float32))))
    meta = json.loads(str(arrays["meta"]))
    del meta["n_updates"]
    with pytest.raises(ValueError, match="n_updates"):
        DQN.load(_write(tmp_path, dict(arrays, meta=np.array(json.dumps(meta)))))


@pytest.mark.parametrize("make", [
    lambda raw: b"",
    lambda raw: b"this is not a model file" * 10,
    lambda raw: raw[: len(raw) // 2],
    lambda raw: raw[:-7],
    lambda raw: raw[:100] + bytes(200) + raw[300:],
])
def test_garbage_and_truncated_files(trained, tmp_path, make):
    _, path, _ = trained
    bad = tmp_path / "damaged.npz"
    bad.write_bytes(make(path.read_bytes()))
    with pytest.raises(ValueError, match="damaged.npz"):
        DQN.load(bad)


def test_old_pickle_format_is_not_loaded(tmp_path):
    path = tmp_path / "old.pkl"
    path.write_bytes(pickle.dumps({"format": "pyml.rl.DQN/1", "state": {}}))
    with pytest.raises(ValueError, match="old.pkl"):
        DQN.load(path)


def test_untrained_agent_round_trip(tmp_path):
    a = DQN(3, 2, hidden_layer_sizes=4, random_state=None, epsilon_start=0.5)
    b = DQN.load(a.save(tmp_path / "fresh.npz"))
    X = np.random.default_rng(2).normal(size=(6, 3))
    np.testing.assert_array_equal(a.q_values(X), b.q_values(X))
    assert b.epsilon_ == 0.5 and b.n_timesteps_ == 0 and b.q_network.optimizer.iterations == 0
    np.testing.assert_array_equal(a._sample_state, b._sample_state)


def test_pickle_records_the_version_and_warns_on_a_mismatch(monkeypatch):
    import pickle

    import pyml
    from pyml.exceptions import InconsistentVersionWarning
    from pyml.rl import DQN

    blob = pickle.dumps(DQN(4, 2, random_state=0))
    assert "_pyml_version" not in vars(pickle.loads(blob))
    monkeypatch.setattr(pyml, "__version__", "0.0.1")
    with pytest.warns(InconsistentVersionWarning, match=r"0\.0\.1"):
        pickle.loads(blob)
