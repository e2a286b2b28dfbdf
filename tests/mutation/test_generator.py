"""The mutation generator makes the mutants it says, names them stably, and leaves the rest alone."""

from __future__ import annotations

from tests.mutation.__main__ import load_equivalents
from tests.mutation.generator import mutants, original

SOURCE = '''"""Module docstring."""
from math import floor

LIMIT: int = 3


def f(a, b=2):
    """Docstring."""
    if a < b and not a:
        return min(a, b) + 1
    x = g(a, key="k")
    x += 1
    for i in range(3):
        if i:
            break
    return f"{a} is {b}"  # f-strings are left alone


def h():
    return [1]  # pragma: no mutate
'''


def test_each_kind_of_mutant_is_made_once_with_a_stable_name() -> None:
    got = {m.name: m for m in mutants(SOURCE)}
    assert set(got) == {
        "<module>+4:0:value -> None", "<module>+4:13:3 -> 4", "f+0:11:2 -> 3",
        "f+2:7:< -> <=", "f+2:7:and -> or", "f+2:17:drop not",
        "f+3:15:+ -> -", "f+3:15:min() -> max()", "f+3:15:argument 1 -> None", "f+3:15:argument 2 -> None",
        "f+3:27:1 -> 2",
        "f+4:4:value -> None", "f+4:8:argument 1 -> None", "f+4:8:drop key=", "f+4:17:string 'k' -> 'XX...XX'",
        "f+5:4:+= -> -=", "f+5:4:+= -> =", "f+5:9:1 -> 2",
        "f+6:13:argument 1 -> None", "f+6:19:3 -> 4", "f+8:12:break -> continue",
    }
    assert "min(a, b) - 1" in got["f+3:15:+ -> -"].source
    assert "max(a, b) + 1" in got["f+3:15:min() -> max()"].source
    assert "x = g(a)" in got["f+4:8:drop key="].source
    assert "if a <= b and (not a)" in got["f+2:7:< -> <="].source
    assert "continue" in got["f+8:12:break -> continue"].source
    assert got["f+2:7:< -> <="].line == 9
    # Everything else is as written (comments apart).
    assert got["f+2:7:< -> <="].source.replace("a <= b", "a < b") == original(SOURCE)


def test_the_equivalents_list_is_read_as_file_name_and_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "eq.md"
    f.write_text("# title\n- `src/a.py` `f+2:7:< -> <=`: a equals b only when both are 0\nother text\n")
    assert load_equivalents(f) == {("src/a.py", "f+2:7:< -> <="): "a equals b only when both are 0"}
