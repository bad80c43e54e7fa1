"""Quizzes (utils/quiz.py, quizzes/*.json): every quiz has its answer key and explanations, is shown by its
notebook with the one instruction, keeps the slides' three Day 6 quizzes word for word, spreads its answer
positions, and gives nothing away before the learner answers: no stored output (instructor notebooks or
student edition) holds a verdict or an explanation in readable form."""
import base64
import collections
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import coursefiles  # noqa: E402
from utils import quiz  # noqa: E402

NOTEBOOKS = coursefiles.notebooks(ROOT)
QUIZ_FILES = sorted(quiz.QUIZ_DIR.rglob("*.json"))
SHOW = re.compile(r'quiz\.show\("([^"]+)"(?:,\s*"([^"]+)")?\)')

# The three quizzes of the original Day 6 slides, as they are written there (kept word for word).
SLIDE_QUIZZES = [
    ("Model parameter 와 다르게 데이터로부터 학습되지 않고 사용자가 직접 지정해주어야 하는 변수를 무엇이라 부르나요?",
     None, "Hyper-parameter"),
    ("레이어가 깊어질수록 gradient 가 0에 수렴하게 되어 학습이 잘 되지 않는 문제를 무엇이라 부르나요?",
     ["Gradient vanishing", "Overfitting", "Local minima", "Mode collapse"], 1),
    ("머신러닝 모델의 성능 향상을 위해 사용할 수 있는 방법으로 올바르지 않은 것을 고르세요.",
     ["신중한 데이터 가공", "도메인 지식을 활용한 모델 설계", "많은 모델 학습, 평가", "최대한 많은 피쳐를 활용"], 4),
]


def _id(path):
    return coursefiles.rel(path, ROOT)


def _shows(nb):
    """(cell index, notebook key, part) for every quiz.show call in a notebook."""
    return [(i, m.group(1), m.group(2) or quiz.DEFAULT_PART) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" for m in SHOW.finditer(c.source)]


def _all_questions():
    return [(f, part, q) for f in QUIZ_FILES
            for part, qs in quiz.load(f.relative_to(quiz.QUIZ_DIR).with_suffix("").as_posix()).items() for q in qs]


# --- the quiz files ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", QUIZ_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_quiz_file_is_complete(path):
    """Each question has its answer key and an explanation (quiz.load checks and raises otherwise)."""
    parts = quiz.load(path.relative_to(quiz.QUIZ_DIR).with_suffix("").as_posix())
    for qs in parts.values():
        for q in qs:
            assert q["explanation"].strip()
            assert ("answer" in q and 1 <= q["answer"] <= len(q["options"])) or q.get("accepted")


def test_every_quiz_file_belongs_to_a_notebook_that_shows_all_its_parts():
    shown = {(key, part) for p in NOTEBOOKS for _, key, part in _shows(nbformat.read(p, as_version=4))}
    for f in QUIZ_FILES:
        key = f.relative_to(quiz.QUIZ_DIR).with_suffix("").as_posix()
        assert (ROOT / f"{key}.ipynb").exists(), f"{f.name}: no notebook {key}.ipynb"
        missing = [part for part in json.loads(f.read_text(encoding="utf-8")) if (key, part) not in shown]
        assert not missing, f"{key}: parts {missing} are never shown"


def test_answer_positions_are_balanced():
    """No option number carries most answers, and quizzes do not all start with the same one."""
    answers = [q["answer"] for _, _, q in _all_questions() if "options" in q]
    counts = collections.Counter(answers)
    assert len(answers) >= 20
    assert max(counts.values()) <= 0.35 * len(answers), counts
    firsts = collections.Counter(qs[0]["answer"] for f in QUIZ_FILES
                                 for qs in json.loads(f.read_text(encoding="utf-8")).values() if "options" in qs[0])
    assert max(firsts.values()) <= 0.5 * sum(firsts.values()), firsts


def test_slide_quizzes_word_for_word():
    parts = quiz.load("day6_improvement/06_quiz")
    slide = [parts[f"강의 퀴즈 {i}"][0] for i in (1, 2, 3)]
    for q, (question, options, answer) in zip(slide, SLIDE_QUIZZES):
        assert q["question"] == question
        if options is None:
            assert q["accepted"][0] == answer
        else:
            assert q["options"] == options and q["answer"] == answer


# --- notebooks: one way to answer, nothing given away --------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_quiz_cells_and_one_instruction(path):
    nb = nbformat.read(path, as_version=4)
    key = Path(_id(path)).with_suffix("").as_posix()
    shows = _shows(nb)
    text = "\n".join(c.source for c in nb.cells)
    assert not re.search(r"\.check\(|run_quiz|MultipleChoice|ShortAnswer", text), "the retired quiz API is used"
    if not shows:
        assert not quiz.quiz_path(key).exists(), "a quiz file exists but the notebook never shows it"
        return
    for i, shown_key, part in shows:
        assert shown_key == key, f"cell {i} shows another notebook's quiz ({shown_key})"
        quiz.render(key, part)  # the part exists and renders
        assert nb.cells[i].source.strip().startswith("quiz.show("), f"cell {i}: a quiz cell holds only the call"
    assert any(c.cell_type == "markdown" and quiz.INSTRUCTION in c.source for c in nb.cells), \
        "the quiz section lacks the course's one instruction (utils.quiz.INSTRUCTION)"


def _readable_outputs(nb):
    """Everything a reader could see in the stored outputs: all text, HTML and script strings."""
    for c in nb.cells:
        for o in c.get("outputs", []):
            yield o.get("text", "")
            for value in o.get("data", {}).values():
                yield value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _secrets():
    """Strings that would give an answer away: the verdict and every explanation."""
    return [quiz.RIGHT] + [q["explanation"][:40] for _, _, q in _all_questions()]


def check_nothing_given_away(nb, where):
    secrets = _secrets()
    for text in _readable_outputs(nb):
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{where}: a stored output shows {leaked[0]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_no_stored_output_gives_an_answer_away(path):
    check_nothing_given_away(nbformat.read(path, as_version=4), _id(path))


# --- utils.quiz -------------------------------------------------------------------------------------

def test_render_is_deterministic_and_hides_the_content():
    first, second = quiz.render("day6_improvement/06_quiz", "강의 퀴즈 2"), quiz.render("day6_improvement/06_quiz", "강의 퀴즈 2")
    assert first == second  # nbval compares the outputs
    script = first[1]["application/javascript"]
    assert "Gradient vanishing" not in script and quiz.RIGHT not in script and quiz.INPUT_LABEL in script
    payload = re.search(r'atob\("([A-Za-z0-9+/=]+)"\)', script).group(1)
    questions = json.loads(base64.b64decode(payload).decode("utf-8"))
    options = questions[0]["answers"]
    assert [o["answer"] for o in options][0] == "① Gradient vanishing"
    assert [o["correct"] for o in options] == [True, False, False, False]
    assert options[0]["feedback"].startswith(quiz.RIGHT) and options[1]["feedback"] == quiz.WRONG_OPTION
    assert all(b["text/plain"] == quiz.RUN_ME for b in first)


def test_short_answers_accept_spacing_variants():
    assert set(quiz.spellings("skip connection")) >= {"skip connection", "skipconnection", "skip-connection"}
    assert quiz.spellings("Hyper-parameter")[:2] == ["Hyper-parameter", "Hyper parameter"]
    q = quiz.to_jupyterquiz({"question": "?", "accepted": ["early stopping"], "explanation": "왜"}, 1)
    accepted = [a["answer"] for a in q["answers"] if a.get("correct")]
    assert "earlystopping" in accepted and q["answers"][-1] == {"type": "default", "feedback": quiz.WRONG_TEXT}


@pytest.mark.parametrize("question, message", [
    ({"question": "?", "options": ["a", "b"], "answer": 3, "explanation": "e"}, "answer"),
    ({"question": "?", "options": ["a", "b"], "answer": 1}, "explanation"),
    ({"question": "?", "accepted": [], "explanation": "e"}, "accepted"),
    ({"question": "?", "options": ["a", "b"], "answer": 1, "accepted": ["a"], "explanation": "e"}, "하나만"),
    ({"question": "?", "options": ["a", "b"], "answer": 1, "explanation": "e", "hint": "h"}, "hint"),
])
def test_bad_questions_are_named(question, message):
    with pytest.raises(quiz.QuizError, match=message):
        quiz.check_question(question, "시험 문제")


def test_bad_files_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(quiz, "QUIZ_DIR", tmp_path)
    with pytest.raises(quiz.QuizError, match="퀴즈 파일이 없습니다"):
        quiz.load("day9/01_none")
    (tmp_path / "day9").mkdir()
    (tmp_path / "day9" / "01_x.json").write_text('{"quiz": [\n  {"question": "?",}\n]}', encoding="utf-8")
    with pytest.raises(quiz.QuizError, match="2번째 줄"):
        quiz.load("day9/01_x")
    (tmp_path / "day9" / "01_x.json").write_text('{"quiz": [{"question": "?", "accepted": ["a"], "explanation": "e"}]}',
                                                 encoding="utf-8")
    with pytest.raises(quiz.QuizError, match="'other' 퀴즈가 없습니다"):
        quiz.render("day9/01_x", "other")
