"""Keras's ``regularizers`` namespace: ``regularizers.l2(0.01)`` or ``regularizers.L2(0.01)`` adds
:math:`\\lambda \\sum W^2` to the loss (Keras's convention, which the course's labs use)."""
from pyml.neural_network._layers import L2

__all__ = ["L2", "l2"]


def l2(l2=0.01):
    """Keras's lowercase spelling: an :class:`L2` regularizer with factor ``l2``."""
    return L2(l2)
