"""Keras 3's ``fit(verbose=...)`` output for Sequential and Model.

verbose=1 in a terminal (stdout is a TTY, or a Jupyter kernel)::

    Epoch 3/10
    32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 1ms/step - loss: 0.2730 - accuracy: 0.9000

where the bar line is first drawn empty (``0/32``) when the epoch starts and
redrawn in place (``\\r``) when it ends. An epoch is one compiled call (no
Python between its mini-batches), so those are the two redraws. Not a TTY
(a file, a pipe, a CI log): the final bar line only, once per epoch.
verbose=2: ``32/32 - 0s - 1ms/step - loss: 0.2730`` per epoch.
"""
import sys
import time

from pyml.utils.callbacks import Callback

__all__ = ["KerasProgressBar"]

_WIDTH = 20
_BAR = "\u2501"  # ━


def _is_dynamic(stream):
    """Redraw in place where a terminal (or a notebook) shows the stream."""
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except ValueError:  # a closed stream
        return False
    return "ipykernel" in sys.modules and stream is sys.stdout


def _format_time(seconds):
    return f"{seconds:.0f}s"


def _format_step(seconds):
    """Keras's per-step time: us below a millisecond, ms below a second, else s."""
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class KerasProgressBar(Callback):
    """Prints what Keras 3 prints during ``fit`` (see the module docstring).

    Parameters
    ----------
    epochs : int
    steps : int
        Mini-batches per epoch.
    verbose : {1, 2}
    stream : file-like, optional
        Default: ``sys.stdout`` at the time of printing.
    """

    def __init__(self, epochs, steps, verbose=1, stream=None):
        self.epochs, self.steps, self.verbose, self.stream = int(epochs), max(1, int(steps)), verbose, stream
        self._start = None
        self._shown = 0

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_fit_begin(self, estimator, logs=None):
        self._start = time.perf_counter()

    @staticmethod
    def _metrics(logs):
        return "".join(f" - {k}: {v:.4f}" for k, v in (logs or {}).items())

    def _bar(self, done, dynamic):
        if not dynamic:
            return _BAR * _WIDTH
        filled = int(_WIDTH * done / self.steps)
        # filled part bold, the rest dim, as Keras draws it in a terminal
        return f"\x1b[1m{_BAR * filled}\x1b[0m\x1b[2m{_BAR * (_WIDTH - filled)}\x1b[0m"

    def epoch_begin(self, epoch):
        """Called by the fit loop before epoch ``epoch`` (0-based): the header and, in a
        terminal, the empty bar."""
        out = self._out()
        self._start = time.perf_counter()
        print(f"Epoch {epoch + 1}/{self.epochs}", file=out)
        if self.verbose == 1 and _is_dynamic(out):
            line = f"0/{self.steps} {self._bar(0, True)} 0s"
            self._shown = len(line)
            out.write(line)
        out.flush()

    def on_iteration_end(self, estimator, iteration, logs=None):
        now = time.perf_counter()
        elapsed = now - (self._start if self._start is not None else now)
        out = self._out()
        per_step = elapsed / self.steps
        if self.verbose == 1:
            dynamic = _is_dynamic(out)
            line = (f"{self.steps}/{self.steps} {self._bar(self.steps, dynamic)} {_format_time(elapsed)} "
                    f"{_format_step(per_step)}{self._metrics(logs)}")
            if dynamic:
                pad = max(0, self._shown - len(line))
                out.write("\r" + line + " " * pad + "\n")
            else:
                out.write(line + "\n")
            self._shown = 0
        else:
            out.write(f"{self.steps}/{self.steps} - {_format_time(elapsed)} - {_format_step(per_step)}"
                      f"{self._metrics(logs)}\n")
        out.flush()
        return False
