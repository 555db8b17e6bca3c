"""Tests for course_lib.photos.downloads: the book's split built from Kaggle's zip and from the
Oxford-IIIT Pet tarball (small archives the tests make), and the download's errors.

The real downloads (825 and 792 MB) cannot run here: ``pooch.retrieve`` is replaced.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pooch
import pytest
import requests
from PIL import Image

from course_lib.photos import data, downloads
from helpers import jpeg_bytes, photo, png_bytes

pytestmark = pytest.mark.usefixtures("isolated_data")
SMALL = {"train": 3, "validation": 2, "test": 2}


def names(out: Path, split: str, class_name: str) -> list[str]:
    return [p.name for p, label in data.list_images(split, out) if label == data.CLASSES.index(class_name)]


# --- Kaggle's zip --------------------------------------------------------------------


def make_zip(path: Path) -> dict[str, bytes]:
    """A PetImages zip: cats and dogs 0..10 with bad files, members in string order."""
    members: dict[str, bytes] = {}
    for zip_class in ("Cat", "Dog"):
        for n in range(11):
            members[f"PetImages/{zip_class}/{n}.jpg"] = jpeg_bytes(photo(n + 20 * (zip_class == "Dog")))
        members[f"PetImages/{zip_class}/Thumbs.db"] = b"\xd0\xcf\x11\xe0 thumbnails"
    members["PetImages/Cat/3.jpg"] = b""
    members["PetImages/Cat/5.jpg"] = png_bytes(photo(5))
    good = members["PetImages/Dog/2.jpg"]
    members["PetImages/Dog/2.jpg"] = good[: len(good) // 2]
    members["PetImages/Dog/9.jpg"] = b""  # never reached: the dogs are complete before it
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("PetImages/", b"")
        for name in sorted(members):
            zf.writestr(name, members[name])
    return members


def test_build_split_from_a_small_zip(tmp_path, capsys):
    members = make_zip(tmp_path / "pets.zip")
    out = tmp_path / "split"
    manifest = downloads.build_split(tmp_path / "pets.zip", out, per_class=SMALL)

    assert names(out, "train", "cats") == ["cat.0.jpg", "cat.1.jpg", "cat.2.jpg"]
    assert names(out, "validation", "cats") == ["cat.4.jpg", "cat.6.jpg"]
    assert names(out, "test", "cats") == ["cat.7.jpg", "cat.8.jpg"]
    assert names(out, "train", "dogs") == ["dog.0.jpg", "dog.1.jpg", "dog.3.jpg"]
    assert names(out, "validation", "dogs") == ["dog.4.jpg", "dog.5.jpg"]
    assert names(out, "test", "dogs") == ["dog.6.jpg", "dog.7.jpg"]
    assert (out / "test" / "dogs" / "dog.7.jpg").read_bytes() == members["PetImages/Dog/7.jpg"]

    skipped = {s["file"]: s["reason"] for s in manifest["skipped"]}
    assert list(skipped) == ["PetImages/Cat/3.jpg", "PetImages/Cat/5.jpg", "PetImages/Dog/2.jpg"]
    assert skipped["PetImages/Cat/3.jpg"] == "empty"
    assert skipped["PetImages/Cat/5.jpg"] == "PNG image, not JPEG"
    assert "truncated" in skipped["PetImages/Dog/2.jpg"]
    assert manifest["converted"] == []
    printed = capsys.readouterr().out
    assert "Files that are not readable photos: 3: PetImages/Cat/3.jpg (empty), " in printed
    assert json.loads((out / downloads.MARKER).read_text()) == manifest
    assert manifest["counts"]["validation"] == {"cats": 2, "dogs": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pets.zip", "split"]  # no leftovers

    again = downloads.build_split(tmp_path / "no-such.zip", out, per_class=SMALL)  # not rebuilt
    assert again == manifest and capsys.readouterr().out == ""


def test_build_split_failures_leave_nothing_behind(tmp_path):
    make_zip(tmp_path / "pets.zip")
    with pytest.raises(ValueError, match="only 9 readable cats photos, 14 needed"):
        downloads.build_split(tmp_path / "pets.zip", tmp_path / "split", {"train": 10, "test": 4})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pets.zip"]
    (tmp_path / "split").mkdir()
    with pytest.raises(FileExistsError, match="no split.json"):
        downloads.build_split(tmp_path / "pets.zip", tmp_path / "split", SMALL)


# --- the Oxford-IIIT Pet tarball -----------------------------------------------------

CAT_BREEDS = ("Abyssinian", "Egyptian_Mau")
DOG_BREEDS = ("beagle", "great_pyrenees")


def make_tar(path: Path, gzip: bool) -> dict[str, bytes]:
    """An ``images/`` tarball like Oxford-IIIT Pet's: 2 cat and 2 dog breeds, 6 photos
    each, with a PNG and an RGBA PNG under .jpg names, a truncated JPEG among the cats, a
    corrupt file among the dogs and a .mat file: 11 usable photos per species."""
    members: dict[str, bytes] = {}
    seed = 0
    for breed in CAT_BREEDS + DOG_BREEDS:
        for n in range(1, 7):
            seed += 1
            members[f"images/{breed}_{n}.jpg"] = jpeg_bytes(photo(seed))
    members["images/Egyptian_Mau_2.jpg"] = png_bytes(photo(50))
    members["images/beagle_3.jpg"] = png_bytes(photo(51).convert("RGBA"))
    members["images/great_pyrenees_2.jpg"] = np.random.default_rng(0).bytes(2000)  # both bad ones come
    # before the last photo of their species in the fixed order, so they are always reached
    members["images/Abyssinian_6.jpg"] = members["images/Abyssinian_6.jpg"][:300]
    members["images/Abyssinian_100.mat"] = b"MATLAB 5.0 MAT-file"
    with tarfile.open(path, "w:gz" if gzip else "w") as tf:
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            tf.addfile(info, io.BytesIO(members[name]))
    return members


@pytest.mark.parametrize("gzip", [False, True], ids=["plain tar (as served)", "gzipped"])
def test_build_split_from_a_small_oxford_tarball(tmp_path, capsys, gzip):
    members = make_tar(tmp_path / "images.tar.gz", gzip)
    out = tmp_path / "split"
    per_class = {"train": 5, "validation": 3, "test": 3}  # every usable photo
    manifest = downloads.build_split(tmp_path / "images.tar.gz", out, per_class=per_class)

    every = {split: {c: names(out, split, c) for c in data.CLASSES} for split in data.SPLITS}
    cats = [n for split in every.values() for n in split["cats"]]
    dogs = [n for split in every.values() for n in split["dogs"]]
    assert len(set(cats)) == 11 and all(n.startswith(CAT_BREEDS) for n in cats), "species by capital letter"
    assert len(set(dogs)) == 11 and all(n.startswith(DOG_BREEDS) for n in dogs)
    assert "great_pyrenees_2.jpg" not in dogs and "Abyssinian_100.mat" not in cats
    assert {n.rsplit("_", 1)[0] for n in every["train"]["cats"]} == set(CAT_BREEDS), "shuffled: breeds mixed"
    assert (out / "train" / "cats").joinpath(every["train"]["cats"][0]).read_bytes() == members[
        "images/" + every["train"]["cats"][0]
    ], "JPEGs are copied byte for byte"

    converted = {c["file"]: c["reason"] for c in manifest["converted"]}
    assert converted == {"images/Egyptian_Mau_2.jpg": "PNG RGB", "images/beagle_3.jpg": "PNG RGBA"}
    for name in ("Egyptian_Mau_2.jpg", "beagle_3.jpg"):
        (found,) = out.glob(f"*/*/{name}")
        with Image.open(found) as img:
            assert img.format == "JPEG" and img.mode == "RGB"
    assert [s["file"] for s in manifest["skipped"]] == ["images/Abyssinian_6.jpg", "images/great_pyrenees_2.jpg"]
    assert "Files converted to JPEG: 2" in capsys.readouterr().out

    again = downloads.build_split(tmp_path / "images.tar.gz", tmp_path / "again", per_class=per_class)
    assert again["counts"] == manifest["counts"]
    assert names(tmp_path / "again", "test", "dogs") == every["test"]["dogs"], "the same split every time"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or "oxford" in p.name] == []


def test_a_tarball_with_too_few_cats(tmp_path):
    make_tar(tmp_path / "images.tar", gzip=False)
    with pytest.raises(ValueError, match="only 11 readable cats photos, 20 needed"):
        downloads.build_split(tmp_path / "images.tar", tmp_path / "split", {"train": 10, "validation": 5, "test": 5})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images.tar"]


# --- downloading ---------------------------------------------------------------------


@pytest.mark.parametrize("archive", downloads.ARCHIVES.values(), ids=list(downloads.ARCHIVES))
def test_download_is_pinned_and_shows_progress(monkeypatch, isolated_data, archive):
    calls = []
    monkeypatch.setattr(pooch, "retrieve", lambda url, **kw: calls.append((url, kw)) or str(archive.path()))
    assert downloads.download(archive) == archive.path()
    assert calls == [
        (
            archive.url,
            {
                "known_hash": f"sha256:{archive.sha256}",
                "fname": archive.file_name,
                "path": isolated_data / "downloads",
                "progressbar": True,
            },
        )
    ]
    assert len(archive.sha256) == 64 and archive.size > 700_000_000


def test_offline_download_says_what_to_do(isolated_data):
    with pytest.raises(downloads.DataNotFoundError) as info:
        downloads.download(downloads.OXFORD_PETS)
    message = str(info.value)
    assert "Could not download the Oxford-IIIT Pet Dataset (ConnectionError: the tests never download" in message
    assert str(isolated_data / "downloads" / downloads.OXFORD_PETS.file_name) in message
    assert downloads.OXFORD_PETS.url in message and "COURSE_DATA_DIR" in message and "COURSE_DATA=sample" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__  # the reason, not the chain


def test_a_half_downloaded_archive_is_named_then_replaced(isolated_data, monkeypatch, capsys):
    target = downloads.KAGGLE.path()
    target.parent.mkdir(parents=True)
    target.write_bytes(b"PK\x03\x04" + b"\0" * 1000)  # the start of a zip, cut off
    with pytest.raises(downloads.DataNotFoundError, match="Could not download"):
        downloads.download(downloads.KAGGLE)  # offline: it cannot be replaced now...
    assert f"{target} is incomplete or altered (1,004 of 824,887,076 bytes)" in capsys.readouterr().out
    assert target.read_bytes().startswith(b"PK"), "...and it is left as it was"


def test_a_download_with_another_checksum(monkeypatch):
    def wrong_file(*args, **kwargs):
        raise ValueError("SHA256 hash of downloaded file (abc) does not match the known hash: expected b79...")

    monkeypatch.setattr(pooch, "retrieve", wrong_file)
    with pytest.raises(downloads.DataNotFoundError, match="not the file the course expects .*SHA256 hash"):
        downloads.download(downloads.KAGGLE)


def test_an_archive_saved_by_hand_is_used_offline(isolated_data, monkeypatch):
    by_hand = downloads.KAGGLE.path()
    by_hand.parent.mkdir(parents=True)
    make_zip(by_hand)
    pinned = downloads.Archive(
        **{**downloads.KAGGLE.__dict__, "sha256": hashlib.sha256(by_hand.read_bytes()).hexdigest()}
    )
    monkeypatch.setattr(pooch, "retrieve", pooch.core.retrieve)  # the real one: it checks the hash
    monkeypatch.setattr(requests, "get", lambda *a, **k: pytest.fail("it tried to download"))
    assert downloads.download(pinned) == by_hand
