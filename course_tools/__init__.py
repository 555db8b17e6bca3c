"""The tools that run the course, never imported by a student's kernel.

- :mod:`.course`: finding the course, its assignments and their notebooks;
- :mod:`.cells`: what nbgrader's metadata says of a cell (one place for it);
- :mod:`.config`: the one nbgrader configuration every step uses;
- :mod:`.scratch`: nbgrader driven in a throw-away copy of the course;
- :mod:`.reports`: what autograding gave, read back and printed;
- :mod:`.selfgrade`, :mod:`.release`, :mod:`.classroom`: the steps of students,
  self-learners and instructors; :mod:`.grading`: one submission autograded all or
  nothing, and one autograde at a time;
- :mod:`.hub`: a class's JupyterHub on one machine (``make hub``);
- :mod:`.build` and :mod:`.site`: ``make run``, the executed chapters and their site;
- :mod:`.cli`: the ``convnet-course`` command.
"""
