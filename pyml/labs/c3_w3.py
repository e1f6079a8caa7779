"""Course 3 week 3 practice lab "Deep Q-Learning - Lunar Lander": the lab's ``utils`` functions.

``compute_loss(experiences, gamma, q_network, target_q_network)``, ``get_action(q_values, epsilon)``,
``check_update_conditions(t, num_steps_upd, memory_buffer)``, ``get_new_eps(epsilon)``,
``get_experiences(memory_buffer)``, ``update_target_network(q_network, target_q_network)``
(see :mod:`pyml.rl`). y = r + γ max_a Q̂(s′, a)(1 − done), loss = mean (y − Q(s, a))².
"""
from pyml.rl import (check_update_conditions, compute_loss, get_action, get_experiences, get_new_eps,
                     update_target_network)

__all__ = ["compute_loss", "get_action", "check_update_conditions", "get_new_eps", "get_experiences",
           "update_target_network"]
