"""``python benchmarks/bench.py [--only SECTION ...]``: the same command as ``make bench``
(:mod:`course_tools.bench`), under the name the instructors' notes and results.md gave it."""

import sys

from course_tools.bench.run import main

if __name__ == "__main__":
    sys.exit(main())
