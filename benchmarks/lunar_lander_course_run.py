"""W10(d): train pyml's DQN with the course's defaults on LunarLander-v3 until the mean return of the
last 100 episodes reaches 200 (at most 2000 episodes); print episodes and wall time (course: 534 episodes).

Usage: python benchmarks/lunar_lander_course_run.py [seed] [n_jobs]
"""
import sys
import time

import numpy as np


def main(seed=0, n_jobs=None):
    import gymnasium as gym

    from pyml.rl import DQN

    env = gym.make("LunarLander-v3")
    agent = DQN(8, 4, random_state=seed, n_jobs=n_jobs)
    t0 = time.perf_counter()
    agent.learn(env, max_episodes=2000, max_steps=1000, target_mean_return=200, window=100, verbose=0)
    wall = time.perf_counter() - t0
    mean = float(np.mean(agent.episode_returns_[-100:]))
    solved = len(agent.episode_returns_) >= 100 and mean >= 200
    print(f"seed={seed} solved={solved} episodes={len(agent.episode_returns_)} steps={agent.n_timesteps_} "
          f"mean_last_100={mean:.1f} wall={wall:.1f}s")
    return agent


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0, int(sys.argv[2]) if len(sys.argv) > 2 else None)
