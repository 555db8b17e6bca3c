"""The library a student's kernel imports: the lecture's concepts, the photos, the models.

One module a concept, each with its pictures and its explorer (a widget), in the order of
the lecture (chapter 5 of *Deep Learning with R*):

- 5.1 convnets: :mod:`.convolution` (convolution, stride, padding, pooling),
  :mod:`.models` (the lecture's convnet);
- 5.2 training from scratch: :mod:`.data` (reading and loading photos), :mod:`.sources`
  (where they come from), :mod:`.downloads` (the full sets and their split),
  :mod:`.augment`, :mod:`.dropout`;
- 5.3 a pretrained convnet: :mod:`.pretrained` (EfficientNet-Lite0, read by
  :mod:`.weights` without torch), :mod:`.features` (feature extraction, cached);
- 5.4 what convnets learn: :mod:`.activations`, :mod:`.filters`, :mod:`.heatmaps`.

Shared by all: :mod:`.settings` (fast mode, data choice, folders), :mod:`.results`
(measurements and the book's figures), :mod:`.plots` (small figure helpers),
:mod:`.explorer` (the widgets' one base), :mod:`.stand_ins` (the course's version of each
exercise the lesson builds on, for a student who has not solved it yet), :mod:`.checks` (what
the test cells use) and :mod:`.backend`, the only module that imports TensorFlow; a notebook
calls ``backend.configure()`` in its first cell.

The tools that run the course (nbgrader, the classroom, the build, the command line)
live apart, in :mod:`course_tools`; nothing here imports them.
"""

__version__ = "0.1.0"
