"""The one set of colours, markers, sizes and layout every pyml figure uses (so the tour reads as one book).

Semantic names first (what a colour means), then the palette they come from. Figures made through
:mod:`pyml.plot` (``subplots``, ``figure`` and every display that creates its own figure) use
``LAYOUT`` and ``DPI``; series without a meaning of their own take ``SERIES`` in order.
"""

# palette (matplotlib's tab10, colour-blind friendly)
PRIMARY = "tab:blue"
SECONDARY = "tab:orange"
ACCENT = "tab:green"
HIGHLIGHT = "tab:red"
MUTED = "tab:gray"
EXTRA = ("tab:purple", "tab:cyan", "tab:brown", "tab:pink", "tab:olive")
SERIES = (PRIMARY, SECONDARY, ACCENT, HIGHLIGHT, *EXTRA)  # several runs on one axes, in this order
CATEGORICAL = "tab10"  # colormap for cluster / class indices
SEQUENTIAL = "viridis"  # colormap for continuous values (costs, densities)

# meaning
TRAIN = PRIMARY  # J_train, training data, training loss
CV = SECONDARY  # J_cv, validation / test data and loss
BEST = ACCENT  # the selected value (best degree, best lambda, best epsilon)
BASELINE = MUTED  # reference levels (baseline error, y = x, chance)
REFERENCE = "black"  # lines the data is compared with (y = x, decision boundary, threshold)
DATA = PRIMARY  # observed points
MODEL = HIGHLIGHT  # the fitted model's line / boundary
POSITIVE, POSITIVE_MARKER = HIGHLIGHT, "x"  # class 1 (admitted, good roast, anomaly)
NEGATIVE, NEGATIVE_MARKER = PRIMARY, "o"  # class 0
ANOMALY = HIGHLIGHT  # flagged examples (circled)
EPISODE, MOVING_AVERAGE = EXTRA[1], EXTRA[0]  # raw episode returns / their moving average
TREE_SPLIT, TREE_LEAF, TREE_CUT = "#dde7f5", "#d9ead3", "white"  # tree boxes: split, leaf, "…" subtree
TREE_EDGE = MUTED
STATE, TERMINAL_STATE = "#d6eaf8", "#f4d03f"  # Mars rover boxes
ACTION = "#c0392b"  # the optimal action's arrow
Q_LEFT, Q_RIGHT = "#1f618d", "#117a65"  # Q(s, left) / Q(s, right) numbers

# figures
DPI = 150  # figures are created and saved at this resolution
LAYOUT = "constrained"  # constrained_layout: labels, titles and legends never overlap or clip


def series_colour(i):
    """Colour of the i-th unnamed series (cycles through ``SERIES``)."""
    return SERIES[i % len(SERIES)]


def history_colour(key, i):
    """Colour of a training-history curve: training loss -> TRAIN, validation loss -> CV, else SERIES."""
    key = str(key).lower()
    if key.startswith("val") or "valid" in key or "test" in key:
        return CV
    if key in ("loss", "train", "training", "train_loss") or key.startswith("train"):
        return TRAIN
    return series_colour(i + 2)
