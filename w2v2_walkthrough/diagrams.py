"""Schematic diagrams of the extractor, drawn by code from the package's own arithmetic (so a
picture can never disagree with the numbers): the layer stack, the receptive-field tree, the
normalized axes, the chunk plan. Every function returns a ``matplotlib.figure.Figure``.
"""

from matplotlib.figure import Figure  # noqa: F401  (the type every diagram returns)

from .style import OKABE_ITO, new_figure, styled  # noqa: F401

# Diagrams are added above this line, one @styled function each.
