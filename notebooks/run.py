#!/usr/bin/env python3
"""Executes the analysis notebooks headless against a lake (docs/analysis.md).

    python notebooks/run.py --lake lake                      # every notebook
    python notebooks/run.py --lake lake --only 03_salaries   # one of them
    python notebooks/run.py --lake lake --skip 06_model_evaluation --check-stripped

Each notebook runs in a fresh kernel with JOBLAKE_LAKE set to the lake and notebooks/ as its
working directory; the executed copies (with their outputs and figures) are written to --out
(a new temporary directory by default), never over the committed notebooks. Exits 1 naming the
notebook and cell of the first cell that fails; prints how long each notebook took.

--check-stripped first checks that the committed notebooks carry no outputs or execution
counts (`nbstripout --verify`); strip them with `nbstripout notebooks/*.ipynb`.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def notebooks() -> list[Path]:
    return sorted(HERE.glob("[0-9]*.ipynb"))


def check_stripped(paths: list[Path]) -> bool:
    """True when no notebook has outputs, execution counts or volatile metadata."""
    result = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--verify", *map(str, paths)],
        capture_output=True,
        text=True,
    )
    if result.returncode == 0:
        print(f"stripped: {len(paths)} notebooks carry no outputs")
        return True
    print(result.stdout + result.stderr, end="", file=sys.stderr)
    print(
        "notebooks with outputs or execution counts are committed: run "
        "`nbstripout notebooks/*.ipynb` (from notebooks/requirements.txt) and commit again",
        file=sys.stderr,
    )
    return False


def first_line(source: str) -> str:
    lines = [line for line in source.splitlines() if line.strip()]
    return (lines[0][:80] + ("…" if len(lines[0]) > 80 else "")) if lines else ""


def run_notebook(path: Path, out_dir: Path, timeout: int, kernel: str) -> tuple[bool, float]:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        resources={"metadata": {"path": str(HERE)}},
    )
    out = out_dir / path.name
    start = time.monotonic()
    failed = None
    index, cell = None, None
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index)
                except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
                    failed = (index, cell, error)
                    break
    except Exception as error:  # the kernel did not start, or died between cells
        failed = (index, cell, error)
    finally:
        nbformat.write(nb, out)
    elapsed = time.monotonic() - start
    if failed:
        index, cell, error = failed
        if isinstance(error, CellExecutionError):
            print(ANSI.sub("", str(error.traceback)), file=sys.stderr)
            reason = f"{error.ename}: {ANSI.sub('', str(error.evalue))}"
        elif isinstance(error, CellTimeoutError):
            reason = f"timed out after {timeout} s (--timeout)"
        else:
            reason = f"{type(error).__name__}: {error}"
        where = f"cell {index} (`{first_line(cell.source)}`)" if cell is not None else "before the first cell"
        print(
            f"FAILED {path.name}: {where} after {elapsed:.1f} s: {reason}\n"
            f"executed copy with the outputs so far: {out}",
            file=sys.stderr,
        )
        return False, elapsed
    print(f"ok     {path.name}: {elapsed:.1f} s -> {out}")
    return True, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lake", default="lake", help="the lake: a directory or s3://bucket/prefix (default: lake)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="run only this notebook (repeatable), e.g. 03_salaries")
    parser.add_argument("--skip", action="append", default=[], metavar="NAME", help="do not run this notebook (repeatable)")
    parser.add_argument("--out", help="where the executed copies go (default: a new temporary directory)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell (default: 1800)")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (default: python3, this interpreter)")
    parser.add_argument("--check-stripped", action="store_true", help="first fail if a committed notebook has outputs")
    args = parser.parse_args()

    all_notebooks = notebooks()
    if args.check_stripped and not check_stripped(all_notebooks):
        return 1

    names = {p.stem for p in all_notebooks}
    unknown = sorted({n.removesuffix(".ipynb") for n in args.only + args.skip} - names)
    if unknown:
        print(f"unknown notebook(s): {', '.join(unknown)}; there are: {', '.join(sorted(names))}", file=sys.stderr)
        return 2
    only = {n.removesuffix(".ipynb") for n in args.only}
    skip = {n.removesuffix(".ipynb") for n in args.skip}
    selected = [p for p in all_notebooks if (not only or p.stem in only) and p.stem not in skip]

    lake = args.lake if "://" in args.lake else str(Path(args.lake).resolve())
    if "://" not in lake and not Path(lake).is_dir():
        print(f"the lake {lake} does not exist: build one with `joblake --lake {args.lake} demo`", file=sys.stderr)
        return 2
    os.environ["JOBLAKE_LAKE"] = lake
    # The kernels import notebooks/lakeio.py: no __pycache__ left in the clone.
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")

    out_dir = Path(args.out).resolve() if args.out else Path(tempfile.mkdtemp(prefix="joblake-notebooks-"))
    if out_dir == HERE:
        print("--out must not be notebooks/ itself: the executed copies would replace the sources", file=sys.stderr)
        return 2
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"running {len(selected)} notebook(s) against {lake}; executed copies in {out_dir}")
    if skip:
        print(f"skipped: {', '.join(sorted(skip))}")

    total = time.monotonic()
    for path in selected:
        ok, _ = run_notebook(path, out_dir, args.timeout, args.kernel)
        if not ok:
            return 1
    print(f"{len(selected)} notebook(s) ran in {time.monotonic() - total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
