"""The cats-vs-dogs photos every part uses: loading them (:mod:`.data`), where they come
from (:mod:`.sources`: a folder, the course's sample, a download) and the full sets the
course can download with the book's split (:mod:`.downloads`)."""
