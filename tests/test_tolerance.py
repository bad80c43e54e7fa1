"""The notebook comparison tolerates floating-point noise in numbers and nothing else (tests/tolerance.py)."""
import pytest

from tests.tolerance import Tolerance, explain, same_output


@pytest.mark.parametrize("ref, test", [
    ("RMSE 2.515", "RMSE 2.516"),                       # last digit
    ("0.094 / 2.515", "0.093 / 2.516"),                 # two units of the last digit
    ("R² = 0.912", "R² = 0.925"),                       # within 2 %
    ("차이 -0.000", "차이 0.000"),                          # sign of a rounded zero
    ("3.9e-12", "3.95e-12"),
    ("수율 56.2 %, d50 26.6 µm", "수율 56.3 %, d50 26.5 µm"),
    ("<td>1.234</td><td>731</td>", "<td>1.236</td><td>731</td>"),
    ("a     9.98  b\nc    10.00  d", "a    10.01  b\nc     9.99  d"),  # a column re-padded
])
def test_noise_passes(ref, test):
    assert same_output(ref, test), explain(ref, test)


@pytest.mark.parametrize("ref, test, why", [
    ("RMSE 2.515", "RMSE 2.9", "differs by"),                     # a real change
    ("RMSE 2.515", "RMSE 2.767", "differs by"),                   # 10 % (an edited stored RMSE)
    ("모델이 이깁니다 2.5", "모델이 집니다 2.5", "text differs"),           # a changed word
    ("(731, 14)", "(731, 15)", "integers"),                       # a changed table shape
    ("<tr><td>1.0</td></tr>", "<tr><td>1.0</td></tr><tr><td>2.0</td></tr>", "numbers expected"),  # a new row
    ("RMSE 2.515", "RMSE 2.515 (R² 0.91)", "numbers expected"),   # a number appears
    ("RMSE 2.515 (R² 0.91)", "RMSE 2.515 ()", "numbers expected"),  # a number disappears
    ("조기 종료: 57 에폭", "조기 종료: 58 에폭", "integers"),            # counts are exact by default
    ("1,000,000 heats", "1,000,001 heats", "integers"),
])
def test_real_changes_fail(ref, test, why):
    assert not same_output(ref, test)
    assert why in explain(ref, test)


def test_spaces_only_stretch():
    assert explain("합격 1.0", "합격  1.0") is None
    assert explain("합격 1.0", "합격1.0").startswith("text differs")
    assert explain("a\nb 1.0", "a b 1.0").startswith("text differs")


def test_words_next_to_digits_are_text():
    assert explain("day3 d50", "day4 d50").startswith("text differs")


def test_cell_tags_widen_the_tolerance():
    wide = Tolerance.from_tags(["nbval-tolerance-rel-0.2"])
    assert same_output("조기 종료: 57 에폭", "조기 종료: 66 에폭", wide)
    assert not same_output("조기 종료: 57 에폭", "조기 종료: 75 에폭", wide)
    near_zero = Tolerance.from_tags(["nbval-tolerance-abs-0.01"])
    assert same_output("개선 +0.012", "개선 +0.004", near_zero)
    assert not same_output("개선 +0.012", "개선 +0.004")
    assert Tolerance.from_tags(["solution"]) == Tolerance()
