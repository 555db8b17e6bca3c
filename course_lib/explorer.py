"""The one base of the course's widgets: controls above a figure, redrawn on change.

Each lecture concept's module builds its own explorer on :class:`FigureExplorer` (e.g.
:func:`course_lib.recap.convolution.convolution_explorer`): a ``draw`` function from the
controls' values to a matplotlib figure, and the controls.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence

import ipywidgets as ipw
import matplotlib.pyplot as plt

#: Controls whose description is longer than ipywidgets' default width.
WIDE = {"description_width": "initial"}


def figure_png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes, closed afterwards (the widgets show images, so they work
    the same in JupyterLab, in a test, and without a kernel's output capture)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return buffer.getvalue()


class FigureExplorer(ipw.VBox):
    """Controls above a matplotlib figure, redrawn whenever a control changes.

    ``draw`` takes the controls' values as keyword arguments (named as in ``controls``) and
    returns a figure. The figure is shown as a PNG in ``image``; ``figure`` is the latest
    one (tests read its artists). Saved notebooks keep the last picture as a plain image,
    so it still shows where widgets cannot run (HTML export, a closed kernel).

    Args:
        draw: the controls' values -> a figure.
        controls: the widgets, by the name of ``draw``'s argument they set.
        extra: more widgets for the row of controls (e.g. a play button), not passed to ``draw``.
    """

    def __init__(
        self,
        draw: Callable[..., plt.Figure],
        controls: dict[str, ipw.ValueWidget],
        *,
        extra: Sequence[ipw.Widget] = (),
    ) -> None:
        self.draw = draw
        self.controls = controls
        self.figure: plt.Figure | None = None
        self.image = ipw.Image(format="png")
        row = ipw.HBox([*controls.values(), *extra], layout=ipw.Layout(flex_flow="row wrap"))
        super().__init__([row, self.image])
        for control in controls.values():
            control.observe(self.redraw, names="value")
        self.redraw()

    def redraw(self, _change: dict | None = None) -> None:
        """Draw the figure for the controls' current values."""
        self.figure = self.draw(**{name: control.value for name, control in self.controls.items()})
        self.image.value = figure_png(self.figure)

    def _repr_mimebundle_(self, **kwargs) -> dict:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return bundle
