"""Keras's ``callbacks`` namespace: subclass ``Callback`` and override ``on_epoch_end(epoch, logs)``
(or pyml's ``on_iteration_end``); ``History``, ``EarlyStopping``, ``ReduceLROnPlateau``,
``LearningRateScheduler``, ``ModelCheckpoint``, ``CSVLogger``, ``TerminateOnNaN`` and
``LambdaCallback`` as in Keras."""
from pyml.utils.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)

__all__ = ["Callback", "CSVLogger", "EarlyStopping", "History", "LambdaCallback", "LearningRateScheduler",
           "ModelCheckpoint", "ReduceLROnPlateau", "TerminateOnNaN"]
