"""The on-disk cache of parsed packs is keyed on everything that shapes a parsed pack (issue 22, 7).

Parsing reads the YAML files with ``yamlload.py`` and converts dates and months with ``dates.py``;
an edit to any of them, or to ``policy.py``, must not let a run load a pack parsed by the old code.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from shebao.rules import policy as policy_module
from shebao.rules.policy import PACKS_DIR, _disk_cache_key, _load_pack, _load_pack_cached

SOURCES = ("policy.py", "yamlload.py", "dates.py")


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copies of the parser's sources, which the cache key reads instead of the real ones."""
    folder = tmp_path / "src"
    folder.mkdir()
    for name in SOURCES:
        shutil.copy2(Path(policy_module.__file__).with_name(name), folder / name)
    monkeypatch.setattr(policy_module, "_PARSER_SOURCES", tuple(folder / n for n in SOURCES))
    return folder


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def test_the_real_key_reads_the_parser_and_the_date_code() -> None:
    names = [p.name for p in policy_module._PARSER_SOURCES]
    assert names == list(SOURCES)
    assert all(p.is_file() for p in policy_module._PARSER_SOURCES)
    assert all(p.parent == Path(policy_module.__file__).parent for p in policy_module._PARSER_SOURCES)


@pytest.mark.parametrize("name", SOURCES)
def test_editing_a_source_that_parsing_uses_changes_the_key(sources: Path, name: str) -> None:
    before = _disk_cache_key(PACKS_DIR, "beijing-2020-epidemic")
    assert _disk_cache_key(PACKS_DIR, "beijing-2020-epidemic") == before  # stable
    f = sources / name
    text = f.read_text(encoding="utf-8")
    stat = f.stat()
    f.write_text(text.replace("def ", "def  ", 1), encoding="utf-8")
    os.utime(f, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time: the key reads the contents
    assert _disk_cache_key(PACKS_DIR, "beijing-2020-epidemic") != before
    f.write_text(text, encoding="utf-8")
    assert _disk_cache_key(PACKS_DIR, "beijing-2020-epidemic") == before


def test_a_same_size_same_time_edit_of_a_yaml_file_changes_the_key(tmp_path: Path, sources: Path) -> None:
    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, packs)
    before = _disk_cache_key(packs, "base")
    f = packs / "base" / "parameters" / "collection.yaml"
    stat = f.stat()
    text = f.read_text(encoding="utf-8")
    assert "value: 25" in text
    f.write_text(text.replace("value: 25", "value: 26", 1), encoding="utf-8")
    os.utime(f, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert f.stat().st_size == stat.st_size
    assert _disk_cache_key(packs, "base") != before


def test_the_key_names_the_pack_and_its_folder(tmp_path: Path, sources: Path) -> None:
    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, packs)
    assert _disk_cache_key(PACKS_DIR, "base") != _disk_cache_key(PACKS_DIR, "beijing-2020-epidemic")
    # A parameter records the file it came from, so the same packs elsewhere are another entry.
    assert _disk_cache_key(packs, "base") != _disk_cache_key(PACKS_DIR, "base")


def _pickles(root: Path) -> list[Path]:
    return sorted(root.glob("shebao-rules-cache-*/*.pickle"))


def test_a_parsed_pack_is_read_back_from_the_cache_until_the_parser_changes(sources: Path, cache_root: Path) -> None:
    fresh = _load_pack_cached(PACKS_DIR, "beijing-2020-epidemic")
    assert fresh.version == _load_pack(PACKS_DIR, "beijing-2020-epidemic").version
    [path] = _pickles(cache_root)
    assert path.stem == _disk_cache_key(PACKS_DIR, "beijing-2020-epidemic")
    # What is in the cache is what a later load returns ...
    path.write_bytes(pickle.dumps(replace(fresh, version="from-the-cache")))
    assert _load_pack_cached(PACKS_DIR, "beijing-2020-epidemic").version == "from-the-cache"
    # ... until the date code changes: then the pack is parsed again and cached under a new key.
    f = sources / "dates.py"
    f.write_text(f.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    again = _load_pack_cached(PACKS_DIR, "beijing-2020-epidemic")
    assert again.version == fresh.version and again.parameters == fresh.parameters
    assert len(_pickles(cache_root)) == 2


def test_a_broken_cache_entry_is_parsed_again(sources: Path, cache_root: Path) -> None:
    _load_pack_cached(PACKS_DIR, "base")
    [path] = _pickles(cache_root)
    path.write_bytes(b"not a pickle")
    assert _load_pack_cached(PACKS_DIR, "base").version == _load_pack(PACKS_DIR, "base").version
    path.write_bytes(pickle.dumps({"not": "a policy"}))
    assert _load_pack_cached(PACKS_DIR, "base").version == _load_pack(PACKS_DIR, "base").version
