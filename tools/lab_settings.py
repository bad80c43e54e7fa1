"""Install the course's JupyterLab defaults into the running Python environment:

    python tools/lab_settings.py     # make setup runs it; conda users run it once after creating the env

It copies tools/lab_overrides.json to <environment>/share/jupyter/lab/settings/overrides.json, where JupyterLab
reads defaults: Korean menus (the pinned Korean language pack; Settings → Language switches back to English),
no "official Jupyter news" pop-up and no update check, Markdown files open rendered. A learner's own settings
still win over these defaults.
"""
import shutil
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "lab_overrides.json"


def install(prefix: Path = Path(sys.prefix)) -> Path:
    target = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, target)
    return target


if __name__ == "__main__":
    print(f"JupyterLab defaults -> {install()}")
