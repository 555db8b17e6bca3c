"""Interactive widgets (ipywidgets) the chapters use to let students explore an idea.

Each function returns a widget to display in a notebook; moving its controls redraws a
matplotlib figure. The pure computation behind each widget lives in the module of its
concept, so it can be tested without a browser.
"""

from __future__ import annotations
