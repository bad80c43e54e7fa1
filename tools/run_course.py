"""Run the whole course: every notebook of every day, in order, each in a fresh kernel.

    python tools/run_course.py              # all days; changes no file
    python tools/run_course.py --day 3      # one day
    python tools/run_course.py --inplace    # also write the executed notebooks back (fresh outputs)
    make course            make course DAY=3

Each notebook runs with nbclient in a fresh ``python3`` kernel, with the notebook's folder as the
working directory (as ``jupyter execute`` does). A progress line is printed per notebook, then a table
of status, seconds and the slowest cell of each notebook, the slowest cells of the course, and the
total. The exit status is 1 when any notebook fails (2 when there is no notebook to run).
With ``--inplace`` each notebook that ran without error is written back, like
``jupyter execute --inplace``; a failing notebook is left untouched.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from coursefiles import ROOT, notebooks, rel


@dataclass
class Result:
    name: str
    ok: bool = False
    seconds: float = 0.0
    cell_seconds: dict = field(default_factory=dict)   # cell index -> seconds
    exec_counts: dict = field(default_factory=dict)    # cell index -> execution count
    error: str = ""

    def slowest(self, n: int = 1) -> list[tuple[int, float]]:
        return sorted(self.cell_seconds.items(), key=lambda kv: -kv[1])[:n]

    def cell_label(self, index: int) -> str:
        count = self.exec_counts.get(index)
        return f"cell {index}" + (f" (In [{count}])" if count is not None else "")


def run_notebook(path: Path, kernel: str = "python3", timeout: int = 600, inplace: bool = False,
                 name: str | None = None) -> Result:
    """Execute one notebook in a fresh kernel; time every code cell; optionally write it back."""
    result = Result(name or path.name)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not valid notebook JSON (e.g. a merge conflict)
        result.error = f"cannot read the notebook: {type(exc).__name__}: {exc}"
        return result
    started: dict[int, float] = {}
    current = {"index": None}

    def on_cell_execute(cell, cell_index):
        current["index"] = cell_index
        started[cell_index] = time.perf_counter()

    def on_cell_executed(cell, cell_index, execute_reply):
        result.cell_seconds[cell_index] = time.perf_counter() - started[cell_index]
        result.exec_counts[cell_index] = execute_reply["content"].get("execution_count")

    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout,
                            resources={"metadata": {"path": str(path.parent)}},
                            on_cell_execute=on_cell_execute, on_cell_executed=on_cell_executed,
                            # keeps the kernel's own start-up notices (e.g. "running over TCP") off the
                            # console; warnings raised by notebook code still land in the cell outputs
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    t0 = time.perf_counter()
    try:
        client.execute()
        result.ok = True
    except Exception as exc:  # CellExecutionError, CellTimeoutError, DeadKernelError, kernel start-up
        index = current["index"]
        if index is not None and index not in result.cell_seconds:
            result.cell_seconds[index] = time.perf_counter() - started[index]
        if getattr(exc, "ename", None):  # CellExecutionError: the exception raised in the notebook
            ename, evalue = exc.ename, exc.evalue
        else:
            ename, evalue = type(exc).__name__, (str(exc).strip().splitlines() or [""])[-1]
        where = f"cell {index}: " if index is not None else ""
        result.error = f"{where}{ename}: {evalue}".strip()
    result.seconds = time.perf_counter() - t0
    if inplace and result.ok:
        nbformat.write(nb, path)
    return result


def format_table(results: list[Result], total_seconds: float) -> str:
    """The closing table: notebook, status, seconds, slowest cell; then the total."""
    rows = [("notebook", "status", "seconds", "slowest cell")]
    for r in results:
        slow = r.slowest()
        slow_txt = f"{r.cell_label(slow[0][0])}  {slow[0][1]:.1f} s" if slow else "-"
        rows.append((r.name, "ok" if r.ok else "FAIL", f"{r.seconds:.1f}", slow_txt))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]

    def line(row):
        return (f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}").rstrip()

    sep = "-" * (sum(widths) + 6)
    out = [line(rows[0]), sep] + [line(r) for r in rows[1:]] + [sep]
    n_fail = sum(not r.ok for r in results)
    out.append(f"total: {len(results)} notebook(s), {len(results) - n_fail} ok, {n_fail} failed, "
               f"{total_seconds:.1f} s ({total_seconds / 60:.1f} min)")
    cells = sorted(((s, r, i) for r in results for i, s in r.cell_seconds.items()), key=lambda t: -t[0])[:5]
    if cells:
        out.append("slowest cells of the run:")
        out += [f"  {s:6.1f} s  {r.name}  {r.cell_label(i)}" for s, r, i in cells]
    for r in results:
        if not r.ok:
            out.append(f"FAILED {r.name}: {r.error}")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--day", type=int, help="only this day (1-6)")
    ap.add_argument("--inplace", action="store_true", help="write the executed notebooks back (refresh outputs)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    ap.add_argument("--kernel", default="python3", help="kernel name (default python3)")
    ap.add_argument("--root", type=Path, default=ROOT, help="course root (default: this repository)")
    args = ap.parse_args(argv)

    paths = notebooks(args.root, args.day)
    if not paths:
        print("no notebooks found" + (f" for day {args.day}" if args.day else "") + f" under {args.root}",
              file=sys.stderr)
        return 2
    results = []
    t0 = time.perf_counter()
    for k, path in enumerate(paths, 1):
        name = rel(path, args.root)
        r = run_notebook(path, kernel=args.kernel, timeout=args.timeout, inplace=args.inplace, name=name)
        results.append(r)
        status = "ok  " if r.ok else "FAIL"
        extra = f"  {r.error}" if not r.ok else ("  (written back)" if args.inplace else "")
        print(f"[{k}/{len(paths)}] {name}  {status}  {r.seconds:.1f} s{extra}", flush=True)
    print()
    print(format_table(results, time.perf_counter() - t0))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
