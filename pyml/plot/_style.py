"""The one set of colours, markers and sizes every pyml figure uses (so the tour reads as one book).

Semantic names first (what a colour means), then the palette they come from.
"""

# palette (matplotlib's tab10, colour-blind friendly)
PRIMARY = "tab:blue"
SECONDARY = "tab:orange"
ACCENT = "tab:green"
HIGHLIGHT = "tab:red"
MUTED = "tab:gray"
EXTRA = ("tab:purple", "tab:cyan", "tab:brown", "tab:pink", "tab:olive")
CATEGORICAL = "tab10"  # colormap for cluster / class indices
SEQUENTIAL = "viridis"  # colormap for continuous values (costs, densities)

# meaning
TRAIN = PRIMARY  # J_train, training data, training loss
CV = SECONDARY  # J_cv, validation / test data and loss
BEST = ACCENT  # the selected value (best degree, best lambda, best epsilon)
BASELINE = MUTED  # reference levels (baseline error, y = x, chance)
DATA = PRIMARY  # observed points
MODEL = HIGHLIGHT  # the fitted model's line / boundary
POSITIVE, POSITIVE_MARKER = HIGHLIGHT, "x"  # class 1 (admitted, good roast, anomaly)
NEGATIVE, NEGATIVE_MARKER = PRIMARY, "o"  # class 0

DPI = 150  # what the tour saves at
