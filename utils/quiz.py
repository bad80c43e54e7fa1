"""Interactive quizzes (every notebook's last section; the way to answer is taught in day1_overview/00_setup_check).

The questions, options, answers and explanations of a notebook live in one JSON file per notebook,
``quizzes/<day folder>/<notebook>.json``, which an instructor edits; the notebook only calls

    quiz.show("day1_overview/01_project_overview")            # the notebook's quiz
    quiz.show("day6_improvement/06_quiz", "1일차")             # one named part of a file with several

and the learner clicks an option, or types an answer and presses Enter, and sees the verdict and, once
right, the explanation. Rendering is jupyterquiz's (pinned in requirements.txt): the quiz is drawn by
JavaScript, in JupyterLab once the cell runs and in the offline HTML reader without a kernel. Nothing in the
code or the stored output shows an answer: the content travels base64-encoded inside the script, and the
stored output's text is only a line asking to run the cell. Output is identical on every run (the
container's id comes from the file and part names), so nbval can compare it.

A file is ``{"part name": [question, ...], ...}``; a notebook with one quiz uses the part name ``"quiz"``.
A question is either multiple choice or short answer::

    {"question": "…?", "options": ["…", "…", "…"], "answer": 2, "explanation": "…"}
    {"question": "…?", "accepted": ["RMSE", "root mean squared error"], "explanation": "…"}

``answer`` is the 1-based number of the right option (options are shown as ①②③…, in the file's order);
a short answer is right when it equals one of ``accepted`` (letter case, and blanks, hyphens or underscores
between words, do not matter).
"""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

QUIZ_DIR = Path(__file__).resolve().parent.parent / "quizzes"
CIRCLED = "①②③④⑤⑥⑦⑧⑨"
DEFAULT_PART = "quiz"

# what the learner reads: the one instruction (also in every notebook's quiz section) and the verdicts
INSTRUCTION = "아래 셀을 실행하면(Shift+Enter) 문제가 나타납니다. 보기를 누르거나 답을 쓰고 Enter를 누르면 바로 채점되고, 맞히면 해설이 나옵니다."
RUN_ME = "퀴즈: 이 셀을 실행하면(Shift+Enter) 문제가 나타납니다."
RIGHT = "✔ 정답입니다."
WRONG_OPTION = "✘ 아닙니다. 다시 골라 보세요."
WRONG_TEXT = "✘ 아닙니다. 다시 써 보세요."
INPUT_LABEL = "답을 쓰고 Enter:"

COLORS = {  # jupyterquiz's CSS variables (all of them): the course's blue, readable on laptops and projectors
    "--jq-multiple-choice-bg": "#1f4e79",
    "--jq-mc-button-bg": "#fafafa",
    "--jq-mc-button-border": "#e0e0e0e0",
    "--jq-mc-button-inset-shadow": "#555555",
    "--jq-many-choice-bg": "#1f4e79",
    "--jq-numeric-bg": "#2e5f3e",
    "--jq-numeric-input-bg": "#ffffff",
    "--jq-numeric-input-label": "#101010",
    "--jq-numeric-input-shadow": "#999999",
    "--jq-string-bg": "#2e5f3e",
    "--jq-incorrect-color": "#c80202",
    "--jq-correct-color": "#007a10",
    "--jq-text-color": "#fafafa",
    "--jq-link-color": "#9abafa",
}
EXTRA_CSS = """
#{id} .Quiz {{ font-size: 13pt; line-height: 1.35; }}
#{id} .Feedback {{ font-size: 12pt; text-align: left; margin: 4px 0 12px 0; }}
#{id} .MCButton {{ font-size: 12pt; }}
#{id} input.Input-text {{ color: #111; border: 1px solid #888; font-size: 13pt; }}
#{id} .InpLabel {{ font-size: 12pt; }}
#{id} input.sr-only {{ position: absolute; opacity: 0; width: 1px; height: 1px; }}
"""


class QuizError(ValueError):
    """A quiz file that cannot be shown; the message names the file, the question and the fix."""


def quiz_path(notebook: str) -> Path:
    """The JSON file holding the quizzes of ``notebook`` ('day3_linear/01_linear_regression_basics')."""
    return QUIZ_DIR / f"{Path(notebook).with_suffix('')}.json"


def load(notebook: str) -> dict:
    """All parts of a notebook's quiz file, checked (``QuizError`` names what is wrong and where)."""
    path = quiz_path(notebook)
    if not path.exists():
        raise QuizError(f"퀴즈 파일이 없습니다: {path}. quizzes/ 아래에 노트북과 같은 이름의 .json 파일을 두세요 "
                        f"(utils/quiz.py 의 설명 참고).")
    try:
        parts = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise QuizError(f"{path}: JSON 문법 오류, {err.lineno}번째 줄 {err.colno}번째 글자: {err.msg}. "
                        f"따옴표, 쉼표, 괄호를 확인하세요.") from None
    if not isinstance(parts, dict) or not parts:
        raise QuizError(f'{path}: 파일은 {{"퀴즈 이름": [문제, ...]}} 형태여야 합니다.')
    for name, questions in parts.items():
        if not isinstance(questions, list) or not questions:
            raise QuizError(f"{path}: '{name}' 에는 문제 목록이 있어야 합니다.")
        for i, q in enumerate(questions, 1):
            check_question(q, f"{path.name} '{name}' {i}번 문제")
    return parts


def check_question(q: dict, where: str = "문제") -> None:
    """Raise ``QuizError`` unless ``q`` is a complete multiple-choice or short-answer question."""
    if not isinstance(q, dict):
        raise QuizError(f"{where}: 문제는 {{\"question\": ..., ...}} 형태여야 합니다.")
    missing = [k for k in ("question", "explanation") if not str(q.get(k, "")).strip()]
    if missing:
        raise QuizError(f"{where}: {', '.join(missing)} 가 비어 있습니다. 문제와 해설을 모두 쓰세요.")
    if ("options" in q) == ("accepted" in q):
        raise QuizError(f"{where}: 객관식은 \"options\"+\"answer\", 주관식은 \"accepted\" 중 하나만 쓰세요.")
    if "options" in q:
        opts, ans = q["options"], q.get("answer")
        if not isinstance(opts, list) or not 2 <= len(opts) <= len(CIRCLED):
            raise QuizError(f"{where}: 보기(options)는 2–{len(CIRCLED)}개의 목록이어야 합니다.")
        if not isinstance(ans, int) or isinstance(ans, bool) or not 1 <= ans <= len(opts):
            raise QuizError(f"{where}: answer 는 정답 보기의 번호(1–{len(opts)})여야 합니다. 받은 값: {ans!r}")
    elif not isinstance(q["accepted"], list) or not all(str(a).strip() for a in q["accepted"]) or not q["accepted"]:
        raise QuizError(f"{where}: accepted 는 정답으로 받을 답(하나 이상)의 목록이어야 합니다.")
    unknown = set(q) - {"question", "options", "answer", "accepted", "explanation"}
    if unknown:
        raise QuizError(f"{where}: 모르는 항목 {sorted(unknown)}. question, options, answer, accepted, explanation 만 씁니다.")


def spellings(answer: str) -> list[str]:
    """``answer`` and the spellings that differ only in the blanks, hyphens or underscores between words."""
    words = str(answer).replace("-", " ").replace("_", " ").split()
    forms = [str(answer).strip()] + [sep.join(words) for sep in (" ", "", "-", "_")]
    return list(dict.fromkeys(f for f in forms if f))


def to_jupyterquiz(q: dict, number: int) -> dict:
    """One course question in jupyterquiz's format, with the course's verdicts and numbered options."""
    head = f"{number}. {q['question']}"
    right = f"{RIGHT} {q['explanation']}"
    if "options" in q:
        return {"question": head, "type": "multiple_choice", "answers": [
            {"answer": f"{CIRCLED[i]} {opt}", "correct": i + 1 == q["answer"],
             "feedback": right if i + 1 == q["answer"] else WRONG_OPTION}
            for i, opt in enumerate(q["options"])]}
    answers = [{"answer": form, "correct": True, "match_case": False, "feedback": right}
               for a in q["accepted"] for form in spellings(a)]
    return {"question": head, "type": "string", "answers": answers + [{"type": "default", "feedback": WRONG_TEXT}]}


def _script(questions: list, div_id: str) -> str:
    from jupyterquiz.dynamic.renderer import build_script

    payload = base64.b64encode(json.dumps(questions, ensure_ascii=False).encode("utf-8")).decode("ascii")
    prefix = (f'var questions{div_id} = JSON.parse(new TextDecoder().decode('
              f'Uint8Array.from(atob("{payload}"), c => c.charCodeAt(0))));\n\n'
              "if (typeof Question === 'undefined') {\n")
    script = build_script(prefix, True, "", div_id, True)
    if "Type your answer here:" not in script:  # jupyterquiz changed: check the label below still applies
        raise RuntimeError("jupyterquiz's input label changed; update utils/quiz.py for the pinned version.")
    return script.replace("Type your answer here:", INPUT_LABEL)


def render(notebook: str, part: str = DEFAULT_PART) -> list[dict]:
    """The two outputs (HTML container, script) of ``show`` as display bundles; used by show and tests."""
    from jupyterquiz.dynamic.renderer import build_styles, render_div

    parts = load(notebook)
    if part not in parts:
        raise QuizError(f"{quiz_path(notebook).name} 에 '{part}' 퀴즈가 없습니다. 있는 것: {list(parts)}")
    questions = [to_jupyterquiz(q, i) for i, q in enumerate(parts[part], 1)]
    div_id = "quiz" + hashlib.sha1(f"{notebook}|{part}".encode()).hexdigest()[:10]
    container = render_div(div_id, False, False, False, 1_000_000, 720, 10, "left") + "</div>"
    styles = build_styles(div_id, COLORS).replace("</style>", EXTRA_CSS.format(id=div_id) + "</style>")
    return [{"text/html": container + styles, "text/plain": RUN_ME},
            {"application/javascript": _script(questions, div_id), "text/plain": RUN_ME}]


def show(notebook: str, part: str = DEFAULT_PART) -> None:
    """Show the quiz ``part`` of ``notebook`` (see the module docstring)."""
    from IPython.display import display

    for bundle in render(notebook, part):
        display(bundle, raw=True)
