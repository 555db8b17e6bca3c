"""nbgrader settings for the convnet course (read by every nbgrader command run here)."""

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "convnet-course"
# Source notebooks (full solutions, visible and hidden tests) and the generated release.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"

# Grading runs notebooks in the course's fast mode (nbgrader sets NBGRADER_EXECUTION), so
# a cell takes seconds; the limit only guards against a runaway cell (e.g. an endless
# loop) without cutting off a slow machine.
c.ExecutePreprocessor.timeout = 120

# A submission after an assignment's due date (set in formgrader or with
# `nbgrader db assignment add <name> --duedate=...`) scores zero; "none" only flags it.
c.LateSubmissionPlugin.penalty_method = "zero"

# Each notebook's "What to expect" box and its measured tables are written from the
# course's benchmarks when the release is generated (course_tools/expectations.py).
from pathlib import Path  # noqa: E402

from course_tools.expectations import generate_preprocessors  # noqa: E402

c.GenerateAssignment.preprocessors = generate_preprocessors()
c.FromBenchmarks.benchmarks = str(Path(__file__).parent / "benchmarks" / "results.json")

# Colab (course_tools/colab.py): with the course's public GitHub repository set here, each
# release notebook gets an "Open in Colab" link and a first cell that installs the course
# where it is missing (it does nothing elsewhere). ColabSetup.install installs from another
# source instead (a wheel's URL). Set, then `make release`:
# c.ColabSetup.repository = "https://github.com/<owner>/convnet-course"
# c.ColabSetup.install = "https://example.org/convnet_course-0.1.0-py3-none-any.whl"

# nbgrader fails a test cell that writes to stderr (a warning, a progress bar): in this
# course only a failed assertion costs points, so a graded cell's stderr is kept as stdout,
# in autograding and in Validate.
from course_tools.streams import VALIDATE_KERNEL_ARGUMENTS, autograde_preprocessors  # noqa: E402

c.Autograde.autograde_preprocessors = autograde_preprocessors()
c.Validator.Execute.extra_arguments = VALIDATE_KERNEL_ARGUMENTS

# Feedback pages show each test's message, never the hidden tests' code or a traceback that
# quotes it; what a submission outputs (HTML, JavaScript, raw HTML in Markdown) never runs
# in the browser of whoever reads its feedback or grades it in formgrader.
from course_tools.feedback import Inert, feedback_preprocessors  # noqa: E402

c.GenerateFeedback.preprocessors = feedback_preprocessors()
c.HTMLExporter.preprocessors = [Inert]
c.HTMLExporter.sanitize_html = True
