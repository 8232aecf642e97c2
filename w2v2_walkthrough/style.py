"""The one place that sets how every figure of the series looks.

Colour-blind-safe choices (the Okabe-Ito palette for lines, viridis for heatmaps, magma for the spectrogram),
font sizes readable from the back of a classroom, and PNG output. Plot functions are wrapped
with :func:`styled`; they build ``matplotlib.figure.Figure`` objects directly (not pyplot), so
nothing is shown twice in Jupyter and no global figure state leaks between calls.
"""

import functools

import matplotlib as mpl
from matplotlib.figure import Figure

#: Okabe & Ito (2008), a palette distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
HEATMAP_CMAP = "viridis"

RC = {
    "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
    "image.cmap": HEATMAP_CMAP,
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 14,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "lines.linewidth": 1.4,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
}

FULL_WIDTH = 11.0  # inches: wide enough to fill a slide or a notebook column


def styled(plot_function):
    """Run a plot function under the series' rcParams."""

    @functools.wraps(plot_function)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(RC):
            return plot_function(*args, **kwargs)

    return wrapper


def new_figure(height: float = 3.5, width: float = FULL_WIDTH) -> Figure:
    """A constrained-layout figure not registered with pyplot (call inside a :func:`styled` function)."""
    return Figure(figsize=(width, height), layout="constrained")
