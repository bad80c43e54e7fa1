"""Build the offline reader: a static HTML version of the whole course in build/html/.

    python tools/build_html.py          # -> build/html/index.html and build/html/dayN_*/NN_*.html
    make html

index.html lists the six days and their notebooks (titles from each notebook's first heading); each
notebook becomes one page, exported by nbconvert's ``HTMLExporter`` with the 'lab' template made
offline (tools/templates/offline.html.j2): figures are embedded as data: URIs, nothing is loaded from
the network (no require.js, MathJax or mermaid from a CDN, so LaTeX shows as TeX source unless
``--mathjax-url`` names a MathJax you host), and Korean renders on machines without a Korean system
font: the NanumGothic font that koreanize-matplotlib ships is cut down (fontTools) to the characters
the course uses and embedded in every page as a data: URI (browsers refuse web fonts from file:// paths,
so a separate font file would not load). Solution cells are folded ("풀이 보기").
Open build/html/index.html in any browser; the folder can be copied or zipped as it is.
"""
from __future__ import annotations

import argparse
import html
import base64
import importlib.util
import io
import logging
import re
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from coursefiles import DAY_TITLES, ROOT, SOLUTION_TAG, day_dirs, first_heading, notebooks, rel

TEMPLATES = Path(__file__).resolve().parent / "templates"
FONT_FILE = "NanumGothic.ttf"
FONT_URL = "__COURSE_FONT_URL__"  # placeholder, replaced by the embedded font once all pages are known

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


def font_data_uri(text: str) -> str:
    """NanumGothic cut down to the characters of ``text``, as a data: URI (WOFF); '' without the font."""
    path = font_source()
    if path is None:
        print("warning: koreanize-matplotlib's NanumGothic.ttf not found; Korean needs a system font",
              file=sys.stderr)
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


def course_css() -> str:
    """Fonts and the few styles that the index and every page share."""
    return f"""
@font-face {{ font-family: 'NanumGothic'; src: url('{FONT_URL}') format('woff'); }}
html body {{
  --jp-content-font-family: 'NanumGothic', system-ui, sans-serif;
  --jp-ui-font-family: 'NanumGothic', system-ui, sans-serif;
  --jp-code-font-family-default: 'DejaVu Sans Mono', menlo, consolas, monospace, 'NanumGothic';
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


def export_notebook(exporter: HTMLExporter, nb_path: Path, title: str, nav: str, mathjax_url: str = "") -> str:
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata["title"] = title  # the page's <title>
    resources = {
        "metadata": {"name": nb_path.stem, "path": str(nb_path.parent)},
        "offline": {"css": course_css(), "nav": nav, "mathjax_url": mathjax_url,
                    "solution_tag": SOLUTION_TAG},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # links between notebooks point at their pages; links to a day folder at its part of the index
    body = _IPYNB_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)
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
<p class="note">6일 과정의 읽기 전용 판입니다. 코드를 실행하려면 JupyterLab에서 노트북을 여세요 (<code>make lab</code>).<br>
A read-only edition of the six-day course; to run the code, open the notebooks in JupyterLab (<code>make lab</code>).</p>
{chr(10).join(blocks)}
</body>
</html>
"""


def build(root: Path = ROOT, out: Path | None = None, only: list[Path] | None = None,
          mathjax_url: str = "", quiet: bool = False) -> Path:
    """Build the reader under ``out`` (default ROOT/build/html); with ``only``, export just those
    notebooks (the index still lists every notebook). Returns the index path."""
    root = Path(root).resolve()
    out = Path(out).resolve() if out is not None else root / "build" / "html"
    out.mkdir(parents=True, exist_ok=True)

    all_nbs = notebooks(root)
    titles = {p: first_heading(nbformat.read(p, as_version=4), default=p.stem) for p in all_nbs}
    wanted = all_nbs if only is None else [p for p in all_nbs if p in {Path(q).resolve() for q in only}]
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
        body = export_notebook(exporter, p, titles[p], nav_html(up + "index.html", prev, nxt), mathjax_url)
        found = external_resources(body)
        if found and not mathjax_url:
            raise RuntimeError(f"{rel(p, root)}: the page would load from the network: {found[:3]}")
        pages[out / here] = body
        if not quiet:
            print(f"{rel(p, root)}  exported in {time.perf_counter() - t0:.1f} s", flush=True)

    if only is None:  # pages of notebooks renamed or removed upstream
        for stale in out.glob("day*/*.html"):
            if stale not in pages:
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

    chars = set()
    for body in pages.values():
        chars.update(body)
    font = font_data_uri("".join(chars))
    for target, body in pages.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body.replace(FONT_URL, font), encoding="utf-8")
    if not quiet:
        size = sum(t.stat().st_size for t in pages) / 1e6
        print(f"{rel(index, root)}  ({len(all_nbs)} notebook(s) listed, {len(pages) - 1} page(s) written, "
              f"{size:.1f} MB, embedded font {len(font) / 1e3:.0f} kB per page)")
    return index


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="course root (default: this repository)")
    ap.add_argument("--out", type=Path, help="output folder (default: ROOT/build/html)")
    ap.add_argument("--only", type=Path, nargs="+", help="export only these notebooks (index lists all)")
    ap.add_argument("--mathjax-url", default="",
                    help="MathJax 2 script to load for LaTeX (a local copy keeps the reader offline); "
                         "default: none, LaTeX shows as TeX source")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    index = build(args.root, args.out, args.only, args.mathjax_url)
    print(f"open {index.as_uri()}   ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
