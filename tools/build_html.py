"""Build the offline reader: a static HTML version of the whole course in build/html/.

    python tools/build_html.py          # -> build/html/index.html and build/html/dayN_*/NN_*.html
    make html

index.html lists the six days and their notebooks (titles from each notebook's first heading); each
notebook becomes one page, exported by nbconvert's ``HTMLExporter`` with the 'lab' template made
offline (tools/templates/offline.html.j2): figures are embedded as data: URIs and nothing is loaded from
the network. Formulas are typeset by MathJax 3 (SVG output, no web fonts), copied from the pinned
django-static-mathjax package into build/html/mathjax/. Quizzes work without a kernel (their script is
in the page). Korean renders on machines without a Korean system font: the NanumGothic font that
koreanize-matplotlib ships is cut down (fontTools) to the characters the course uses and embedded in
every page as a data: URI (browsers refuse web fonts from file:// paths, so a separate font file would
not load); code uses matplotlib's DejaVu Sans Mono, embedded the same way, so that a backslash is a
backslash (NanumGothic draws it as the Won sign ₩). Solution cells are folded ("풀이 보기").
Open build/html/index.html in any browser; the folder can be copied or zipped as it is.
"""
from __future__ import annotations

import argparse
import html
import base64
import importlib.util
import io
import json
import logging
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from utils import quiz as course_quiz

from coursefiles import check_out_folder, DAY_TITLES, ROOT, SOLUTION_TAG, day_dirs, first_heading, notebooks, rel

TEMPLATES = Path(__file__).resolve().parent / "templates"
FONT_FILE = "NanumGothic.ttf"
# placeholders, replaced by the embedded fonts once all pages (and so all characters) are known
FONT_URL = "__COURSE_FONT_URL__"          # NanumGothic: prose and Hangul
MONO_URL = "__COURSE_MONO_URL__"          # DejaVu Sans Mono: code
SLASH_URL = "__COURSE_BACKSLASH_URL__"    # DejaVu Sans, only U+005C: a backslash in prose is not a Won sign
MATHJAX_DIR = "mathjax"                   # build/html/mathjax/tex-svg.js (+ the TeX extensions it may load)

# resources a browser would fetch by itself (links a reader may click are fine)
_EXTERNAL = re.compile(
    r"""<(?:script|img|iframe|audio|video|source|embed)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//"""
    r"""|@import\s+["'](?:https?:)?//"""
    r"""|\bimport\(\s*["'](?:https?:)?//""",
    re.IGNORECASE,
)
_IPYNB_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|#|/)([^"#]*?)\.ipynb(#[^"]*)?"', re.IGNORECASE)
_GLOSSARY_LINK = re.compile(r'href="((?:\.\./)*)GLOSSARY\.md"')  # the glossary becomes a page of the reader
GLOSSARY_PAGE = "glossary.html"
_DAY_LINK = re.compile(r'href="((?:\.\./)*)day(\d+)_[\w-]+/?"')  # a link to a day folder


def external_resources(text: str) -> list[str]:
    """Snippets of ``text`` that make a browser load something from the network."""
    return [text[m.start():m.start() + 120] for m in _EXTERNAL.finditer(text)]


def font_source() -> Path | None:
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "fonts" / FONT_FILE
    return path if path.exists() else None


def dejavu(name: str) -> Path:
    """One of the DejaVu fonts that matplotlib ships (DejaVuSans.ttf, DejaVuSansMono.ttf)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def font_data_uri(text: str, path: Path | None = None) -> str:
    """The font at ``path`` (default NanumGothic) cut down to the characters of ``text``, as a data: URI
    (WOFF); '' without the font."""
    path = path or font_source()
    if path is None or not path.exists():
        print(f"warning: font {path or FONT_FILE} not found; pages use a system font", file=sys.stderr)
        return ""
    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    opts = subset.Options()
    opts.flavor = "woff"
    font = subset.load_font(str(path), opts)
    subsetter = subset.Subsetter(opts)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buf = io.BytesIO()
    subset.save_font(font, buf, opts)
    return "data:font/woff;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def mathjax_source() -> Path:
    """MathJax 3's es5 folder from the django-static-mathjax package (requirements.txt)."""
    spec = importlib.util.find_spec("mathjax")
    folder = Path(spec.origin).parent / "static" / "mathjax" / "es5" if spec and spec.origin else None
    if folder is None or not (folder / "tex-svg.js").exists():
        raise RuntimeError("MathJax not found: install the course's requirements (make setup), which pin "
                           "django-static-mathjax, the package that ships MathJax's files.")
    return folder


def copy_mathjax(out: Path) -> None:
    """tex-svg.js and the TeX extensions it loads on demand, into out/mathjax/ (skipped when up to date)."""
    src = mathjax_source()
    for rel_path in ["tex-svg.js", *(p.relative_to(src).as_posix() for p in (src / "input" / "tex" / "extensions").rglob("*.js"))]:
        target = out / MATHJAX_DIR / rel_path
        if not target.exists() or target.stat().st_size != (src / rel_path).stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / rel_path, target)


def mathjax_html(prefix: str) -> str:
    """MathJax 3 set up as in JupyterLab ($…$ and $$…$$; code and outputs left alone), from ``prefix``mathjax/."""
    config = {"tex": {"inlineMath": [["$", "$"], ["\\(", "\\)"]], "displayMath": [["$$", "$$"], ["\\[", "\\]"]],
                      "processEscapes": True, "processEnvironments": True},
              "svg": {"fontCache": "global"},
              "options": {"ignoreHtmlClass": "jp-OutputArea|jp-InputArea|course-nav", "processHtmlClass": "jp-RenderedMarkdown"}}
    return (f"<script>window.MathJax = {json.dumps(config)};</script>\n"
            f'<script src="{prefix}{MATHJAX_DIR}/tex-svg.js" defer></script>')


def course_css() -> str:
    """Fonts and the few styles that the index and every page share."""
    return f"""
@font-face {{ font-family: 'NanumGothic'; src: url('{FONT_URL}') format('woff'); }}
@font-face {{ font-family: 'CourseMono'; src: url('{MONO_URL}') format('woff'); }}
@font-face {{ font-family: 'CourseBackslash'; src: url('{SLASH_URL}') format('woff'); unicode-range: U+005C; }}
html body {{
  --jp-content-font-family: 'CourseBackslash', 'NanumGothic', system-ui, sans-serif;
  --jp-ui-font-family: 'CourseBackslash', 'NanumGothic', system-ui, sans-serif;
  --jp-code-font-family-default: 'CourseMono', 'DejaVu Sans Mono', menlo, consolas, monospace, 'NanumGothic';
  --jp-code-font-family: var(--jp-code-font-family-default);
  font-family: var(--jp-content-font-family);
}}
nav.course-nav {{ font-family: 'NanumGothic', sans-serif; padding: 8px 0; margin: 0 0 8px 0;
  border-bottom: 1px solid #ddd; display: flex; gap: 1.5em; flex-wrap: wrap; }}
nav.course-nav a {{ text-decoration: none; color: #1565c0; }}
details.course-solution {{ border-left: 3px solid #90caf9; margin: 6px 0; padding-left: 6px; }}
details.course-solution > summary {{ cursor: pointer; color: #1565c0; font-family: 'NanumGothic', sans-serif; }}
"""


def nav_html(index_href: str, prev=None, nxt=None) -> str:
    parts = [f'<a href="{index_href}">목차 (contents)</a>']
    if prev:
        parts.append(f'<a href="{prev[0]}">← 이전: {html.escape(prev[1])}</a>')
    if nxt:
        parts.append(f'<a href="{nxt[0]}">다음: {html.escape(nxt[1])} →</a>')
    return '<nav class="course-nav">' + "".join(parts) + "</nav>"


def make_exporter() -> HTMLExporter:
    return HTMLExporter(template_name="lab", template_file="offline.html.j2",
                        extra_template_paths=[str(TEMPLATES)], embed_images=True, language_code="ko")


def page_path(nb_path: Path, root: Path) -> str:
    """Page of a notebook, relative to the output folder: day1_overview/01_x.html."""
    return Path(rel(nb_path, root)).with_suffix(".html").as_posix()


def export_notebook(exporter: HTMLExporter, nb_path: Path, title: str, nav: str, mathjax: str = "") -> str:
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata["title"] = title  # the page's <title>
    resources = {
        "metadata": {"name": nb_path.stem, "path": str(nb_path.parent)},
        "offline": {"css": course_css(), "nav": nav, "mathjax": mathjax,
                    "solution_tag": SOLUTION_TAG},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # links between notebooks point at their pages; links to a day folder at its part of the index
    body = _IPYNB_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)
    body = _GLOSSARY_LINK.sub(lambda m: f'href="{m.group(1)}{GLOSSARY_PAGE}"', body)
    return _DAY_LINK.sub(lambda m: f'href="{m.group(1)}index.html#day{m.group(2)}"', body)


def index_html(days: list[tuple[int, str, list[tuple[str, str, str, bool]]]]) -> str:
    """days: (number, title, [(page href, notebook title, file name, built)])."""
    blocks = []
    for n, title, items in days:
        lis = []
        for href, nb_title, fname, built in items:
            label = html.escape(nb_title)
            link = f'<a href="{href}">{label}</a>' if built else f"{label} (not built)"
            lis.append(f'<li>{link} <span class="file">{html.escape(fname)}</span></li>')
        if not lis:
            lis.append('<li class="empty">준비 중 (no notebooks yet)</li>')
        blocks.append(f'<section class="day" id="day{n}"><h2>{n}일차 {html.escape(title)}</h2>\n<ul>\n'
                      + "\n".join(lis) + "\n</ul></section>")
    return f"""<!DOCTYPE html>
<html lang="ko">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>머신러닝을 활용한 금속분말 생산공정 최적화 — 과정 목차</title>
<style type="text/css">
{course_css()}
body {{ max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.6; color: #222; }}
h1 {{ font-size: 1.7em; margin-bottom: 0.2em; }}
h2 {{ font-size: 1.25em; margin: 1.4em 0 0.3em 0; border-bottom: 1px solid #ddd; }}
ul {{ margin: 0.2em 0; }}
.file {{ color: #888; font-size: 0.85em; margin-left: 0.5em; }}
.empty {{ color: #888; }}
p.note {{ color: #555; }}
</style>
</head>
<body>
<h1>머신러닝을 활용한 금속분말 생산공정 최적화</h1>
<p class="note"><a href="{GLOSSARY_PAGE}">용어집 (glossary)</a></p>
<p class="note">6일 과정의 읽기 전용 판입니다. 코드를 실행하려면 JupyterLab에서 노트북을 여세요 (<code>make lab</code>).<br>
A read-only edition of the six-day course; to run the code, open the notebooks in JupyterLab (<code>make lab</code>).</p>
{chr(10).join(blocks)}
</body>
</html>
"""


def glossary_html(path: Path) -> str:
    """GLOSSARY.md as a page of the reader (Markdown rendered by mistune, nbconvert's renderer)."""
    import mistune

    body = mistune.create_markdown(plugins=["table"])(path.read_text(encoding="utf-8"))
    return f"""<!DOCTYPE html>
<html lang="ko">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>용어집 (Glossary)</title>
<style type="text/css">
{course_css()}
body {{ max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.6; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em 0; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
code {{ font-family: var(--jp-code-font-family-default); }}
</style>
</head>
<body>
{nav_html("index.html")}
{body}
</body>
</html>
"""


def build(root: Path = ROOT, out: Path | None = None, only: list[Path] | None = None,
          quiet: bool = False) -> Path:
    """Build the reader under ``out`` (default ROOT/build/html); with ``only``, export just those
    notebooks (the index still lists every notebook). Returns the index path."""
    root = Path(root).resolve()
    out = check_out_folder(out if out is not None else root / "build" / "html", root, "HTML reader")
    out.mkdir(parents=True, exist_ok=True)
    copy_mathjax(out)

    all_nbs = notebooks(root)
    titles = {p: first_heading(nbformat.read(p, as_version=4), default=p.stem) for p in all_nbs}
    wanted = all_nbs if only is None else [p for p in all_nbs if p in {Path(q).resolve() for q in only}]
    if only is not None and len(wanted) < len(set(only)):
        unknown = sorted({str(q) for q in only} - {str(p) for p in wanted} - {rel(p, root) for p in wanted})
        raise ValueError(f"--only names files that are not course notebooks under {root}: {unknown}")
    exporter = make_exporter()
    pages: dict[Path, str] = {}
    for k, p in enumerate(all_nbs):
        if p not in wanted:
            continue
        t0 = time.perf_counter()
        here = Path(page_path(p, root))
        up = "../" * (len(here.parts) - 1)

        def href(q):
            return up + page_path(q, root)

        prev = (href(all_nbs[k - 1]), titles[all_nbs[k - 1]]) if k > 0 else None
        nxt = (href(all_nbs[k + 1]), titles[all_nbs[k + 1]]) if k + 1 < len(all_nbs) else None
        body = export_notebook(exporter, p, titles[p], nav_html(up + "index.html", prev, nxt), mathjax_html(up))
        found = external_resources(body)
        if found:
            raise RuntimeError(f"{rel(p, root)}: the page would load from the network: {found[:3]}")
        pages[out / here] = body
        if not quiet:
            print(f"{rel(p, root)}  exported in {time.perf_counter() - t0:.1f} s", flush=True)

    if only is None:  # pages of notebooks renamed or removed upstream (only pages this tool wrote go)
        for stale in out.glob("day*/*.html"):
            if stale not in pages and 'class="course-nav"' in stale.read_text(encoding="utf-8", errors="ignore"):
                stale.unlink()

    days = []
    folders = day_dirs(root)
    for n in sorted(set(DAY_TITLES) | set(folders)):
        title = DAY_TITLES.get(n, folders[n].name if n in folders else "")
        items = []
        for p in all_nbs:
            if p.parent == folders.get(n):
                target = out / page_path(p, root)
                items.append((page_path(p, root), titles[p], p.name, target in pages or target.exists()))
        days.append((n, title, items))
    index = out / "index.html"
    pages[index] = index_html(days)
    if (root / "GLOSSARY.md").exists():
        pages[out / GLOSSARY_PAGE] = glossary_html(root / "GLOSSARY.md")

    chars = set()
    for body in pages.values():
        chars.update(body)
    # quizzes travel base64-encoded in their script: their files' and verdicts' characters too
    for quiz_file in [*(root / "quizzes").rglob("*.json"), Path(course_quiz.__file__)]:
        chars.update(quiz_file.read_text(encoding="utf-8"))
    text = "".join(chars)
    fonts = {FONT_URL: font_data_uri(text), MONO_URL: font_data_uri(text, dejavu("DejaVuSansMono.ttf")),
             SLASH_URL: font_data_uri("\\", dejavu("DejaVuSans.ttf"))}
    for target, body in pages.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        for placeholder, uri in fonts.items():
            body = body.replace(placeholder, uri)
        target.write_text(body, encoding="utf-8")
    if not quiet:
        size = sum(t.stat().st_size for t in pages) / 1e6
        print(f"{rel(index, root)}  ({len(all_nbs)} notebook(s) listed, {len(pages) - 1} page(s) written, "
              f"{size:.1f} MB, embedded fonts {sum(map(len, fonts.values())) / 1e3:.0f} kB per page)")
    return index


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="course root (default: this repository)")
    ap.add_argument("--out", type=Path, help="output folder (default: ROOT/build/html)")
    ap.add_argument("--only", type=Path, nargs="+", help="export only these notebooks (index lists all)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        index = build(args.root, args.out, args.only)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"open {index.as_uri()}   ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
