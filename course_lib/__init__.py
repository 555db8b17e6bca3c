"""Library behind the convnet course notebooks.

Its modules import Keras through :mod:`course_lib.backend`, which picks the TensorFlow
backend unless ``KERAS_BACKEND`` is already set: import ``course_lib`` modules before
``keras``.
"""

__version__ = "0.1.0"
