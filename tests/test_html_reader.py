"""The offline HTML reader (tools/build_html.py): built for the index and one notebook with a figure,
then opened in headless Chromium: screenshots land in build/test-output/, the DOM must hold Korean
text and an embedded (data: URI) figure. Skipped, with the reason, where Chromium is not installed.
Everything is made in a temporary folder and the screenshots are copied to build/test-output/ at the
end, so two test runs in one checkout do not trip over each other's files."""
import base64
import html
import os
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
OUT = ROOT / "build" / "test-output"
sys.path.insert(0, str(TOOLS))  # tools/ is a folder of scripts, not a package

import build_html  # noqa: E402
import coursefiles  # noqa: E402

HANGUL = re.compile(r"[\uac00-\ud7a3]")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", *(["--no-sandbox"] if os.geteuid() == 0 else []), "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _has_figure(path):
    return any("image/png" in o.get("data", {}) for c in nbformat.read(path, as_version=4).cells
               if c.cell_type == "code" for o in c.outputs)


def _synthetic_course(root):
    """A one-notebook course with a Korean title and a figure, for when no course notebook has one yet."""
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (320, 200), "white")
    ImageDraw.Draw(img).line([(20, 180), (160, 60), (300, 20)], fill="navy", width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    nb = nbformat.v4.new_notebook()
    fig = nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(buf.getvalue()).decode(),
                                                       "text/plain": "<Figure>"})
    nb.cells = [nbformat.v4.new_markdown_cell("# 시험용 노트북: 가스 분무 공정\n\n한글 문장이 보여야 합니다. "
                                              "[다음](02_next.ipynb#a), [2일차](../day2_preprocessing/), "
                                              "[웹](https://example.org/x.ipynb)"),
                nbformat.v4.new_code_cell("plt.plot(x, y)", execution_count=1, outputs=[fig])]
    path = root / "day1_overview" / "01_demo.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """(index, page): the reader built into build/test-output/html for one notebook with a figure
    (the smallest course notebook that has one, else a synthetic one)."""
    with_figure = [p for p in coursefiles.notebooks(ROOT) if _has_figure(p)]
    if with_figure:
        root, page_nb = ROOT, min(with_figure, key=lambda p: p.stat().st_size)
    else:
        root = tmp_path_factory.mktemp("course")
        page_nb = _synthetic_course(root)
    out = tmp_path_factory.mktemp("html")
    index = build_html.build(root, out, only=[page_nb], quiet=True)
    return index, out / build_html.page_path(page_nb, root)


def test_reader_is_offline_and_korean(reader):
    index, page = reader
    text = index.read_text(encoding="utf-8")
    for n, title in coursefiles.DAY_TITLES.items():
        assert f"{n}일차 {title}" in text
    assert page.relative_to(index.parent).as_posix() in text  # the index links the page
    for f in (index, page):
        body = f.read_text(encoding="utf-8")
        assert '<meta charset="utf-8"' in body.lower() and 'lang="ko"' in body
        assert not build_html.external_resources(body), f"{f.name} loads from the network"
        _check_font_covers_korean(body)
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page.read_text(encoding="utf-8"))
    glossary = index.parent / build_html.GLOSSARY_PAGE          # GLOSSARY.md, linked from every notebook
    assert "용어집" in glossary.read_text(encoding="utf-8") and "<table>" in glossary.read_text(encoding="utf-8")
    assert f'href="{build_html.GLOSSARY_PAGE}"' in text


def test_reader_links(tmp_path):
    """Links between notebooks lead to their pages, links to a day folder to its part of the index."""
    nb = _synthetic_course(tmp_path / "course")
    index = build_html.build(tmp_path / "course", tmp_path / "html", quiet=True)
    body = (index.parent / build_html.page_path(nb, tmp_path / "course")).read_text(encoding="utf-8")
    assert 'href="02_next.html#a"' in body and 'href="../index.html#day2"' in body
    assert 'href="https://example.org/x.ipynb"' in body
    assert 'id="day2"' in index.read_text(encoding="utf-8")


def _check_font_covers_korean(body):
    """The embedded font (Korean renders without a system font) has a glyph for every Hangul syllable
    of the page, so none can turn into a box."""
    from fontTools.ttLib import TTFont
    m = re.search(r"data:font/woff;base64,([A-Za-z0-9+/=]+)", body)
    assert m, "no embedded font"
    cmap = TTFont(io.BytesIO(base64.b64decode(m.group(1)))).getBestCmap()
    missing = {ch for ch in HANGUL.findall(body) if ord(ch) not in cmap}
    assert not missing, f"embedded font lacks {sorted(missing)[:10]}"


def _chromium():
    for cand in CHROMIUM_NAMES:
        found = shutil.which(cand)
        if found:
            return found
    pytest.skip("Chromium not found: install Debian's chromium package (apt-get install chromium) "
                "to run the browser check")


def _browse(chromium, tmp_path, url, *args):
    cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _check_screenshot(path):
    from PIL import Image, ImageStat
    assert path.exists() and path.stat().st_size > 10_000, f"{path} missing or tiny"
    with Image.open(path) as img:
        assert img.size == (1200, 1600)
        stat = ImageStat.Stat(img.convert("L"))
    assert stat.stddev[0] > 5, f"{path} looks blank (pixel std {stat.stddev[0]:.1f})"


def test_reader_in_chromium(reader, tmp_path):
    chromium = _chromium()
    index, page = reader
    shots = []
    for name, f in (("reader_index.png", index), ("reader_notebook.png", page)):
        shot = tmp_path / name
        r = _browse(chromium, tmp_path, f.as_uri(), f"--screenshot={shot}", "--window-size=1200,1600")
        assert r.returncode == 0, r.stderr[-2000:]
        _check_screenshot(shot)
        shots.append(shot)
    OUT.mkdir(parents=True, exist_ok=True)
    for shot in shots:  # kept for a person to look at
        shutil.copyfile(shot, OUT / shot.name)
    dom = _browse(chromium, tmp_path, page.as_uri(), "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert len(HANGUL.findall(dom.stdout)) > 10, "no Korean text in the rendered page"
    assert re.search(r'<img[^>]+src="data:image/png;base64,', dom.stdout), "no embedded figure in the DOM"


# --- quizzes and formulas ----------------------------------------------------------------------------

# injected into a copy of a page: after load, answer the first multiple-choice question wrongly then rightly,
# the first short-answer question likewise, and write what the learner saw into <pre id="probe">
PROBE = """<script>
window.addEventListener('load', () => setTimeout(() => {
  const out = {};
  const quiz = document.querySelector('[id^="quiz"]');
  const mc = quiz && [...quiz.querySelectorAll('.Quiz')].find(q => q.querySelector('label.MCButton'));
  if (mc) {
    const labels = [...mc.querySelectorAll('label.MCButton')], fb = mc.querySelector('.Feedback');
    out.options = labels.map(l => l.innerText);
    labels.find(l => l.dataset.correct !== 'true').querySelector('span').click(); out.mcWrong = fb.innerText;
    labels.find(l => l.dataset.correct === 'true').querySelector('span').click(); out.mcRight = fb.innerText;
  }
  const inp = quiz && quiz.querySelector('input.Input-text');
  if (inp) {
    const fb = inp.closest('.Quiz').querySelector('.Feedback');
    inp.value = '모르겠다'; check_string(inp, {keyCode: 13}); out.textWrong = fb.innerText;
    inp.value = JSON.parse(inp.dataset.answers)[0].answer; check_string(inp, {keyCode: 13}); out.textRight = fb.innerText;
  }
  out.math = document.querySelectorAll('mjx-container').length;
  const prose = [...document.querySelectorAll('.jp-RenderedMarkdown')].map(e => e.innerText).join(' ');
  out.tex = (prose.match(/\\$[^$]{1,200}\\$|\\\\(frac|sqrt|sigma|partial|text)\\b/g) || []).slice(0, 5);
  out.won = document.body.innerText.includes('\\u20a9');
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, 1500));
</script>"""


def _has_quiz_and_math(path):
    nb = nbformat.read(path, as_version=4)
    return (any("quiz.show(" in c.source and c.outputs for c in nb.cells if c.cell_type == "code")
            and any(re.search(r"\$[^$]+\$", c.source) for c in nb.cells if c.cell_type == "markdown"))


@pytest.fixture(scope="module")
def quiz_page(tmp_path_factory):
    """The reader's page of the smallest course notebook with a quiz and formulas."""
    candidates = [p for p in coursefiles.notebooks(ROOT) if _has_quiz_and_math(p)]
    if not candidates:
        pytest.skip("no executed course notebook has both a quiz and formulas")
    nb = min(candidates, key=lambda p: p.stat().st_size)
    out = tmp_path_factory.mktemp("html-quiz")
    build_html.build(ROOT, out, only=[nb], quiet=True)
    return out / build_html.page_path(nb, ROOT)


def test_quiz_and_math_in_chromium(quiz_page, tmp_path):
    """A learner answers wrongly, then rightly, and sees both verdicts; formulas are typeset, no TeX source
    or Won sign is left on the page."""
    from utils import quiz
    chromium = _chromium()
    probe = quiz_page.with_name("probe_" + quiz_page.name)  # same folder: the relative mathjax/ path holds
    probe.write_text(quiz_page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _browse(chromium, tmp_path, probe.as_uri(), "--virtual-time-budget=20000", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout)
    assert m, "the probe did not run (a script error on the page?)"
    seen = json.loads(html.unescape(m.group(1)))
    assert seen["mcWrong"] == quiz.WRONG_OPTION and seen["mcRight"].startswith(quiz.RIGHT), seen
    assert seen["options"][0].startswith("①")
    assert seen["textWrong"] == quiz.WRONG_TEXT and seen["textRight"].startswith(quiz.RIGHT), seen
    assert seen["math"] > 0, "no formula was typeset"
    assert not seen["tex"], f"TeX source left on the page: {seen['tex']}"
    assert not seen["won"], "a Won sign is on the page"
    shot = tmp_path / "reader_quiz.png"
    r = _browse(chromium, tmp_path, quiz_page.as_uri(), "--virtual-time-budget=10000", f"--screenshot={shot}",
                "--window-size=1200,1600")
    assert r.returncode == 0, r.stderr[-2000:]
    _check_screenshot(shot)
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, OUT / shot.name)


def test_code_font_draws_backslashes(reader):
    """Code (and any backslash in prose) uses DejaVu fonts embedded in the page, whose U+005C is a
    backslash: NanumGothic, the Korean font, draws it as a Won sign."""
    from fontTools.ttLib import TTFont
    _, page = reader
    body = page.read_text(encoding="utf-8")
    assert re.search(r"--jp-code-font-family-default:\s*'CourseMono'", body)
    assert re.search(r"--jp-content-font-family:\s*'CourseBackslash'", body)
    for family in ("CourseMono", "CourseBackslash"):
        m = re.search(rf"font-family: '{family}'; src: url\('data:font/woff;base64,([A-Za-z0-9+/=]+)'\)", body)
        assert m, f"{family} is not embedded"
        font = TTFont(io.BytesIO(base64.b64decode(m.group(1))))
        assert font.getBestCmap().get(0x5C) == "backslash", family


def test_reader_ships_mathjax(reader):
    index, page = reader
    src = re.search(r'<script[^>]*\bsrc="([^"]*tex-svg\.js)"', page.read_text(encoding="utf-8"))
    assert src, "the page does not load MathJax"
    assert (page.parent / src.group(1)).resolve().exists(), "MathJax is not next to the pages"


def test_reader_refuses_source_folders_and_keeps_foreign_files(tmp_path):
    """The reader never writes into the sources, and removes only stale pages it wrote itself."""
    with pytest.raises(ValueError, match="overwrite the course's own files"):
        build_html.build(ROOT, ROOT / "day1_overview" / "html", quiet=True)
    with pytest.raises(ValueError, match="not course notebooks"):
        build_html.build(ROOT, tmp_path / "x", only=[ROOT / "README.md"], quiet=True)
    course = tmp_path / "course"
    _synthetic_course(course)
    out = tmp_path / "html"
    (out / "day1_overview").mkdir(parents=True)
    foreign = out / "day1_overview" / "notes.html"
    foreign.write_text("<p>my notes</p>", encoding="utf-8")
    stale = out / "day1_overview" / "02_removed.html"
    stale.write_text('<nav class="course-nav"></nav>', encoding="utf-8")
    build_html.build(course, out, quiet=True)
    assert foreign.exists() and not stale.exists()
