"""nbval compares the notebooks' text outputs up to floating-point noise (see tests/tolerance.py)."""
import copy

from nbval.plugin import IPyNbCell

from tests.tolerance import Tolerance, explain


def _texts(outputs):
    """(output, field, key) for every text field nbval compares, in nbval's order of keys."""
    for out in outputs:
        if out.get("output_type") == "stream":
            yield out, "text", out.get("name")
        for mime, value in out.get("data", {}).items():
            if isinstance(value, str) and not mime.startswith("image/"):
                yield out, mime, mime


class TolerantCell(IPyNbCell):
    """A notebook cell whose numbers may move by floating-point noise between CPUs, nothing else."""

    def compare_outputs(self, test, ref, skip_compare=None):
        tol = Tolerance.from_tags(self.cell.metadata.get("tags"))
        test = copy.deepcopy(test)
        refs = {}
        for out, _, key in _texts(ref):
            refs.setdefault(key, []).append(out["text"] if key == out.get("name") else out["data"][key])
        notes, seen = [], {}
        for out, field, key in _texts(test):
            i = seen[key] = seen.get(key, -1) + 1
            if i >= len(refs.get(key, [])):
                continue
            holder = out if field == "text" else out["data"]
            new, old = self.sanitize(holder[field]), self.sanitize(refs[key][i])
            why = explain(old, new, tol)
            if why is None:
                if new != old and ("nbval-tolerance", True) not in self.user_properties:
                    self.user_properties.append(("nbval-tolerance", True))   # reported at the end
                holder[field] = refs[key][i]       # equal up to noise: let nbval see the stored text
            else:
                notes.append(f"{key}: {why}")
        same = super().compare_outputs(test, ref, skip_compare)
        if not same and notes:
            self.comparison_traceback.insert(0, "numeric tolerance (tests/tolerance.py): " + "; ".join(notes))
        return same


def pytest_collection_modifyitems(items):
    for item in items:
        if type(item) is IPyNbCell:
            item.__class__ = TolerantCell


def pytest_terminal_summary(terminalreporter):
    """Say which cells needed the tolerance (on the machine that stored the outputs: none)."""
    cells = sorted({r.nodeid for r in terminalreporter.stats.get("passed", [])
                    if ("nbval-tolerance", True) in r.user_properties})
    if cells:
        terminalreporter.write_line(f"nbval: {len(cells)} cell(s) matched their stored outputs only within the numeric "
                                    "tolerance: " + ", ".join(c.replace(".ipynb::Cell ", ":") for c in cells))
