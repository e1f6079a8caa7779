"""Keras's ``optimizers`` namespace: ``Adam`` and ``SGD``."""
from pyml.neural_network._optimizers import SGD, Adam

__all__ = ["Adam", "SGD"]
