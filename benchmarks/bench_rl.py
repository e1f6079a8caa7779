"""W10 (shared/BENCHMARKS.md): DQN. Q-network 8 -> 64 relu -> 64 relu -> 4, replay buffer 100_000,
minibatch 64, gamma 0.995, Adam 1e-3, soft update tau 1e-3 each update.

(a) updates per second: pyml ``DQN.update`` vs a plain PyTorch loop with a NumPy ring buffer;
(b) replay sampling rate: pyml ReplayBuffer (new arrays per batch, and into reused ``sample_buffers``) vs the
    course's deque + random.sample and a NumPy ring;
(c) training env-steps per second on LunarLander-v3 (20k steps, learn every 4) vs Stable-Baselines3 DQN
    with matched settings, and pyml on its built-in CartPole vs SB3 on Gymnasium's CartPole-v1; plus the
    per-step cost of pyml's Python-environment loop on a constant env (the act+store crossing into C).
unit_divisor = number of updates / samples / env steps, so run.py reports time per unit.
Run:  python benchmarks/run.py -k rl           (PYML_BENCH_SMALL=1 for a smoke run)
"""
import os
import random
from collections import deque

import numpy as np
import pytest

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")
N_UPDATES = 50 if SMALL else 2000
N_SAMPLES = 200 if SMALL else 20000
ENV_STEPS = 500 if SMALL else 20000
THREADS = [1, 2]
HP = dict(hidden_layer_sizes=(64, 64), learning_rate=1e-3, gamma=0.995, buffer_size=100_000, batch_size=64,
          learn_every=4, tau=1e-3)


def _transitions(n=10_000, d=8, seed=0):
    rng = np.random.default_rng(seed)
    S = rng.normal(size=(n, d)).astype(np.float32)
    return S, rng.integers(0, 4, n), rng.normal(size=n).astype(np.float32), S + 0.1, rng.random(n) < 0.05


@pytest.mark.parametrize("threads", THREADS)
def bench_pyml_dqn_updates(benchmark, record, threads):
    from pyml.rl import DQN

    ag = DQN(8, 4, random_state=0, n_jobs=threads, **HP)
    ag.replay_buffer.add(*_transitions())
    benchmark.pedantic(lambda: ag.update(N_UPDATES), rounds=1 if SMALL else 3, iterations=1)
    record(benchmark, "W10a", "pyml", threads, "updates", None, N_UPDATES)


@pytest.mark.parametrize("threads", THREADS)
def bench_torch_dqn_updates(benchmark, record, threads):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(threads)
    torch.manual_seed(0)

    def net():
        return torch.nn.Sequential(torch.nn.Linear(8, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                                   torch.nn.ReLU(), torch.nn.Linear(64, 4))

    q, qt = net(), net()
    qt.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=1e-3)
    S, A, R, S2, D = _transitions()
    rng = np.random.default_rng(0)
    n = len(S)

    def run():
        for _ in range(N_UPDATES):
            idx = rng.choice(n, 64, replace=False)
            s, s2 = torch.from_numpy(S[idx]), torch.from_numpy(S2[idx])
            a, r = torch.from_numpy(A[idx]), torch.from_numpy(R[idx])
            d = torch.from_numpy(D[idx].astype(np.float32))
            with torch.no_grad():
                y = r + 0.995 * qt(s2).max(1).values * (1 - d)
            qsa = q(s).gather(1, a.view(-1, 1)).squeeze(1)
            loss = torch.nn.functional.mse_loss(qsa, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                for pt, p in zip(qt.parameters(), q.parameters()):
                    pt.mul_(1 - 1e-3).add_(p, alpha=1e-3)

    benchmark.pedantic(run, rounds=1 if SMALL else 3, iterations=1)
    record(benchmark, "W10a", "pytorch", threads, "updates", None, N_UPDATES)


def bench_pyml_replay_sampling(benchmark, record):
    from pyml.rl import ReplayBuffer

    buf = ReplayBuffer(100_000, 8, random_state=0)
    S, A, R, S2, D = _transitions(100_000)
    buf.add(S, A, R, S2, D)
    benchmark.pedantic(lambda: [buf.sample(64) for _ in range(N_SAMPLES)], rounds=1 if SMALL else 3, iterations=1)
    record(benchmark, "W10b", "pyml", 1, "sample 64", None, N_SAMPLES, pair_all=False)


def bench_pyml_replay_sampling_reused(benchmark, record):
    """The same draws into preallocated outputs (ReplayBuffer.sample_buffers): nothing allocated."""
    from pyml.rl import ReplayBuffer

    buf = ReplayBuffer(100_000, 8, random_state=0)
    S, A, R, S2, D = _transitions(100_000)
    buf.add(S, A, R, S2, D)
    out = buf.sample_buffers(64)
    benchmark.pedantic(lambda: [buf.sample(64, out=out) for _ in range(N_SAMPLES)], rounds=1 if SMALL else 3,
                       iterations=1)
    record(benchmark, "W10b", "pyml (reused out)", 1, "sample 64", None, N_SAMPLES, pair_all=False)


class _ConstantEnv:
    """An env whose step costs ~nothing: DQN.learn's time per step is then the Python loop plus the
    one act+store(+update) crossing into C."""

    class action_space:
        n = 4

    class observation_space:
        shape = (8,)

    def __init__(self):
        self.obs, self.k = np.linspace(-1, 1, 8).astype(np.float32), 0

    def reset(self, seed=None):
        self.k = 0
        return self.obs, {}

    def step(self, action):
        self.k += 1
        return self.obs, 0.5, False, self.k >= 1000, {}


@pytest.mark.parametrize("learn_every", [4, 10**9], ids=["learn_every=4", "no updates"])
def bench_pyml_python_env_crossing(benchmark, record, learn_every):
    """Per-step cost of the Python-environment loop (greedy acting: one forward per step)."""
    from pyml.rl import DQN

    hp = dict(HP, learn_every=learn_every)
    ag = DQN(8, 4, random_state=0, epsilon_start=0.0, epsilon_min=0.0, **hp)
    env = _ConstantEnv()
    ag.learn(env, total_timesteps=1000)
    benchmark.pedantic(lambda: ag.learn(env, total_timesteps=ENV_STEPS), rounds=1, iterations=1)
    record(benchmark, "W10c", "pyml", 1, f"step crossing ({'learn every 4' if learn_every == 4 else 'act+store'})",
           None, ENV_STEPS)


def bench_deque_replay_sampling(benchmark, record):
    S, A, R, S2, D = _transitions(100_000)
    memory = deque(maxlen=100_000)
    for i in range(len(S)):
        memory.append((S[i], int(A[i]), float(R[i]), S2[i], bool(D[i])))
    random.seed(0)

    def run():
        for _ in range(N_SAMPLES):
            exp = random.sample(memory, k=64)
            (np.array([e[0] for e in exp]), np.array([e[1] for e in exp]), np.array([e[2] for e in exp]),
             np.array([e[3] for e in exp]), np.array([e[4] for e in exp], dtype=np.float32))

    benchmark.pedantic(run, rounds=1 if SMALL else 3, iterations=1)
    record(benchmark, "W10b", "course deque", 1, "sample 64", None, N_SAMPLES)


def bench_numpy_ring_replay_sampling(benchmark, record):
    S, A, R, S2, D = _transitions(100_000)
    rng = np.random.default_rng(0)

    def run():
        for _ in range(N_SAMPLES):
            idx = rng.integers(0, len(S), 64)
            S[idx], A[idx], R[idx], S2[idx], D[idx].astype(np.float32)

    benchmark.pedantic(run, rounds=1 if SMALL else 3, iterations=1)
    record(benchmark, "W10b", "numpy ring", 1, "sample 64", None, N_SAMPLES)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("env_name", ["LunarLander-v3", "CartPole-v1"])
def bench_pyml_dqn_env_steps(benchmark, record, env_name, threads):
    from pyml.rl import DQN, envs

    if env_name == "CartPole-v1":
        env, dims, impl = envs.make("CartPole-v1"), (4, 2), "pyml (built-in CartPole)"
    else:
        gym = pytest.importorskip("gymnasium")
        try:
            env = gym.make(env_name)
        except Exception as exc:  # box2d missing
            pytest.skip(f"{env_name}: {exc}")
        dims, impl = (8, 4), "pyml"
    ag = DQN(*dims, random_state=0, n_jobs=threads, **HP)
    benchmark.pedantic(lambda: ag.learn(env, total_timesteps=ENV_STEPS), rounds=1, iterations=1)
    record(benchmark, "W10c", impl, threads, env_name, None, ENV_STEPS)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("env_name", ["LunarLander-v3", "CartPole-v1"])
def bench_sb3_dqn_env_steps(benchmark, record, env_name, threads):
    sb3 = pytest.importorskip("stable_baselines3")
    gym = pytest.importorskip("gymnasium")
    torch = pytest.importorskip("torch")
    torch.set_num_threads(threads)
    try:
        env = gym.make(env_name)
    except Exception as exc:
        pytest.skip(f"{env_name}: {exc}")
    model = sb3.DQN("MlpPolicy", env, learning_rate=1e-3, buffer_size=100_000, learning_starts=64, batch_size=64,
                    tau=1e-3, gamma=0.995, train_freq=4, gradient_steps=1, target_update_interval=1,
                    policy_kwargs=dict(net_arch=[64, 64]), seed=0, device="cpu", verbose=0)
    benchmark.pedantic(lambda: model.learn(total_timesteps=ENV_STEPS), rounds=1, iterations=1)
    record(benchmark, "W10c", "stable-baselines3", threads, env_name, None, ENV_STEPS)
