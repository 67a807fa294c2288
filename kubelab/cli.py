"""The ``kubelab`` command line."""
from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kubelab", description="kubelab: learn Kubernetes in a notebook.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("version", help="print kubelab's version and the Kubernetes version it models")
    kubectl = sub.add_parser("kubectl", help="run kubectl commands against a fresh lab cluster",
                             description="Apply manifests to a fresh lab cluster, let it settle, then run "
                                         "each kubectl command line, e.g. "
                                         "kubelab kubectl -f web.yaml 'get pods -o wide'")
    kubectl.add_argument("-f", "--filename", action="append", default=[], help="manifest file(s) to apply first")
    kubectl.add_argument("--nodes", type=int, default=3)
    kubectl.add_argument("--seed", type=int, default=0)
    kubectl.add_argument("--seconds", type=float, default=None,
                         help="simulated seconds to run after applying (default: until settled)")
    kubectl.add_argument("commands", nargs="+", help="kubectl command lines (quote each)")
    grade = sub.add_parser("grade", help="grade exercise notebooks, each re-executed in a fresh kernel",
                           description="Re-execute each submitted notebook in a fresh kernel, run the "
                                       "exercise's checks on its `answer`, write a gradebook and feedback.")
    grade.add_argument("submissions", nargs="+", help="notebooks, or directories to search for them")
    grade.add_argument("--out", required=True, help="the gradebook CSV to write")
    grade.add_argument("--feedback-dir", help="per-student feedback files (default: feedback/ beside --out)")
    grade.add_argument("--timeout", type=float, default=60.0, help="seconds per notebook cell (default 60)")
    grade.add_argument("--jobs", type=int, default=None, help="notebooks graded at once (default: CPU count)")
    grade.add_argument("--exercise", help="grade every notebook as this exercise (default: from the notebook)")
    args = parser.parse_args(argv)
    if args.command == "grade":
        from .grading.batch import main as grade_main
        return grade_main(args)
    if args.command == "version":
        from . import __version__
        print(f"kubelab {__version__} (models Kubernetes v1.32)")
        return 0
    if args.command == "kubectl":
        return _kubectl(args)
    parser.print_help()
    return 0


def _kubectl(args) -> int:
    from . import errors
    from .cluster import Cluster

    c = Cluster(nodes=args.nodes, seed=args.seed)
    for path in args.filename:
        try:
            c.apply(path)
        except errors.ApiError as e:
            print(f"error: {path}: {e.message}", file=sys.stderr)
            return 1
    c.run(args.seconds)
    code = 0
    for line in args.commands:
        out = c.kubectl(line)
        sys.stdout.write(out if out.endswith("\n") or not out else out + "\n")
        code = code or out.returncode
    return code


if __name__ == "__main__":   # pragma: no cover
    sys.exit(main())
