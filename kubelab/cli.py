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
    args = parser.parse_args(argv)
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
