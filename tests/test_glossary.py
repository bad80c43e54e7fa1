"""One voice: the notebooks and quizzes use the glossary's term (GLOSSARY.md) for each idea; the variants it
retires do not come back. Checked in what learners read: Markdown cells, code comments and quiz files. The
original slides' quizzes, quoted word for word in 6일차-6, keep their own spelling (the allow-list)."""
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import coursefiles  # noqa: E402

# retired variant -> the glossary's term
RETIRED = {
    r"피쳐|피처": "특성",
    r"하이퍼 파라미터": "하이퍼파라미터",
    r"시험 ?세트|시험 ?데이터": "테스트 세트 / 테스트 데이터 (시험은 시험 배치에만)",
    r"교차검증": "교차 검증",
    r"경사하강법": "경사 하강법",
    r"그래디언트(?! ?부스팅)": "기울기",
    r"에포크": "에폭",
    r"미니 배치": "미니배치",
    r"과대적합": "과적합",
    r"누수": "누설",
    r"(?:L[12]|가중치|드롭아웃|Ridge|Lasso) ?정규화|정규화 ?(?:세기|강도|항|기법)": "규제",
    r"\bDay ?\d": "N일차",
}
# the slides' own wording, kept where the course quotes them word for word
ALLOWED = ["최대한 많은 피쳐를 활용"]


def _texts():
    for path in coursefiles.notebooks(ROOT):
        nb = nbformat.read(path, as_version=4)
        for i, c in enumerate(nb.cells):
            if c.cell_type == "markdown":
                yield f"{path.relative_to(ROOT)} cell {i}", c.source
            elif c.cell_type == "code":
                comments = "\n".join(line.split("#", 1)[1] for line in c.source.splitlines() if "#" in line)
                yield f"{path.relative_to(ROOT)} cell {i} (comments)", comments
    for path in sorted((ROOT / "quizzes").rglob("*.json")):
        yield str(path.relative_to(ROOT)), json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False)


@pytest.mark.parametrize("pattern", RETIRED, ids=list(RETIRED.values()))
def test_retired_terms_stay_retired(pattern):
    found = []
    for where, text in _texts():
        for allowed in ALLOWED:
            text = text.replace(allowed, "")
        found += [f"{where}: …{text[max(0, m.start() - 20):m.end() + 20]}…" for m in re.finditer(pattern, text)]
    assert not found, f"use '{RETIRED[pattern]}' (GLOSSARY.md): {len(found)} place(s), e.g. " + "; ".join(found[:5])


def test_notebooks_link_the_glossary():
    assert "GLOSSARY.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in coursefiles.notebooks(ROOT) if "GLOSSARY.md" not in nbformat.read(p, as_version=4).cells[0].source]
    assert not missing, f"the first cell of {missing} does not link the glossary (../GLOSSARY.md)"
