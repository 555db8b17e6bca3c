"""Tests for the helpers chapter 2 added to shared modules: pretrained.blocks,
plots.show_phases and results.comparison_markdown."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from course_lib import plots, pretrained, results  # noqa: E402  (pretrained sets the Keras backend)
from photos import make_folder  # noqa: E402


def test_blocks_sum_up_the_base():
    base = pretrained.efficientnet_lite0(include_top=False, image_size=256, pooling="avg", weights=None)
    rows = pretrained.blocks(base)
    names = [name for name, _, _ in rows]
    assert names[:3] == ["rescaling", "stem", "block1a"]
    assert names[-3:] == ["block7a", "top", "avg_pool"]
    assert len([n for n in names if n.startswith("block")]) == 16
    assert sum(params for _, _, params in rows) == base.count_params()
    assert dict((name, shape) for name, shape, _ in rows)["top"] == (None, 8, 8, 1280)


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


def test_comparison_markdown_says_what_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(make_folder(tmp_path / "mine", per_class=1)))
    table = results.comparison_markdown({"feature_extraction": {"test_accuracy": 0.992, "seconds": 95.4}})
    lines = table.splitlines()
    assert len(lines) == 2 + len(results.METHODS) + 2
    assert lines[-1] == f"*Measured on your folder {tmp_path / 'mine'}.*"
    assert "| pretrained: fast feature extraction | 90% | 99.2% | 95 s |" in lines
    assert "run 01-convnet-basics first" in lines[2]
    assert "run this notebook first" in table


def test_comparison_markdown_on_the_sample_says_it_is_not_the_book(monkeypatch):
    monkeypatch.setenv("COURSE_DATA", "sample")
    last = results.comparison_markdown({}).splitlines()[-1]
    assert last == (
        "*Measured on the course's photo sample (120 training photos, 60 test photos: one photo is 1.7%), "
        "not on the book's 2,000 training photos: these accuracies are not comparable with the book's.*"
    )
