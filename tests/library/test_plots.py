"""Tests for course_lib.plots."""

from __future__ import annotations

import matplotlib

from course_lib import plots


def test_show_phases_draws_the_phases_end_to_end():
    fig = plots.show_phases(
        {
            "head": {"accuracy": [0.9, 0.95, 0.97], "val_accuracy": [0.96, 0.97, 0.98]},
            "fine-tuning": {"accuracy": [0.98, 0.99], "val_accuracy": [0.985, 0.99]},
        },
        title="phases",
    )
    (ax,) = fig.axes
    training = ax.lines[0::2]
    assert [list(line.get_xdata()) for line in training] == [[1, 2, 3], [4, 5]]
    assert [t.get_text() for t in ax.texts] == ["head", "fine-tuning"]
    matplotlib.pyplot.close(fig)
