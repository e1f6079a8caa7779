"""Keras's ``callbacks`` namespace: subclass ``Callback`` and override ``on_epoch_end(epoch, logs)``
(or pyml's ``on_iteration_end``); ``History`` and ``EarlyStopping`` as in Keras."""
from pyml.utils.callbacks import Callback, EarlyStopping, History

__all__ = ["Callback", "EarlyStopping", "History"]
