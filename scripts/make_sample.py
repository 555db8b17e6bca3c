"""Make the photo sample the course ships, from the Oxford-IIIT Pet copies in ../shared.

Run once by a maintainer (``.venv/bin/python scripts/make_sample.py``); its output is
committed under ``course_lib/resources/oxford_pets_sample/``. It keeps every cat (119, of
12 breeds) and as many dogs, taken round robin over the 25 dog breeds; orders each class
round robin over its breeds, so that every split holds most breeds; and writes the first
60 to ``train/``, the next 29 to ``validation/`` and the last 30 to ``test/``, each photo
shrunk to at most 224 px on its longer side (JPEG quality 85). ``MANIFEST.tsv`` records
each file's breed, original name and SHA-256; the course checks the files against it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import sys
from collections import defaultdict
from itertools import zip_longest
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "oxford_pets_sample"
TARGET = ROOT / "course_lib" / "resources" / "oxford_pets_sample"
PER_CLASS = {"train": 60, "validation": 29, "test": 30}
LONGER_SIDE = 224
QUALITY = 85


def _natural(name: str) -> list[int | str]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def round_robin(files: list[Path]) -> list[Path]:
    """Files ordered breed by breed in turn: the first of each breed, then the second ..."""
    by_breed: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(files, key=lambda p: _natural(p.name)):
        by_breed[path.stem.rsplit("_", 1)[0]].append(path)
    turns = zip_longest(*(by_breed[b] for b in sorted(by_breed)))
    return [path for turn in turns for path in turn if path is not None]


def main() -> int:
    if not SOURCE.is_dir():
        print(f"needs the Oxford-IIIT Pet copies at {SOURCE}", file=sys.stderr)
        return 1
    wanted = sum(PER_CLASS.values())
    if TARGET.exists():
        for split in PER_CLASS:
            shutil.rmtree(TARGET / split, ignore_errors=True)
    rows = []
    for class_name in ("cats", "dogs"):
        chosen = round_robin(list((SOURCE / class_name).glob("*.jpg")))[:wanted]
        slots = [split for split, n in PER_CLASS.items() for _ in range(n)]
        for path, split in zip(chosen, slots, strict=True):
            with Image.open(path) as img:
                img = img.convert("RGB")
                img.thumbnail((LONGER_SIDE, LONGER_SIDE), Image.Resampling.LANCZOS)
                buffer = io.BytesIO()
                img.save(buffer, "JPEG", quality=QUALITY, optimize=True)
            out = TARGET / split / class_name / path.name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(buffer.getvalue())
            rows.append(
                {
                    "path": out.relative_to(TARGET).as_posix(),
                    "breed": path.stem.rsplit("_", 1)[0],
                    "width": img.width,
                    "height": img.height,
                    "sha256": hashlib.sha256(buffer.getvalue()).hexdigest(),
                }
            )
    with open(TARGET / "MANIFEST.tsv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    size = sum(p.stat().st_size for p in TARGET.rglob("*.jpg"))
    print(f"wrote {len(rows)} photos, {size / 1e6:.2f} MB, to {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
