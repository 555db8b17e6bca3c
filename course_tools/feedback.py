"""What a feedback page or formgrader shows of a graded notebook: each test's message,
never the hidden tests' code, and nothing a submission could run in a reader's browser.

nbgrader's feedback page is the autograded notebook as HTML. As it comes, it shows every
test cell's source, hidden tests included, and each failed test's traceback (which quotes
the failing lines); and a submission's HTML and JavaScript outputs, or raw HTML in its
Markdown, run in the browser of whoever opens the page (the instructor, in formgrader).
The course's ``nbgrader_config.py`` adds these steps; see :func:`feedback_preprocessors`.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbconvert.filters import clean_html
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor

from . import cells

INERT = ("text/plain", "image/png", "image/jpeg", "image/gif")  # shown as text or as a picture, never run
HIDDEN_OUTPUT = "[output hidden: HTML or script from the notebook is not shown here]"


class TestMessagesOnly(NbGraderPreprocessor):
    """A test cell's error shows its message (``AssertionError: ...``), not the traceback
    that quotes the test's code."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code" and cells.is_grade(cell) and not cells.is_solution(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


class Inert(Preprocessor):
    """Nothing of the notebook can run in a browser: outputs keep only text and raster
    pictures; Markdown and raw cells keep their text, with HTML that cannot run (nbconvert's
    own ``clean_html``, as nbviewer uses)."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type in ("markdown", "raw"):
            cell.source = clean_html(cell.source)
            cell.pop("attachments", None)
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data is None:
                continue
            kept = {kind: value for kind, value in data.items() if kind in INERT}
            if len(kept) < len(data) and "text/plain" not in kept:
                kept["text/plain"] = HIDDEN_OUTPUT
            output["data"] = kept
        cell.get("metadata", {}).pop("widgets", None)
        return cell, resources

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)


def feedback_preprocessors() -> list[type]:
    """nbgrader's feedback steps, with the hidden tests and tracebacks removed and the
    outputs made inert."""
    return [GetGrades, ClearHiddenTests, TestMessagesOnly, Inert, CSSHTMLHeaderPreprocessor]
