"""Network tools inside simulated containers: ``hostname``, ``ip``, ``wget``, ``curl``, ``nslookup``.

They see the Pod's network and UTS namespaces: ``ip addr`` shows ``lo`` and
``eth0`` with the Pod IP, ``hostname`` the Pod's hostname, and ``wget -qO-
localhost:80`` reaches whichever container of the Pod listens on port 80.
Messages are busybox's (``wget``) and curl 8's (``curl``).
"""
from __future__ import annotations

import functools
import math

from .network import ConnectError, fetch, parse_url
from .process import BLOCK, Sleep

__all__ = ["hostname", "ip", "wget", "curl", "nslookup"]


def _tool(fn):
    @functools.wraps(fn)
    def program(proc, gnu=False):
        return fn(proc)
        yield  # pragma: no cover - makes this a generator function
    return program


@_tool
def hostname(proc):
    sb = proc.sandbox
    arg = proc.argv[1] if len(proc.argv) > 1 else ""
    proc.out((sb.ip if arg in ("-i", "-I") else sb.fqdn if arg == "-f" else sb.hostname) + "\n")
    return 0


@_tool
def ip(proc):
    """``ip addr`` / ``ip a`` / ``ip route``, as busybox prints them."""
    sb = proc.sandbox
    what = proc.argv[1] if len(proc.argv) > 1 else ""
    prefix = sb.gateway.rsplit(".", 1)[0]
    if what in ("r", "route"):
        proc.out(f"default via {sb.gateway} dev eth0 \n{prefix}.0/24 dev eth0 scope link  src {sb.ip} \n")
        return 0
    if what not in ("a", "addr", "address"):
        proc.err("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                 "Usage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]\n")
        return 1
    peer = 7 + int(sb.ip.rsplit(".", 1)[1])
    proc.out("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n"
             "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
             "    inet 127.0.0.1/8 scope host lo\n"
             "       valid_lft forever preferred_lft forever\n"
             "    inet6 ::1/128 scope host \n"
             "       valid_lft forever preferred_lft forever\n"
             f"2: eth0@if{peer}: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \n"
             f"    link/ether {sb.mac} brd ff:ff:ff:ff:ff:ff\n"
             f"    inet {sb.ip}/24 brd {prefix}.255 scope global eth0\n"
             "       valid_lft forever preferred_lft forever\n")
    return 0


def _options(args: list[str], with_value: str) -> tuple[dict, list[str]]:
    """getopt-style short options (``-qO-`` is ``-q -O -``); long ones as given."""
    opts, rest, i = {}, [], 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            opts[name] = value if eq else True
        elif a.startswith("-") and len(a) > 1:
            for j, ch in enumerate(a[1:], 1):
                if ch in with_value:
                    value = a[j + 1:] or (args[i + 1] if i + 1 < len(args) else "")
                    if not a[j + 1:]:
                        i += 1
                    opts[ch] = value
                    break
                opts[ch] = True
        else:
            rest.append(a)
        i += 1
    return opts, rest


def _awaiting(response, timeout: float | None):
    """Simulated time passing while a slow server keeps a client waiting (``yield from``);
    returns whether the client gave up at its ``timeout``. A hung server (delay ``inf``) keeps
    a client without a timeout waiting until the command is interrupted."""
    if not response.delay:
        return False
    if timeout is not None and response.delay >= timeout:
        yield Sleep(timeout)
        return True
    yield BLOCK if response.delay == math.inf else Sleep(response.delay)
    return False


def wget(proc, gnu=False):
    """busybox wget: ``-q``, ``-O file`` (``-O-``: stdout), ``-T`` timeout (900 s), ``--spider``."""
    opts, urls = _options(proc.argv[1:], "OTUY")
    if not urls:
        proc.err("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] "
                 "[--spider] [-O FILE] [-o LOGFILE] [--header STR] [--post-data STR | --post-file FILE] "
                 "[-Y on/off] [-P DIR] [-U AGENT] [-T SEC] URL...\n")
        return 1
    host, port, path = parse_url(urls[0])
    quiet = "q" in opts
    try:
        response, addr = fetch(proc.host.network, proc.sandbox, host, port, path, user_agent="Wget")
    except ConnectError as e:
        proc.err({"bad-address": f"wget: bad address '{host}'\n",
                  "refused": f"wget: can't connect to remote host ({e.ip}): Connection refused\n",
                  "reset": "wget: error getting response: Connection reset by peer\n"}.get(
                      e.kind, "wget: download timed out\n"))
        return 1
    if not quiet:
        proc.err(f"Connecting to {host}{':' + str(port) if port != 80 else ''} ({addr}:{port})\n")
    if (yield from _awaiting(response, float(opts.get("T") or 900))):
        proc.err("wget: download timed out\n")
        return 1
    if response.status >= 400:
        proc.err(f"wget: server returned error: HTTP/1.1 {response.status} {response.reason}\n")
        return 1
    if "spider" in opts:
        proc.err("remote file exists\n") if not quiet else None
        return 0
    target = opts.get("O") or path.rstrip("/").rsplit("/", 1)[-1] or "index.html"
    if target == "-":
        if not quiet:
            proc.err("writing to stdout\n")
        proc.out(response.body)
        if not quiet:
            proc.err(f"-{' ' * 20}100% |{'*' * 32}| {len(response.body.encode()):>5}  0:00:00 ETA\n"
                     "written to stdout\n")
        return 0
    try:
        proc.fs.write(target, response.body, cwd=proc.cwd)
    except OSError as e:
        proc.err(f"wget: can't open '{target}': {e.strerror}\n")
        return 1
    if not quiet:
        proc.err(f"saving to '{target}'\n{target:<20} 100% |{'*' * 32}| {len(response.body.encode()):>5}"
                 f"  0:00:00 ETA\n'{target}' saved\n")
    return 0


def curl(proc, gnu=False):
    """curl 8: ``-s``, ``-S``, ``-f``, ``-o FILE``, ``-i``, ``-I``, ``-X METHOD``, ``-m SECONDS``."""
    opts, urls = _options(proc.argv[1:], "oXHmw")
    silent, show = "s" in opts, "S" in opts or "show-error" in opts

    def fail(code: int, text: str) -> int:
        if not silent or show:
            proc.err(f"curl: ({code}) {text}\n")
        return code
    if not urls:
        proc.err("curl: try 'curl --help' or 'curl --manual' for more information\n")
        return 2
    host, port, path = parse_url(urls[0])
    method = "HEAD" if "I" in opts else opts.get("X", "GET")
    try:
        response, _ = fetch(proc.host.network, proc.sandbox, host, port, path, user_agent="curl/8.11.1",
                            method=method)
    except ConnectError as e:
        if e.kind == "bad-address":
            return fail(6, f"Could not resolve host: {host}")
        if e.kind == "refused":
            return fail(7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
        if e.kind == "reset":
            return fail(52, "Empty reply from server")
        return fail(28, f"Failed to connect to {host} port {port} after 10000 ms: Timeout was reached")
    limit = float(opts["m"]) if opts.get("m") else None
    if (yield from _awaiting(response, limit)):
        return fail(28, f"Operation timed out after {int(limit * 1000)} milliseconds with 0 bytes received")
    if ("f" in opts or "fail" in opts) and response.status >= 400:
        return fail(22, f"The requested URL returned error: {response.status}")
    head = f"HTTP/1.1 {response.status} {response.reason}\r\nContent-Type: {response.content_type}\r\n" \
        f"Content-Length: {len(response.body.encode())}\r\n\r\n"
    text = head if method == "HEAD" else (head if "i" in opts else "") + response.body
    if opts.get("o"):
        proc.fs.write(opts["o"], text, cwd=proc.cwd)
    else:
        proc.out(text)
    return 0


@_tool
def nslookup(proc):
    """busybox nslookup against the cluster DNS: one Name/Address pair per A record (a
    headless Service answers with every ready endpoint)."""
    if len(proc.argv) < 2:
        proc.err("Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n")
        return 1
    name = proc.argv[1]
    addresses = proc.host.network.lookup(name, proc.sandbox)
    proc.out("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n")
    if not addresses:
        proc.out(f"** server can't find {name}: NXDOMAIN\n\n")
        return 1
    proc.out("".join(f"Name:\t{name}\nAddress: {addr}\n" for addr in addresses) + "\n")
    return 0
