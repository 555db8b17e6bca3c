"""The library a student's kernel imports: the lecture's concepts, the photos, the models.

Grouped like the lecture (chapter 5 of *Deep Learning with R*), one module a concept, each
with its pictures and its explorer (a widget):

- :mod:`.recap`: part 1, convnets and training from scratch (5.1, 5.2; chapter 1);
- :mod:`.pretrained`: part 2, using a pretrained convnet (5.3; chapter 2);
- :mod:`.visualizing`: part 3, what convnets learn (5.4; chapter 3);
- :mod:`.photos`: the cats-vs-dogs photos every part uses;
- :mod:`.exercises`: what the exercises and their test cells use in the kernel.

Shared by all, at the top: :mod:`.backend` (the only module that imports TensorFlow; a
notebook calls ``backend.configure()`` in its first cell), :mod:`.settings` (fast mode,
data choice, folders), :mod:`.machine` (what the course runs on), :mod:`.results`
(measurements and the book's figures), :mod:`.confidence` (how sure an accuracy is),
:mod:`.plots` (small figure helpers) and :mod:`.explorer` (the widgets' one base).

The tools that run the course (nbgrader, the classroom, the build, the command line)
live apart, in :mod:`course_tools`; nothing here imports them.
"""

__version__ = "0.1.0"
