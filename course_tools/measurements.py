"""What ``make run`` keeps of each chapter's run, without a line of it in the notebooks.

After a notebook has run, the build runs one more cell in its kernel (:func:`cell`): it
evaluates the expressions of :data:`SPECS` there and prints them as JSON; :func:`take`
reads them back and removes the cell, so neither the release nor the built pages show it.
``build/results.json`` holds what it found, and ``make bench`` (:mod:`course_tools.bench`) reads it there.
"""

from __future__ import annotations

import json

import nbformat
from nbformat import NotebookNode

MARKER = "convnet-course-measurements"

#: For each assignment: measurement name -> field -> a Python expression evaluated in the
#: notebook's kernel after it ran. A measurement whose ``when`` is false, or one of whose
#: expressions fails (its section was skipped), is left out.
SPECS: dict[str, dict[str, dict[str, str]]] = {
    "01-convnet-basics": {
        "scratch": {
            "test_accuracy": "float(scratch_accuracy)",
            "seconds": "scratch_seconds",
            "epochs": "EPOCHS",
            "image_size": "IMAGE_SIZE",
        },
        "scratch_augmented": {
            "test_accuracy": "float(augmented_accuracy)",
            "seconds": "augmented_seconds",
            "epochs": "AUGMENTED_EPOCHS",
            "image_size": "IMAGE_SIZE",
        },
        "one_at_a_time": {"test_accuracies": "accuracies", "epochs": "EPOCHS"},
        "synthetic": {"accuracies": "synthetic_accuracy", "real_images": "len(target_images[1])"},
    },
    "02-pretrained-convnets": {
        "feature_extraction": {
            "test_accuracy": "accuracy_features",
            "test_accuracy_single": "accuracy_single",
            "seconds": "round(seconds_features, 1)",
            "image_size": "IMAGE_SIZE",
            "features_from_cache": "cached",
        },
        "feature_extraction_augmented": {
            "test_accuracy": "accuracy_augmented",
            "test_accuracy_single": "accuracy_augmented_single",
            "seconds": "round(seconds_augmented, 1)",
            "epochs": "AUGMENTED_EPOCHS",
            "image_size": "IMAGE_SIZE",
            "same_budget_features_accuracy": "accuracy_same_budget",
        },
        "fine_tuning": {
            "test_accuracy": "accuracy_fine_tuning",
            "test_accuracy_single": "accuracy_fine_tuning_single",
            "seconds": "round(seconds_fine_tuning, 1)",
            "epochs": "FINE_TUNING_EPOCHS",
            "image_size": "IMAGE_SIZE",
            "first_layer": "FIRST_TRAINABLE",
        },
        "small_data": {"runs": "small_data.as_records(few_photos)", "seconds": "round(small_data_seconds, 1)"},
        "data_shift": {"when": "bool(shifts)", "models": "{shift.model: shift.as_record() for shift in shifts}"},
    },
    "03-visualizing-convnets": {
        "visualizing": {
            "grad_cam_ms": "round(grad_cam_ms, 1)",
            "filter_seconds": "round(filter_seconds, 2)",
            "filter_size": "filter_size",
            "filter_steps": "filter_steps",
            "occlusion_seconds": "round(occlusion_seconds, 2)",
            "method_ms": "{name: round(ms, 1) for name, ms in method_ms.items()}",
            "faithfulness": (
                "{name: {k: round(v, 4) for k, v in row.items()} for name, row in faithfulness_table.items()}"
            ),
            "faithfulness_steps": "steps",
        },
    },
}

_CODE = """\
import json as _json
_measured = {{}}
for _name, _fields in {specs!r}.items():
    try:
        if eval(_fields.get("when", "True")):
            _measured[_name] = {{_f: eval(_e) for _f, _e in _fields.items() if _f != "when"}}
    except Exception:
        pass
print({marker!r}, _json.dumps(_measured, default=float))
"""


def cell(assignment: str) -> NotebookNode | None:
    """The cell that reads ``assignment``'s measurements in its kernel (None: nothing to read)."""
    specs = SPECS.get(assignment)
    if not specs:
        return None
    return nbformat.v4.new_code_cell(
        _CODE.format(specs=specs, marker=MARKER), metadata={"course": {"measurements": True}}
    )


def take(nb: NotebookNode) -> dict[str, dict]:
    """Remove the measurement cell from ``nb`` (run); returns what it printed, {} if nothing."""
    found: dict[str, dict] = {}
    for index, candidate in enumerate(nb.cells):
        if candidate.get("metadata", {}).get("course", {}).get("measurements"):
            for output in nb.cells.pop(index).get("outputs", []):
                text = output.get("text", "")
                if output.get("output_type") == "stream" and text.startswith(MARKER):
                    found = json.loads(text[len(MARKER) :])
            break
    return found
