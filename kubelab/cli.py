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
    # -- serve (kubelab serve: the Kubernetes REST API for real clients) -------------
    serve = sub.add_parser("serve", help="serve a lab cluster over the Kubernetes API, for kubectl and real clients",
                           description="Start a lab cluster, play it in real time and serve the Kubernetes REST "
                                       "API on 127.0.0.1, writing a kubeconfig for kubectl and the official "
                                       "clients; Ctrl-C stops it.")
    serve.add_argument("--port", type=int, default=6443, help="loopback port (default 6443; 0: any free port)")
    serve.add_argument("--nodes", type=int, default=3)
    serve.add_argument("--seed", type=int, default=0)
    serve.add_argument("--speed", type=float, default=1.0,
                       help="simulated seconds per real second (default 1; 10 plays ten times faster)")
    serve.add_argument("--kubeconfig", default="kubelab.kubeconfig",
                       help="the kubeconfig file to write (default ./kubelab.kubeconfig)")
    serve.add_argument("-f", "--filename", action="append", default=[], help="manifest file(s) to apply first")
    # -- end serve ------------------------------------------------------------------
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
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


def _cluster(args, **options):
    """A lab cluster with the ``-f`` files applied in order, or None (the error printed)."""
    from . import errors
    from .cluster import Cluster

    c = Cluster(nodes=args.nodes, seed=args.seed, **options)
    for path in args.filename:
        try:
            c.apply(path)
        except errors.ApiError as e:
            print(f"error: {path}: {e.message}", file=sys.stderr)
            return None
    return c


def _kubectl(args) -> int:
    c = _cluster(args)
    if c is None:
        return 1
    c.run(args.seconds)
    code = 0
    for line in args.commands:
        out = c.kubectl(line)
        sys.stdout.write(out if out.endswith("\n") or not out else out + "\n")
        code = code or out.returncode
    return code


# -- serve ---------------------------------------------------------------------------
def _serve(args) -> int:
    import os
    import threading

    from .apiserver.http import LabServer
    from .apiserver.live import wall_clock_start

    c = _cluster(args, loop=wall_clock_start())
    if c is None:
        return 1
    try:
        server = LabServer(c, port=args.port, speed=args.speed).start()
    except OSError as e:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {e.strerror}", file=sys.stderr)
        return 1
    try:            # from here on Ctrl-C stops the server cleanly, even during the announcement
        path = os.path.abspath(server.write_kubeconfig(args.kubeconfig))
        print(f"kubelab: a {args.nodes}-node lab cluster is serving the Kubernetes API at {server.url} "
              f"(speed {args.speed:g}x)\n"
              f"  export KUBECONFIG={path}\n  kubectl get nodes\nCtrl-C stops it.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
# -- end serve -----------------------------------------------------------------------

if __name__ == "__main__":   # pragma: no cover
    sys.exit(main())
