"""Built-in environments with Gymnasium's API (no Gymnasium needed)."""
from pyml.rl.envs._cartpole import Box, CartPole, Discrete, make

__all__ = ["CartPole", "Discrete", "Box", "make"]
