"""The classroom editions (tools/): solution cells open collapsed in the instructor notebooks, the
student edition keeps no solution code and runs up to its first exercise, and the course runner
prints its table and fails when a notebook fails."""
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
sys.path.insert(0, str(TOOLS))  # tools/ is a folder of scripts, not a package

import coursefiles  # noqa: E402
import make_student  # noqa: E402
import run_course  # noqa: E402

NOTEBOOKS = coursefiles.notebooks(ROOT)


def _id(path):
    return coursefiles.rel(path, ROOT)


def _read(path):
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    """The student edition of every notebook, built the way `make student` builds it."""
    out = tmp_path_factory.mktemp("student")
    make_student.build(ROOT, out, quiet=True)
    return out


# --- instructor notebooks -----------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_has_solution_cell(path):
    assert any(coursefiles.is_solution(c) for c in _read(path).cells), "no cell tagged 'solution'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_solution_cells_open_collapsed(path):
    """A self-learner sees the exercise before the answer: JupyterLab's hidden-input metadata."""
    open_cells = [i for i, c in enumerate(_read(path).cells)
                  if coursefiles.is_solution(c) and c.metadata.get("jupyter", {}).get("source_hidden") is not True]
    assert not open_cells, f"solution cells {open_cells} lack metadata.jupyter.source_hidden = true"


# --- student edition -------------------------------------------------------------------------------

def _check_student(instructor, student):
    """The student notebook equals the instructor one except that solution cells are exercises."""
    assert len(student.cells) == len(instructor.cells)
    solutions = [c.source.strip() for c in instructor.cells if coursefiles.is_solution(c) and c.source.strip()]
    for i, (a, b) in enumerate(zip(instructor.cells, student.cells)):
        assert not coursefiles.is_solution(b), f"cell {i} is still tagged 'solution'"
        if coursefiles.is_solution(a):
            assert coursefiles.EXERCISE_TAG in b.metadata.get("tags", []), f"cell {i}"
            assert not b.get("outputs"), f"cell {i} kept the solution's outputs"
            if b.cell_type == "code":
                lines = [ln for ln in b.source.splitlines() if ln.strip()]
                assert lines and all(ln.lstrip().startswith("#") for ln in lines), f"cell {i} holds code"
                assert "힌트" in b.source
        else:
            assert (b.cell_type, b.source, b.get("outputs")) == (a.cell_type, a.source, a.get("outputs")), \
                f"cell {i} changed"
    text = "\n".join(c.source for c in student.cells)
    for src in solutions:
        assert src not in text, f"solution code left in the student edition: {src[:60]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_student_edition_has_no_solution_code(path, student_dir):
    student = student_dir / path.parent.name / path.name
    assert student.exists()
    _check_student(_read(path), _read(student))


def test_student_preprocessor_on_synthetic_notebook(tmp_path):
    """Code and written solutions, with and without a metadata hint (independent of the course notebooks)."""
    nb = nbformat.v4.new_notebook()
    sol = nbformat.v4.new_code_cell("answer = 6 * 7\nprint(answer)", execution_count=2,
                                    outputs=[nbformat.v4.new_output("stream", text="42\n")])
    sol.metadata.update(tags=["solution"], jupyter={"source_hidden": True}, hint="곱셈 연산자 *")
    written = nbformat.v4.new_markdown_cell("답: 42는 6과 7의 곱입니다.")
    written.metadata.tags = ["solution"]
    nb.cells = [nbformat.v4.new_markdown_cell("# 제목"), nbformat.v4.new_code_cell("x = 1", execution_count=1),
                sol, written, nbformat.v4.new_code_cell("print(x)")]
    day = tmp_path / "course" / "day1_demo"
    day.mkdir(parents=True)
    nbformat.write(nb, day / "01_demo.ipynb")
    (path,) = make_student.build(tmp_path / "course", tmp_path / "student", quiet=True)
    student = _read(path)
    _check_student(nb, student)
    assert student.cells[2].source.startswith("# 연습문제: 여기에 코드를 작성하세요 (힌트: 곱셈 연산자 *)")
    assert student.cells[2].execution_count is None
    assert "jupyter" not in student.cells[2].metadata  # the empty exercise cell is open
    assert student.cells[3].cell_type == "markdown" and "42" not in student.cells[3].source
    assert student.cells[2].id == sol.id


def _seconds_to_first_solution(nb):
    """Recorded run time (nbclient's execution timestamps) of the cells before the first solution."""
    total = 0.0
    for c in nb.cells:
        if coursefiles.is_solution(c):
            return total
        ex = c.metadata.get("execution", {})
        if "iopub.execute_input" in ex and "shell.execute_reply" in ex:
            t0, t1 = (datetime.fromisoformat(ex[k].replace("Z", "+00:00"))
                      for k in ("iopub.execute_input", "shell.execute_reply"))
            total += (t1 - t0).total_seconds()
        elif c.cell_type == "code":
            total += 5.0  # unknown: assume slow
    return total


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_student_edition_gives_no_quiz_answer_away(path, student_dir):
    """The student edition keeps the quiz cells' outputs; none may show a verdict or an explanation."""
    from test_quizzes import check_nothing_given_away
    check_nothing_given_away(_read(student_dir / path.parent.name / path.name), f"student {path.name}")


def test_student_edition_runs_up_to_first_exercise(student_dir):
    """The quickest notebook (by its recorded timings) runs, in the student edition, from the top
    to its first exercise in a fresh kernel, in the student edition's folder."""
    candidates = [p for p in NOTEBOOKS if any(coursefiles.is_solution(c) for c in _read(p).cells)]
    if not candidates:
        pytest.skip("no course notebook with a solution cell yet")
    path = min(candidates, key=lambda p: _seconds_to_first_solution(_read(p)))
    student_path = student_dir / path.parent.name / path.name
    nb = _read(student_path)
    first = next(i for i, c in enumerate(nb.cells) if coursefiles.EXERCISE_TAG in c.metadata.get("tags", []))
    nb.cells = nb.cells[:first]
    NotebookClient(nb, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(student_path.parent)}}).execute()
    assert all(o.output_type != "error" for c in nb.cells for o in c.get("outputs", [])
               if "raises-exception" not in c.metadata.get("tags", []))


# --- course runner ---------------------------------------------------------------------------------

def _tiny_course(root):
    ok = nbformat.v4.new_notebook()
    ok.cells = [nbformat.v4.new_markdown_cell("# 작은 노트북"),
                nbformat.v4.new_code_cell("import time\ntime.sleep(0.3)"),
                nbformat.v4.new_code_cell("print('안녕', 1 + 1)")]
    bad = nbformat.v4.new_notebook()
    bad.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    for nb, rel in ((ok, "day1_tiny/01_ok.ipynb"), (bad, "day2_tiny/01_bad.ipynb")):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, root / rel)
    return root / "day1_tiny/01_ok.ipynb", root / "day2_tiny/01_bad.ipynb"


def _run_course(*args):
    return subprocess.run([sys.executable, str(TOOLS / "run_course.py"), *args],
                          capture_output=True, text=True, timeout=300)


def test_run_course_table_and_failure(tmp_path):
    ok, bad = _tiny_course(tmp_path)
    before = ok.read_bytes(), bad.read_bytes()
    r = _run_course("--root", str(tmp_path))
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout
    assert "[1/2] day1_tiny/01_ok.ipynb  ok" in out
    assert "[2/2] day2_tiny/01_bad.ipynb  FAIL" in out and "ZeroDivisionError" in out
    header = next(line for line in out.splitlines() if line.startswith("notebook"))
    assert header.split() == ["notebook", "status", "seconds", "slowest", "cell"]
    row = next(line for line in out.splitlines() if line.startswith("day1_tiny/01_ok.ipynb "))
    assert row.split()[1] == "ok" and "cell 1 (In [1])" in row  # the sleep is the slowest cell
    assert "total: 2 notebook(s), 1 ok, 1 failed" in out
    assert "FAILED day2_tiny/01_bad.ipynb: cell 1: ZeroDivisionError" in out
    assert (ok.read_bytes(), bad.read_bytes()) == before, "without --inplace no file may change"

    r = _run_course("--root", str(tmp_path), "--day", "1", "--inplace")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[1/1] day1_tiny/01_ok.ipynb" in r.stdout and "01_bad" not in r.stdout
    stored = _read(ok).cells[2]
    assert stored.execution_count == 2 and stored.outputs[0].text == "안녕 2\n"

    assert _run_course("--root", str(tmp_path), "--day", "5").returncode == 2


def test_format_table_without_kernels():
    a = run_course.Result("day1_x/01_a.ipynb", ok=True, seconds=3.25, cell_seconds={1: 0.5, 4: 2.0},
                          exec_counts={1: 1, 4: 3})
    b = run_course.Result("day1_x/02_b.ipynb", ok=False, seconds=1.0, cell_seconds={2: 0.1}, error="cell 2: E: x")
    table = run_course.format_table([a, b], 4.25)
    row = next(line for line in table.splitlines() if line.startswith("day1_x/01_a.ipynb"))
    assert row.split() == ["day1_x/01_a.ipynb", "ok", "3.2", "cell", "4", "(In", "[3])", "2.0", "s"]
    assert "total: 2 notebook(s), 1 ok, 1 failed, 4.2 s" in table
    assert "FAILED day1_x/02_b.ipynb: cell 2: E: x" in table


def test_student_edition_refuses_to_overwrite_sources(tmp_path):
    """`make_student --out .` once overwrote the instructor notebooks; now it stops with the reason."""
    for bad in (ROOT, ROOT / "day1_overview", ROOT / "day1_overview" / "x", ROOT / "data"):
        with pytest.raises(ValueError, match="overwrite the course's own files"):
            make_student.build(ROOT, bad, day=1, quiet=True)
    assert make_student.main(["--out", str(ROOT), "--day", "1"]) == 2


def test_student_edition_removes_only_its_own_stale_files(tmp_path):
    out = tmp_path / "edition"
    mine = out / "day1_overview" / "99_my_notes.ipynb"          # a learner's own notebook in the folder
    mine.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), mine)
    old = out / "day1_overview" / "98_renamed_upstream.ipynb"   # an edition file whose source is gone
    nb = nbformat.v4.new_notebook()
    nb.metadata[make_student.EDITION_KEY] = "student"
    nbformat.write(nb, old)
    written = make_student.build(ROOT, out, day=1, quiet=True)
    assert written and mine.exists() and not old.exists()
    assert all(_read(p).metadata[make_student.EDITION_KEY] == "student" for p in written)
