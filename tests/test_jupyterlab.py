"""JupyterLab as a learner meets it (`make lab`): Korean menus (the pinned Korean language pack, chosen in
tools/lab_overrides.json), no "official Jupyter news" pop-up, and a quiz that answers in the notebook.
A JupyterLab server from this environment and headless Chromium, driven over the DevTools protocol;
settings, workspaces and the notebook-trust database live in a temporary folder, so the learner's own
Jupyter files are never touched. The screenshot lands in build/test-output/ for a person to look at.
Skipped, with the reason, where Chromium is not installed."""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "test-output"
NOTEBOOK = "day6_improvement/06_quiz.ipynb"
BIN = Path(sys.executable).parent


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        try:
            value = check()
            if value:
                return value
        except Exception:  # not up yet
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


class Page:
    """One Chromium tab over the DevTools protocol (just what the test needs)."""

    def __init__(self, ws_url):
        import websocket
        self.ws = websocket.create_connection(ws_url, timeout=60)
        self.n = 0

    def call(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.n:
                return msg.get("result", {})

    def js(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return r.get("result", {}).get("value")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(page, screenshot function) with the course's JupyterLab showing NOTEBOOK."""
    chromium = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")
                     if shutil.which(c)), None)
    if chromium is None:
        pytest.skip("Chromium not found: install Debian's chromium package (apt-get install chromium) "
                    "to run the browser check")
    pytest.importorskip("websocket", reason="websocket-client (installed with jupyter-server) is needed")
    tmp = tmp_path_factory.mktemp("lab")
    env = dict(os.environ, JUPYTER_DATA_DIR=str(tmp / "data"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp / "config"))
    # trusted in this temporary trust database only: stored quiz outputs run as they do after the learner runs them
    subprocess.run([BIN / "jupyter", "trust", NOTEBOOK], cwd=ROOT, env=env, check=True, capture_output=True)
    port, debug_port = _free_port(), _free_port()
    server = subprocess.Popen(
        [BIN / "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.token=", "--ServerApp.password=",
         f"--ServerApp.root_dir={ROOT}", f"--LabApp.user_settings_dir={tmp / 'settings'}",
         f"--LabApp.workspaces_dir={tmp / 'workspaces'}", *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    browser = subprocess.Popen(
        [chromium, "--headless", *(["--no-sandbox"] if os.geteuid() == 0 else []), "--disable-gpu", "--no-first-run", f"--remote-debugging-port={debug_port}",
         f"--user-data-dir={tmp / 'chromium-profile'}", "--window-size=1400,1000", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2).status == 200, 90,
              "the JupyterLab server")
        tabs = _wait(lambda: json.load(urllib.request.urlopen(f"http://127.0.0.1:{debug_port}/json", timeout=2)), 30,
                     "Chromium")
        page = Page(next(t for t in tabs if t["type"] == "page")["webSocketDebuggerUrl"])
        page.call("Page.enable")
        page.call("Page.navigate", url=f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}")
        _wait(lambda: page.js("document.querySelectorAll('.jp-Notebook .Quiz').length") > 0, 90, "the notebook's quizzes")
        time.sleep(3)  # let late pop-ups (news, updates) show up if they were going to

        def screenshot(name):
            png = base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"])
            OUT.mkdir(parents=True, exist_ok=True)
            (OUT / name).write_bytes(png)
            return png

        yield page, screenshot
    finally:
        browser.kill()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def test_menus_are_korean_and_no_news_popup(lab):
    page, screenshot = lab
    menus = page.js("[...document.querySelectorAll('.lm-MenuBar-itemLabel')].map(e => e.innerText)")
    assert {"파일", "편집", "보기", "실행", "커널", "설정", "도움말"} <= set(menus), menus
    toasts = page.js("[...document.querySelectorAll('.Toastify__toast')].map(e => e.innerText)")
    assert not toasts, f"pop-ups on start: {toasts}"
    png = screenshot("jupyterlab_06_quiz.png")
    assert len(png) > 20_000


def test_quiz_answers_in_jupyterlab(lab):
    from utils import quiz
    page, screenshot = lab
    seen = page.js("""(() => {
      const q = [...document.querySelectorAll('.jp-Notebook .Quiz')].find(e => e.querySelector('label.MCButton'));
      if (!q) return null;
      q.scrollIntoView();
      const labels = [...q.querySelectorAll('label.MCButton')], fb = q.querySelector('.Feedback');
      labels.find(l => l.dataset.correct !== 'true').querySelector('span').click(); const wrong = fb.innerText;
      labels.find(l => l.dataset.correct === 'true').querySelector('span').click();
      return [wrong, fb.innerText]; })()""")
    assert seen, "no multiple-choice quiz rendered"
    assert seen[0] == quiz.WRONG_OPTION and seen[1].startswith(quiz.RIGHT), seen
    screenshot("jupyterlab_06_quiz_answered.png")
