"""Tests for course_lib.photos.sources: where the photos come from, in the documented order
(named folder, cached full set, download, shipped sample), the settings that force a
side, and what a damaged sample, a foreign folder or a read-only cache say."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pooch
import pytest

from course_lib import settings
from course_lib.photos import data, downloads, sources
from helpers import make_folder, offline

pytestmark = pytest.mark.usefixtures("isolated_data")


def cached_split(archive: downloads.Archive) -> Path:
    """A tiny split where the cache keeps ``archive``'s, as build_split leaves it."""
    out = make_folder(archive.split_path(), per_class=2)
    (out / downloads.MARKER).write_text(json.dumps({"source": archive.file_name}))
    return out


def no_download(*args, **kwargs):
    raise AssertionError("it tried to download")


def test_a_newcomer_offline_gets_the_sample_once_told(capsys):
    found = data.source()
    assert found == sources.DataSource(sources.SAMPLE_ROOT, "sample") and found.is_sample
    printed = capsys.readouterr().out
    assert printed.startswith("Could not download Kaggle's Dogs vs. Cats photos (the book's) (ConnectionError")
    assert "Using the photos the course ships instead: the course's sample of Oxford-IIIT Pet photos" in printed
    assert data.summary() == {s: {"cats": n, "dogs": n} for s, n in {"train": 60, "validation": 29, "test": 30}.items()}
    assert capsys.readouterr().out == "", "said once, not at every call"
    assert sources.peek() == found, "peek agrees once the download failed"


def test_fast_mode_uses_the_sample_at_once(monkeypatch):
    monkeypatch.setattr(pooch, "retrieve", no_download)
    for variable in ("COURSE_FAST", "NBGRADER_EXECUTION"):
        monkeypatch.setenv(variable, "1" if variable == "COURSE_FAST" else "autograde")
        assert data.source().is_sample
        monkeypatch.delenv(variable)
    assert sources.for_grading().is_sample


def test_fast_mode_uses_a_named_folder(tmp_path, monkeypatch):
    mine = make_folder(tmp_path / "mine", per_class=1)
    monkeypatch.setenv("COURSE_FAST", "1")
    monkeypatch.setenv("COURSE_DATA_DIR", str(mine))
    assert data.source() == sources.DataSource(mine, "folder")
    assert sources.for_grading().describe() == f"your folder {mine}"


def test_the_order_folder_then_cache_then_download(tmp_path, monkeypatch):
    oxford = cached_split(downloads.OXFORD_PETS)
    assert data.source() == sources.DataSource(oxford, "oxford-pets"), "any full split in the cache"
    kaggle = cached_split(downloads.KAGGLE)
    assert data.source().kind == "kaggle", "the book's photos first"
    monkeypatch.setenv("COURSE_DATA_SOURCE", "oxford-pets")
    assert data.source().kind == "oxford-pets", "unless another source is named"
    mine = make_folder(tmp_path / "mine", per_class=1)
    monkeypatch.setenv("COURSE_DATA_DIR", str(mine))
    assert data.source().path == mine
    other = make_folder(tmp_path / "other", per_class=1)
    assert data.source(other).path == other and data.data_dir(other) == other, "root= wins"
    assert data.list_images("test", kaggle)[0][0].parent == kaggle / "test" / "cats"


def test_a_download_builds_the_split_then_it_is_reused(isolated_data, monkeypatch, tmp_path):
    from test_downloads import SMALL, make_tar

    tar = tmp_path / "images.tar"
    make_tar(tar, gzip=False)
    calls = []
    monkeypatch.setattr(pooch, "retrieve", lambda url, **kw: calls.append(url) or str(tar))
    monkeypatch.setattr(downloads, "BOOK_SPLIT", SMALL)
    monkeypatch.setenv("COURSE_DATA_SOURCE", "oxford-pets")
    found = data.source()
    assert found == sources.DataSource(isolated_data / "oxford_pets_split", "oxford-pets")
    assert calls == [downloads.OXFORD_PETS.url]
    assert data.summary()["test"] == {"cats": 2, "dogs": 2} and len(calls) == 1
    assert "Oxford-IIIT Pet Dataset, the book's split" in found.describe()


def test_course_data_sample_never_looks_further(monkeypatch, tmp_path):
    cached_split(downloads.KAGGLE)
    monkeypatch.setenv("COURSE_DATA_DIR", str(make_folder(tmp_path / "mine", per_class=1)))
    monkeypatch.setenv("COURSE_DATA", "sample")
    monkeypatch.setattr(pooch, "retrieve", no_download)
    assert data.source().is_sample


def test_course_data_full_never_uses_the_sample(monkeypatch):
    monkeypatch.setenv("COURSE_DATA", "full")
    with pytest.raises(data.DataNotFoundError, match="Could not download Kaggle's") as info:
        data.load_split("train")
    assert "COURSE_DATA_DIR" in str(info.value)
    monkeypatch.setenv("COURSE_FAST", "1")
    monkeypatch.setattr(pooch, "retrieve", no_download)
    with pytest.raises(data.DataNotFoundError, match="fast mode .* never downloads"):
        data.source()
    kaggle = cached_split(downloads.KAGGLE)
    assert data.source().path == kaggle


@pytest.mark.parametrize(("variable", "value"), [("COURSE_DATA", "smple"), ("COURSE_DATA_SOURCE", "imagenet")])
def test_a_misspelt_setting_is_named(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=f"{variable} is '{value}'; use one of"):
        data.source()


def test_a_foreign_folder_in_the_cache_stops_before_downloading(isolated_data, monkeypatch):
    for split in data.SPLITS:  # folders without split.json: not a split the course built
        for class_name in data.CLASSES:
            (isolated_data / "cats_and_dogs_small" / split / class_name).mkdir(parents=True)
    monkeypatch.setattr(pooch, "retrieve", no_download)
    with pytest.raises(data.DataLayoutError, match="has no split.json"):
        data.data_dir()
    # what an interrupted build leaves behind does not count as data either
    shutil.rmtree(isolated_data / "cats_and_dogs_small")
    (isolated_data / ".cats_and_dogs_small.partial-x" / "train" / "cats").mkdir(parents=True)
    monkeypatch.setattr(pooch, "retrieve", offline)
    assert data.source().is_sample


# --- the shipped sample --------------------------------------------------------------


@pytest.fixture
def sample_copy(sample_photos, tmp_path, monkeypatch) -> Path:
    """A copy of the shipped sample, taking its place (so a test may damage it)."""
    copy = tmp_path / "sample"
    shutil.copytree(sample_photos, copy)
    monkeypatch.setattr(sources, "SAMPLE_ROOT", copy)
    return copy


def test_the_sample_is_checked_against_its_manifest(sample_copy):
    assert data.source().path == sample_copy
    listed = (sample_copy / sources.SAMPLE_MANIFEST).read_text().splitlines()
    assert len(listed) == 1 + 238 and listed[0].split("\t")[:2] == ["path", "breed"]
    assert sources.sample_split() == {"train": 60, "validation": 29, "test": 30}


@pytest.mark.parametrize("damage", ["removed", "altered", "added"])
def test_a_damaged_sample_says_which_file_and_how_to_restore(sample_copy, damage):
    victim = sorted((sample_copy / "test" / "dogs").iterdir())[3]
    if damage == "removed":
        victim.unlink()
    elif damage == "altered":
        victim.write_bytes(victim.read_bytes()[:-10])
    else:
        shutil.copy(victim, victim.with_name("extra.jpg"))
    with pytest.raises(data.SampleDamagedError) as info:
        data.load_arrays("train", 32)
    message = str(info.value)
    what = {
        "removed": f"test/dogs/{victim.name} is missing",
        "altered": f"test/dogs/{victim.name} was altered (its checksum differs)",
        "added": "test/dogs/extra.jpg is not part of it",
    }[damage]
    assert what in message and "git checkout -- course_lib/resources/oxford_pets_sample" in message
    assert "pip install --force-reinstall convnet-course" in message


def test_the_sample_gives_every_chapter_enough_photos():
    """Fast mode takes FAST_LIMITS photos per class from each split of the sample."""
    for split, limit in data.FAST_LIMITS.items():
        assert sources.sample_split()[split] >= limit
    names = [p.name for split in data.SPLITS for p, _ in data.list_images(split, sources.SAMPLE_ROOT)]
    assert len(names) == len(set(names)) == 238, "no photo in two splits"


# --- the cache -----------------------------------------------------------------------


def test_a_cache_that_cannot_be_made(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(
        settings.CacheNotWritableError, match="cache folder, .*a-file/cache, cannot be written to .*COURSE_CACHE_DIR"
    ):
        settings.cache_dir()


@pytest.fixture
def read_only_folder(tmp_path) -> Path:
    """A folder on a read-only file system (root ignores permission bits, so mount one)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a read-only folder here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_cache_reads_but_says_why_it_cannot_write(read_only_folder, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(read_only_folder))
    assert settings.cache_dir() == read_only_folder  # a cache that exists may be read
    with pytest.raises(settings.CacheNotWritableError) as info:
        settings.artifacts_dir()
    message = str(info.value)
    assert (
        f"The course's folder for trained models and results, {read_only_folder}/artifacts, cannot be written to"
        in message
    )
    assert "Read-only file system" in message or "Permission denied" in message
    with pytest.raises(settings.CacheNotWritableError, match="folder for downloads"):
        downloads.download(downloads.KAGGLE)
    assert data.source().is_sample, "offline, the photos still come from the sample"
