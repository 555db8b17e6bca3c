"""The class hub fixture (see classhub.py)."""

from classhub import class_hub  # noqa: F401  (a pytest fixture)
