"""The release notebooks on Colab: an "Open in Colab" link and a first cell that installs
the course where it is missing.

Set in ``nbgrader_config.py`` before ``make release``: ``c.ColabSetup.repository`` (the
course's public GitHub repository, for the link and, by default, for the install) and, to
install from elsewhere, ``c.ColabSetup.install`` (a pip requirement: a wheel's URL or
path). With neither set, the notebooks get neither. The cell installs the course alone,
keeping Colab's TensorFlow (its CUDA build); the sample photos and the weights come with
the package. Where ``course_lib`` can be imported (a laptop, the hub, grading) it does
nothing and prints nothing.
"""

from __future__ import annotations

import re

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
MARK = {"course": {"colab": True}}  # the metadata of the cells this module adds
INSTALL_CELL = """\
# On Colab, or any Python without the course: install it. Elsewhere: nothing.
import importlib.util

if importlib.util.find_spec("course_lib") is None:
    %pip install --quiet {requirement}"""


def colab_link(repository: str, assignment: str, branch: str = "main") -> str:
    """The "Open in Colab" address of ``assignment``'s release notebook in a GitHub
    ``repository`` (``https://github.com/<owner>/<name>``)."""
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", repository)
    if not match:
        raise ValueError(f"ColabSetup.repository must be https://github.com/<owner>/<name>, not {repository!r}")
    owner, name = match.groups()
    return f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/notebooks/{assignment}/{assignment}.ipynb"


def add_setup(nb: NotebookNode, assignment: str, repository: str = "", install: str = "") -> NotebookNode:
    """``nb`` with the link under its title (where ``repository`` is set) and the install
    cell before its first code cell (where either is set)."""
    requirement = install or (f"convnet-course @ git+{repository}" if repository else "")
    if not requirement:
        return nb
    if repository and nb.cells and nb.cells[0].cell_type == "markdown":
        link = f"[![Open In Colab]({BADGE})]({colab_link(repository, assignment)})"
        nb.cells[0].source = f"{nb.cells[0].source.rstrip()}\n\n{link}"
    cell = nbformat.v4.new_code_cell(INSTALL_CELL.format(requirement=f'"{requirement}"'), metadata=dict(MARK))
    cell.id = "colab-setup"  # the same at every release: notebooks/ stays in step with solutions/
    first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    nb.cells.insert(first, cell)
    return nb


class ColabSetup(NbGraderPreprocessor):
    """nbgrader's generate step: the Colab link and install cell of the notebook it releases."""

    repository = Unicode("", help="the course's GitHub repository, https://github.com/<owner>/<name>").tag(config=True)
    install = Unicode("", help="what the install cell installs (default: the repository)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        return add_setup(nb, resources["nbgrader"]["assignment"], self.repository, self.install), resources
