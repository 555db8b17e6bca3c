"""Tests for course_lib.explorer, the widgets' one base."""

from __future__ import annotations

import base64

from course_lib.recap import convolution


def test_saved_notebooks_keep_the_last_picture() -> None:
    explorer = convolution.pooling_explorer()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
