"""What the exercises and their test cells use in a student's kernel: the checks a test cell
calls (:mod:`.checks`), the own-work guard's state (:mod:`.guard`), the course's version of
each exercise the lesson builds on (:mod:`.stand_ins`), and how values cross between the
grader and the kernel (:mod:`.remote`, :mod:`.recipes`)."""
