"""What the classroom tools share: where the notebooks are, the day titles, notebook titles.

Used by ``make_student.py``, ``run_course.py`` and ``build_html.py`` (run as scripts, so this folder
is on ``sys.path``) and by the tests of those tools.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"

# The six days, as the course schedule names them.
DAY_TITLES = {
    1: "프로젝트 개요 및 데이터셋 이해",
    2: "AI 적용을 위한 데이터셋 전처리",
    3: "금속분말 생산공정 최적화를 위한 선형회귀 기법",
    4: "금속분말 생산공정 최적화를 위한 비선형회귀 기법",
    5: "금속분말 생산공정 최적화를 위한 딥러닝 기법 심화",
    6: "AI 기법 성능 향상 방법론",
}

_DAY_DIR = re.compile(r"^day(\d+)_")
_NOTEBOOK = re.compile(r"^\d\d_.*\.ipynb$")


def day_number(folder: Path) -> int | None:
    """``day3_linear`` -> 3; None for a folder that is not a day folder."""
    m = _DAY_DIR.match(folder.name)
    return int(m.group(1)) if m else None


def day_dirs(root: Path = ROOT) -> dict[int, Path]:
    """Day number -> day folder, for the day*/ folders that exist under ``root``."""
    found = {}
    for d in sorted(Path(root).glob("day*_*")):
        n = day_number(d)
        if d.is_dir() and n is not None:
            found[n] = d
    return dict(sorted(found.items()))


def notebooks(root: Path = ROOT, day: int | None = None) -> list[Path]:
    """The course notebooks in teaching order: day*/NN_*.ipynb, days ascending, then by file name."""
    out = []
    for n, d in day_dirs(root).items():
        if day is None or n == day:
            out += sorted(p for p in d.iterdir() if p.is_file() and _NOTEBOOK.match(p.name))
    return out


def is_solution(cell) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def first_heading(nb, default: str = "") -> str:
    """The text of the first Markdown heading of a notebook (its title), without Markdown markup."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1))  # [text](link) -> text
                text = re.sub(r"<[^>]+>", "", text)                         # inline HTML tags
                return re.sub(r"[*`]", "", text).strip() or default
    return default


def check_out_folder(out: Path, root: Path = ROOT, what: str = "output") -> Path:
    """``out`` resolved, or a ValueError when writing there could overwrite the course's sources: the course
    root itself, or a folder inside a day folder, ``data/``, ``quizzes/``, ``utils/`` or ``tools/``."""
    out, root = Path(out).resolve(), Path(root).resolve()
    protected = [*day_dirs(root).values(), *(root / name for name in ("data", "quizzes", "utils", "tools", "tests"))]
    if out == root or any(out == p or p in out.parents for p in protected):
        raise ValueError(f"refusing to write the {what} into {out}: it would overwrite the course's own files. "
                         f"Choose a folder outside the day folders, e.g. {root / 'build'}/… (the default).")
    return out


def rel(path: Path, root: Path = ROOT) -> str:
    """Path relative to the course root, with forward slashes (for messages and tables)."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)
