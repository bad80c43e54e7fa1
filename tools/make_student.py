"""Build the student edition of the course: every cell tagged ``solution`` becomes an empty exercise cell.

    python tools/make_student.py            # all days  -> build/student/dayN_*/NN_*.ipynb
    python tools/make_student.py --day 3    # one day
    make student

The edition is built on demand into the ignored folder build/student/ (never committed, so it can
never be stale): run it before handing the notebooks to a class. It runs through nbconvert: a
``Preprocessor`` (``StudentEditionPreprocessor``) inside a ``NotebookExporter``, written by a
``FilesWriter``. Each solution cell is replaced by an empty code cell holding one hint line
(``# 연습문제: 여기에 코드를 작성하세요 (힌트: …)``; the hint comes from the cell's metadata ``hint`` when
present), tagged ``exercise``, with no outputs; every other cell is kept as it is, outputs included.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import Preprocessor
from nbconvert.writers import FilesWriter
from nbformat import NotebookNode
from traitlets import Unicode

from coursefiles import EXERCISE_TAG, ROOT, SOLUTION_TAG, check_out_folder, notebooks, rel

EDITION_KEY = "course_edition"  # notebook metadata marking a file this tool wrote (only those are ever removed)

GENERIC_HINT = "위의 설명과 앞 셀의 코드를 참고하세요"
CODE_PROMPT = "# 연습문제: 여기에 코드를 작성하세요 (힌트: {hint})\n"
TEXT_PROMPT = "**연습문제:** 여기에 답을 적어 보세요 (힌트: {hint})"


class StudentEditionPreprocessor(Preprocessor):
    """Replace each ``solution``-tagged cell by an empty exercise cell with a one-line hint."""

    solution_tag = Unicode(SOLUTION_TAG, help="tag that marks a solution cell").tag(config=True)
    exercise_tag = Unicode(EXERCISE_TAG, help="tag given to the empty exercise cell").tag(config=True)
    generic_hint = Unicode(GENERIC_HINT, help="hint used when a cell has no metadata 'hint'").tag(config=True)

    def preprocess(self, nb, resources):
        resources.setdefault("student", {})["exercises"] = 0
        nb, resources = super().preprocess(nb, resources)
        nb.metadata[EDITION_KEY] = "student"
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        tags = list(cell.metadata.get("tags", []))
        if self.solution_tag not in tags:
            return cell, resources
        hint = " ".join(str(cell.metadata.get("hint") or self.generic_hint).split())
        new_tags = [t for t in tags if t != self.solution_tag]
        new_tags += [self.exercise_tag] if self.exercise_tag not in new_tags else []
        if cell.cell_type == "code":
            new = NotebookNode(cell_type="code", execution_count=None, outputs=[],
                               source=CODE_PROMPT.format(hint=hint))
        else:  # a written answer: leave the learner room to write theirs
            new = NotebookNode(cell_type="markdown", source=TEXT_PROMPT.format(hint=hint))
        new.metadata = NotebookNode(tags=new_tags)  # source_hidden, hint and the rest go with the answer
        if "id" in cell:
            new.id = cell.id
        resources["student"]["exercises"] += 1
        return new, resources


def make_exporter() -> NotebookExporter:
    exporter = NotebookExporter()
    exporter.register_preprocessor(StudentEditionPreprocessor(), enabled=True)
    return exporter


def build(root: Path = ROOT, out: Path | None = None, day: int | None = None, quiet: bool = False) -> list[Path]:
    """Write the student edition of the notebooks under ``root`` into ``out``; return the paths written."""
    root = Path(root).resolve()
    out = check_out_folder(out if out is not None else root / "build" / "student", root, "student edition")
    exporter = make_exporter()
    written = []
    for src in notebooks(root, day):
        body, resources = exporter.from_filename(str(src))
        target_dir = out / src.parent.name
        FilesWriter(build_directory=str(target_dir)).write(body, resources, notebook_name=src.stem)
        target = target_dir / src.name
        written.append(target)
        n = resources["student"]["exercises"]
        if not quiet:
            note = "" if n else "   (no cell tagged 'solution')"
            print(f"{rel(target, root)}  {n} exercise(s){note}", flush=True)
    # a notebook renamed or removed upstream must not linger in the edition (only files this tool wrote go)
    for stale in sorted(out.glob("day*/*.ipynb")):
        if stale not in written and (day is None or stale.parent.name.startswith(f"day{day}_")) \
                and _is_student_edition(stale):
            stale.unlink()
            if not quiet:
                print(f"removed stale {rel(stale, root)}")
    return written


def _is_student_edition(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get(EDITION_KEY) == "student"
    except (OSError, ValueError):
        return False


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--day", type=int, help="only this day (1-6)")
    ap.add_argument("--root", type=Path, default=ROOT, help="course root (default: this repository)")
    ap.add_argument("--out", type=Path, help="output folder (default: ROOT/build/student)")
    args = ap.parse_args(argv)
    try:
        written = build(args.root, args.out, args.day)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    if not written:
        print("no notebooks found" + (f" for day {args.day}" if args.day else ""), file=sys.stderr)
        return 2
    print(f"student edition: {len(written)} notebook(s) in {rel(written[0].parent.parent, args.root)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
