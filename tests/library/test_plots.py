"""Tests for course_lib.plots."""

from __future__ import annotations

import matplotlib
import numpy as np

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


def test_history_puts_sparse_validation_at_the_epochs_it_was_measured():
    logs = {
        "accuracy": list(np.linspace(0.5, 0.9, 10)),
        "loss": list(np.linspace(0.7, 0.3, 10)),
        "val_accuracy": [0.6, 0.8],
        "val_loss": [0.6, 0.4],
    }  # fit(..., validation_freq=5)
    figure = plots.show_history(logs, validation_every=5)
    training, validation = figure.axes[0].get_lines()
    assert list(training.get_xdata()) == list(range(1, 11))
    assert list(validation.get_xdata()) == [5, 10] and list(validation.get_ydata()) == [0.6, 0.8]
    every_epoch = plots.show_history({**logs, "val_accuracy": logs["accuracy"], "val_loss": logs["loss"]})
    assert list(every_epoch.axes[1].get_lines()[1].get_xdata()) == list(range(1, 11))


def test_histories_side_by_side_share_the_axes_and_name_each_model():
    logs = {"accuracy": [0.5, 0.7, 0.9], "val_accuracy": [0.5, 0.6, 0.6]}
    figure = plots.show_histories({"neither": logs, "both": {**logs, "val_accuracy": [0.5, 0.7, 0.8]}})
    assert [ax.get_title() for ax in figure.axes] == ["neither", "both"]
    assert list(figure.axes[1].get_lines()[1].get_ydata()) == [0.5, 0.7, 0.8]
    assert figure.axes[0].get_ylim() == figure.axes[1].get_ylim()
    matplotlib.pyplot.close(figure)
