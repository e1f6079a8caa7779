"""Reinforcement learning (Course 3, week 3): the Mars rover's state-action values,
the Deep Q-Network lab's functions, a C replay buffer and a compiled DQN."""
__all__ = []
# --- lab functions and the Mars rover (pyml/rl/_lab.py, _mars_rover.py) ---
from pyml.rl._lab import (  # noqa: E402
    check_update_conditions, compute_loss, get_action, get_experiences, get_new_eps, update_target_network,
)
from pyml.rl._mars_rover import optimal_policy, state_action_values  # noqa: E402

__all__ += ["compute_loss", "get_action", "check_update_conditions", "get_new_eps", "get_experiences",
            "update_target_network", "state_action_values", "optimal_policy"]
# --- replay buffer, DQN, environments (pyml/rl/_buffer.py, _dqn.py, envs/) ---
from pyml.rl._buffer import ReplayBuffer  # noqa: E402
from pyml.rl._dqn import DQN  # noqa: E402
from pyml.rl import envs  # noqa: E402

__all__ += ["ReplayBuffer", "DQN", "envs"]
