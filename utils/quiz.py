"""Quizzes with instant feedback (introduced in day1_overview/01_project_overview).

In JupyterLab a learner calls ``q.check(answer)``; the notebook itself shows the question with
``q.show()``. Output is plain text, identical on every run (nbval compares it).

    q = MultipleChoice("질문?", ["A", "B"], answer=1, explanation="왜냐하면 ...")
    q.show();  q.check(1)
"""
from __future__ import annotations

from dataclasses import dataclass, field

CIRCLED = "①②③④⑤⑥⑦⑧⑨"


@dataclass
class MultipleChoice:
    """A multiple-choice question; ``answer`` is the 1-based number of the right option."""

    question: str
    options: list
    answer: int
    explanation: str = ""

    def __post_init__(self):
        if not 1 <= self.answer <= len(self.options):
            raise ValueError(f"answer must be an option number 1..{len(self.options)}, got {self.answer}.")

    def show(self) -> None:
        """Print the question and numbered options."""
        print(f"Q. {self.question}")
        for i, opt in enumerate(self.options, 1):
            print(f"  {CIRCLED[i - 1]} {opt}")
        print("→ 답: q.check(번호)")

    def check(self, choice) -> bool:
        """Print whether ``choice`` (1-based number) is right, with the explanation; return it."""
        try:
            number = int(choice)
        except (TypeError, ValueError):
            print(f"번호(1–{len(self.options)})로 답해 주세요. 받은 값: {choice!r}")
            return False
        if not 1 <= number <= len(self.options):
            print(f"보기는 1–{len(self.options)}번까지입니다. 받은 값: {number}")
            return False
        ok = number == self.answer
        mark = "정답입니다! ✔" if ok else f"아쉽네요. ✘ 정답은 {CIRCLED[self.answer - 1]} {self.options[self.answer - 1]}"
        print(f"{CIRCLED[number - 1]} → {mark}")
        if self.explanation:
            print(f"해설: {self.explanation}")
        return ok


@dataclass
class ShortAnswer:
    """A short-answer question; any of ``accepted`` matches (case, blanks, '-' and '_' ignored)."""

    question: str
    accepted: list
    explanation: str = ""
    display: str = field(default="")

    @staticmethod
    def _norm(text) -> str:
        return "".join(ch for ch in str(text).lower() if ch not in " -_")

    def show(self) -> None:
        print(f"Q. {self.question}")
        print("→ 답: q.check('답')")

    def check(self, text) -> bool:
        ok = self._norm(text) in {self._norm(a) for a in self.accepted}
        right = self.display or self.accepted[0]
        print(f"'{text}' → " + ("정답입니다! ✔" if ok else f"아쉽네요. ✘ 정답: {right}"))
        if self.explanation:
            print(f"해설: {self.explanation}")
        return ok


def run_quiz(questions, answers) -> int:
    """Show and check several questions at once (for a notebook's quiz cell); return the score."""
    if len(questions) != len(answers):
        raise ValueError(f"{len(questions)} questions but {len(answers)} answers.")
    score = 0
    for i, (q, a) in enumerate(zip(questions, answers), 1):
        print(f"[{i}/{len(questions)}]", end=" ")
        q.show()
        score += bool(q.check(a))
        print()
    print(f"점수: {score} / {len(questions)}")
    return score
