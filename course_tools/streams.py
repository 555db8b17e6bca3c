"""Grades decided by assertions, never by stderr.

nbgrader fails a test cell that writes anything to stderr, with no message to show for it:
a NumPy ``RuntimeWarning``, a ``DeprecationWarning``, a tqdm progress bar or a warning
from Keras would take a correct answer's points (and those of every later test cell that
calls it). The course's ``nbgrader_config.py`` puts :class:`StderrAsStdout` into
autograding, right after the notebook runs, and starts *Validate*'s kernel with its stderr
as stdout (:data:`VALIDATE_KERNEL_ARGUMENTS`): the text stays in the notebook and the
feedback, and only an error (a failed assertion) costs points.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from . import cells


def _stderr_as_stdout(cell: NotebookNode) -> None:
    """What ``cell`` wrote to stderr becomes stdout, if it is a graded cell."""
    if cell.cell_type == "code" and cells.is_grade(cell):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["name"] = "stdout"


class StderrAsStdout(NbGraderPreprocessor):
    """What a graded cell wrote to stderr becomes stdout (autograding)."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        _stderr_as_stdout(cell)
        return cell, resources


# Validate's kernel, and only Validate's (``c.Validator.Execute``): its Python stderr is its
# stdout from the start. (Validate's steps cannot be configured and nbgrader's Execute uses
# the ``on_cell_executed`` hook itself; the arguments of the kernel it starts can be.)
VALIDATE_KERNEL_ARGUMENTS = ["--InteractiveShellApp.exec_lines=import sys; sys.stderr = sys.stdout"]


def autograde_preprocessors() -> list[type]:
    """nbgrader's autograding steps, its ``Execute`` replaced by :class:`.verdict.VerdictExecute`
    (tests decided outside the student's kernel), with :class:`StderrAsStdout` after it."""
    from .verdict import VerdictExecute

    default = Autograde.class_traits()["autograde_preprocessors"].default()
    steps = [VerdictExecute if step is Execute else step for step in default]
    steps.insert(steps.index(VerdictExecute) + 1, StderrAsStdout)
    return steps
