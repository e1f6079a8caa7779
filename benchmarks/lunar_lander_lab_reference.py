"""Independent reference of the Course 3 week 3 lab's DQN loop (C3_W3_A1_Assignment), in PyTorch (CPU).

Keras semantics reproduced: glorot_uniform kernels and zero biases, Adam(lr=1e-3, beta1=0.9, beta2=0.999,
epsilon=1e-7 applied to sqrt(v) *before* bias correction as Keras does: w -= lr_t m / (sqrt(v) + eps) with
lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)), MSE = mean over the batch, target network a copy of the Q-network,
soft update tau=1e-3 after every gradient step, update when (t + 1) % 4 == 0 and len(buffer) > 64 (t = step in
the episode), epsilon-greedy with random.random() > eps, eps <- max(0.01, 0.995 eps) per episode, replay sampled
uniformly without replacement (random.sample), batch 64, gamma 0.995, buffer 100k (deque), 1000 steps max,
solved when the mean of the last 100 returns >= 200, episodes counted as i + 1.

W10d peer: the same episodes-to-solve as benchmarks/lunar_lander_course_run.py, from an implementation that
shares no code with pyml (seeds 0-9 in the README). Minutes per seed; needs torch and gymnasium[box2d].

Usage: python benchmarks/lunar_lander_lab_reference.py SEED [terminal|bootstrap]
  bootstrap (default): a time-limit truncation is not terminal (as pyml); terminal: the lab's done = True.
"""
import random
import sys
import time
from collections import deque

import numpy as np
import torch

torch.set_num_threads(1)


def glorot(n_in, n_out, gen):
    limit = np.sqrt(6.0 / (n_in + n_out))
    return (torch.rand(n_in, n_out, generator=gen, dtype=torch.float32) * 2 - 1) * limit


class MLP:
    """Dense(64, relu) - Dense(64, relu) - Dense(4): params [W1, b1, W2, b2, W3, b3], W of shape (n_in, n_out)."""

    def __init__(self, dims, gen):
        self.params = []
        for a, b in zip(dims[:-1], dims[1:]):
            self.params += [glorot(a, b, gen).requires_grad_(), torch.zeros(b, requires_grad=True)]

    def __call__(self, x):
        p = self.params
        h = torch.relu(x @ p[0] + p[1])
        h = torch.relu(h @ p[2] + p[3])
        return h @ p[4] + p[5]


class KerasAdam:
    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, b1, b2, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0

    @torch.no_grad()
    def step(self):
        self.t += 1
        lr_t = self.lr * np.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            p.sub_(lr_t * m / (v.sqrt() + self.eps))
            p.grad = None


def main(seed=0, mode="bootstrap", max_episodes=2000):
    import gymnasium as gym

    random.seed(seed)
    gen = torch.Generator().manual_seed(seed)
    env = gym.make("LunarLander-v3")
    q = MLP([8, 64, 64, 4], gen)
    tq = MLP([8, 64, 64, 4], gen)
    with torch.no_grad():
        for a, b in zip(tq.params, q.params):
            a.copy_(b)
    for p in tq.params:
        p.requires_grad_(False)
    opt = KerasAdam(q.params)
    # live NumPy views of the Q-network for fast acting (same memory as the torch parameters)
    qn = [p.detach().numpy() for p in q.params]

    def act_q(s):
        h = np.maximum(s @ qn[0] + qn[1], 0)
        h = np.maximum(h @ qn[2] + qn[3], 0)
        return h @ qn[4] + qn[5]

    buf = deque(maxlen=100_000)
    gamma, tau, eps = 0.995, 1e-3, 1.0
    history = []
    t0 = time.perf_counter()
    n_steps = 0
    state, _ = env.reset(seed=seed)
    for i in range(max_episodes):
        if i > 0:
            state, _ = env.reset()
        total = 0.0
        for t in range(1000):
            if random.random() > eps:
                action = int(np.argmax(act_q(state.astype(np.float32))))
            else:
                action = random.choice(range(4))
            nxt, r, term, trunc, _ = env.step(action)
            done = term or trunc
            d = float(done if mode == "terminal" else term)
            buf.append((state, action, float(r), nxt, d))
            n_steps += 1
            if (t + 1) % 4 == 0 and len(buf) > 64:
                exp = random.sample(buf, k=64)
                S = torch.from_numpy(np.array([e[0] for e in exp], dtype=np.float32))
                A = torch.tensor([e[1] for e in exp], dtype=torch.int64)
                R = torch.tensor([e[2] for e in exp], dtype=torch.float32)
                S2 = torch.from_numpy(np.array([e[3] for e in exp], dtype=np.float32))
                D = torch.tensor([e[4] for e in exp], dtype=torch.float32)
                with torch.no_grad():
                    y = R + gamma * tq(S2).max(dim=1).values * (1 - D)
                qsa = q(S).gather(1, A[:, None])[:, 0]
                loss = torch.mean((y - qsa) ** 2)
                loss.backward()
                opt.step()
                with torch.no_grad():
                    for a, b in zip(tq.params, q.params):
                        a.copy_(tau * b + (1 - tau) * a)
            state = nxt
            total += r
            if done:
                break
        history.append(total)
        eps = max(0.01, 0.995 * eps)
        mean = np.mean(history[-100:])
        if (i + 1) % 100 == 0:
            print(f"  seed={seed} ep={i + 1} mean100={mean:.1f} steps={n_steps} {time.perf_counter() - t0:.0f}s",
                  flush=True)
        if len(history) >= 100 and mean >= 200:
            break
    print(f"REF seed={seed} mode={mode} solved={mean >= 200} episodes={len(history)} steps={n_steps} "
          f"mean_last_100={mean:.1f} wall={time.perf_counter() - t0:.1f}s", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0, sys.argv[2] if len(sys.argv) > 2 else "bootstrap")
