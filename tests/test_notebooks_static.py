"""Static checks of every notebook: executed in order, no stored errors, valid tags, no machine paths,
solutions tagged, Korean narrative, kernel python3. nbval (make test) re-executes and compares them."""
import json
import re
import sys
from pathlib import Path

import pytest

from tests.tolerance import TAG as TOLERANCE_TAG

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import coursefiles  # noqa: E402

NOTEBOOKS = coursefiles.notebooks(ROOT)
VALID_TAGS = {"solution", "nbval-ignore-output", "raises-exception", "nbval-skip", "hide-input", "exercise"}
MACHINE_PATH = re.compile(r"(/tmp/|/root/|/work/|/home/\w+/|/Users/\w+/|[A-Z]:\\\\Users|ipykernel_\d+|0x[0-9a-f]{8,})")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_every_day_has_notebooks():
    """Each of the six days of the schedule has its folder, and every notebook in a day folder is a course
    notebook (NN_name.ipynb), so no tool or test skips one."""
    folders = coursefiles.day_dirs(ROOT)
    assert sorted(folders) == sorted(coursefiles.DAY_TITLES)
    for n, folder in folders.items():
        assert coursefiles.notebooks(ROOT, n), f"{folder.name}/ has no notebook"
        stray = [p.name for p in folder.glob("*.ipynb") if p not in NOTEBOOKS]
        assert not stray, f"{folder.name}/ has notebooks not named NN_name.ipynb: {stray}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_static(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    cells = nb["cells"]
    code = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "re-run top to bottom in a fresh kernel"
    tags = [t for c in cells for t in c.get("metadata", {}).get("tags", [])]
    unknown = {t for t in tags if t not in VALID_TAGS and not TOLERANCE_TAG.match(t)}
    assert not unknown, f"unknown cell tags {unknown}; valid: {VALID_TAGS} and nbval-tolerance-rel-X / -abs-X"
    assert "solution" in tags, "exercises need solutions in cells tagged 'solution'"
    md = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert len(HANGUL.findall(md)) >= 200, "Korean narrative expected"
    day, number = coursefiles.day_number(path.parent), int(path.name[:2])
    assert md.lstrip().startswith(f"# {day}일차-{number}: "), f"title should read '# {day}일차-{number}: …'"
    for i, c in enumerate(code):
        ctags = c.get("metadata", {}).get("tags", [])
        for out in c.get("outputs", []):
            if out["output_type"] == "error":
                assert "raises-exception" in ctags, f"cell {i + 1} stored an error"
            assert out.get("name") != "stderr", f"cell {i + 1} writes to stderr"
            text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}).get("text/plain", ""))
            m = MACHINE_PATH.search(text)
            assert not m, f"cell {i + 1} shows a machine-specific path or address: {m.group(0) if m else ''}"
    assert path.stat().st_size < 3_000_000


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_bold_renders(path):
    """Korean particles right after **…(…)** or **"…"** keep CommonMark from closing the bold: the
    learner would see literal asterisks. Write <strong>…</strong> or move the punctuation outside."""
    import mistune
    md = mistune.create_markdown()
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] == "markdown":
            html = re.sub(r"<code>.*?</code>", "", md("".join(c["source"])), flags=re.S)
            assert "**" not in html, f"markdown cell {i}: literal ** in {html[:200]}"


def test_ruff_clean():
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--quiet", "conftest.py", "utils", "tests", *(d.name for d in coursefiles.day_dirs(ROOT).values()), "tools"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
