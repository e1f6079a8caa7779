"""Keras's ``activations`` namespace: the activation functions ``Dense(activation=...)`` accepts.

``layer.activation == activations.relu`` holds for a ``Dense(..., activation="relu")``.
"""
from pyml.neural_network._functions import leaky_relu, linear, relu, sigmoid, softmax, tanh

__all__ = ["linear", "relu", "leaky_relu", "sigmoid", "softmax", "tanh", "get"]


def get(identifier):
    """The activation function named ``identifier`` (or the function itself)."""
    if callable(identifier):
        return identifier
    names = {"linear": linear, "relu": relu, "leaky_relu": leaky_relu, "sigmoid": sigmoid, "softmax": softmax,
             "tanh": tanh}
    if identifier is None:
        return linear
    if identifier not in names:
        raise ValueError(f"activations.get: unknown activation {identifier!r}; choose one of {sorted(names)}")
    return names[identifier]
