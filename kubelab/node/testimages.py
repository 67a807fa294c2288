"""What the images of the Kubernetes docs and e2e tests do: pause, agnhost, stress, hello-app, echoserver.

* ``registry.k8s.io/pause`` blocks until SIGTERM/SIGINT;
* ``registry.k8s.io/e2e-test-images/agnhost`` — ``liveness`` (port 8080:
  ``/healthz`` answers 200 for 10 s after start, then 500, as in the docs'
  HTTP liveness example), ``netexec --http-port=8080`` (``/hostname``,
  ``/echo?msg=``, ``/clientip``, ``/exit?code=``), ``serve-hostname`` (port 9376),
  ``pause``;
* ``polinux/stress`` — ``stress --vm 1 --vm-bytes 250M --vm-hang 1`` holds
  250 MiB (allocated at 1 GiB/s), ``--cpu N`` burns N CPUs, ``--timeout Ns``;
* ``vish/stress`` — ``-cpus 2`` burns two CPUs, ``-mem-total 100Mi`` holds memory;
* ``gcr.io/google-samples/hello-app`` (port 8080) and ``registry.k8s.io/echoserver``
  (port 8080, echoes the request).

Go programs without their own handler exit with status 2 on SIGTERM (the Go
runtime's default), C programs running as PID 1 ignore it and are SIGKILLed.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs

from ..api.quantity import QuantityError, parse_quantity
from .network import AddressInUse, HttpResponse
from .process import BLOCK, SIGINT, SIGTERM, Sleep

__all__ = ["PROGRAMS", "app"]

MiB = 1024 * 1024
GO_SIGTERM_EXIT = 2


def _klog(proc, where: str, text: str) -> None:
    proc.err(f"I{proc.now():%m%d %H:%M:%S}.000000       1 {where}] {text}\n")


def _go_listen(proc, port: int, handler):
    try:
        listener = proc.listen(port, handler)
    except AddressInUse:
        proc.err(f"{proc.now():%Y/%m/%d %H:%M:%S} listen tcp :{port}: bind: address already in use\n")
        return None
    proc.trap(SIGTERM, GO_SIGTERM_EXIT)
    return listener


def pause(proc):
    proc.use(memory_bytes=256 * 1024)
    proc.trap(SIGTERM, 0)
    proc.trap(SIGINT, 0)
    yield BLOCK


def agnhost(proc):
    args = proc.argv[1:]
    sub = args[0] if args else ""
    opts = {k: v for k, _, v in (a.lstrip("-").partition("=") for a in args[1:] if a.startswith("-"))}
    started = proc.now()
    if sub == "liveness":
        def healthz(req):
            if req.path.startswith("/healthz"):
                age = (proc.now() - started).total_seconds()
                if age > 10:
                    return HttpResponse(500, f"error: {age:g}")
                return HttpResponse(200, "ok")
            return HttpResponse(307, "")
        if _go_listen(proc, 8080, healthz) is None:
            return 1
    elif sub == "netexec":
        port = int(opts.get("http-port", 8080))

        def netexec(req):
            path, _, query = req.path.partition("?")
            q = parse_qs(query)
            if path == "/hostname":
                return HttpResponse(200, proc.sandbox.hostname)
            if path == "/echo":
                return HttpResponse(200, q.get("msg", [""])[0])
            if path == "/clientip":
                return HttpResponse(200, f"{req.client_ip}:40000")
            if path == "/healthz":
                return HttpResponse(200, "")
            if path == "/exit":
                proc.host.runtime.exit_soon(proc.host, int(q.get("code", ["0"])[0]))
                return HttpResponse(200, "")
            return HttpResponse(200, f"NOW: {proc.now():%Y-%m-%d %H:%M:%S.000000000 +0000 UTC}")
        if _go_listen(proc, port, netexec) is None:
            return 1
        proc.err(f"{proc.now():%Y/%m/%d %H:%M:%S} Started HTTP server on port {port}\n")
        if "udp-port" in opts:
            proc.err(f"{proc.now():%Y/%m/%d %H:%M:%S} Started UDP server on port  {opts['udp-port']}\n")
    elif sub == "serve-hostname":
        port = int(opts.get("port", 9376))
        if _go_listen(proc, port, lambda req: HttpResponse(200, proc.sandbox.hostname)) is None:
            return 1
        proc.err(f"{proc.now():%Y/%m/%d %H:%M:%S} Serving on port {port}.\n")
    elif sub == "pause":
        proc.out("Paused\n")
        proc.trap(SIGTERM, 0, say="Shutting down after receiving signal: terminated.\n")
    else:
        proc.out("Usage:\n  agnhost [flags]\n  agnhost [command]\n\nAvailable Commands:\n  liveness\n  netexec\n"
                 "  pause\n  serve-hostname\n")
        return 0
    proc.use(memory_bytes=10 * MiB)
    yield BLOCK


def _stress_bytes(text: str) -> int:
    m = re.fullmatch(r"(\d+)([bBkKmMgG]?)", text)
    if not m:
        raise ValueError(text)
    return int(m.group(1)) * {"": 1, "b": 1, "k": 1024, "m": MiB, "g": 1024 * MiB}[m.group(2).lower()]


def stress(proc):
    """polinux/stress (stress 1.0.4): ``--cpu N --vm N --vm-bytes B --vm-hang S --timeout Ns``."""
    args, opts = proc.argv[1:], {}
    for i, a in enumerate(args):
        if a.startswith("--") and i + 1 < len(args):
            opts[a[2:]] = args[i + 1]
    if not opts:
        proc.out("`stress' imposes certain types of compute stress on your system\n\n"
                 "Usage: stress [OPTION [ARG]] ...\n")
        return 1
    cpu, vm, io, hdd = (int(opts.get(k, 0)) for k in ("cpu", "vm", "io", "hdd"))
    proc.out(f"stress: info: [1] dispatching hogs: {cpu} cpu, {io} io, {vm} vm, {hdd} hdd\n")
    hogs = [proc.spawn_idle(proc.argv) for _ in range(cpu + vm + io + hdd)]
    del hogs
    memory = vm * _stress_bytes(opts.get("vm-bytes", "256M"))
    proc.use(cpu_millis=1000 * (cpu + vm), memory_bytes=1 * MiB)
    if memory:
        yield Sleep(memory / (1024 * MiB))
        proc.use(memory_bytes=memory + MiB)
    timeout = opts.get("timeout")
    if timeout:
        seconds = float(timeout.rstrip("s"))
        yield Sleep(seconds)
        proc.out(f"stress: info: [1] successful run completed in {int(seconds)}s\n")
        return 0
    yield BLOCK


def vish_stress(proc):
    """vish/stress: ``-cpus N`` spins N threads, ``-mem-total Q`` allocates Q."""
    args, opts = proc.argv[1:], {}
    for i, a in enumerate(args):
        key = a.lstrip("-")
        if "=" in key:
            key, value = key.split("=", 1)
            opts[key] = value
        elif a.startswith("-") and i + 1 < len(args) and not args[i + 1].startswith("-"):
            opts[key] = args[i + 1]
    try:
        memory = parse_quantity(opts.get("mem-total", "0")).value()
    except QuantityError:
        memory = 0
    _klog(proc, "main.go:26", f'Allocating "{opts.get("mem-total", "0")}" memory, in '
                              f'"{opts.get("mem-alloc-size", "4Ki")}" chunks, with a '
                              f'{opts.get("mem-alloc-sleep", "1ms")} sleep between allocations')
    cpus = int(opts.get("cpus", 0))
    for _ in range(cpus):
        _klog(proc, "main.go:39", "Spawning a thread to consume CPU")
    proc.use(cpu_millis=1000 * cpus, memory_bytes=2 * MiB)
    proc.trap(SIGTERM, GO_SIGTERM_EXIT)
    if memory:
        yield Sleep(memory / (1024 * MiB))
        proc.use(memory_bytes=memory + 2 * MiB)
    _klog(proc, "main.go:29", f'Allocated "{opts.get("mem-total", "0")}" memory')
    yield BLOCK


def hello_app(proc):
    port = int(proc.env.get("PORT", "8080"))
    version = proc.env.get("HELLO_VERSION", "1.0.0")

    def hello(req):
        proc.err(f"{proc.now():%Y/%m/%d %H:%M:%S} Serving request: {req.path}\n")
        return HttpResponse(200, f"Hello, world!\nVersion: {version}\nHostname: {proc.sandbox.hostname}\n")
    if _go_listen(proc, port, hello) is None:
        return 1
    proc.err(f"{proc.now():%Y/%m/%d %H:%M:%S} Server listening on port {port}\n")
    proc.use(memory_bytes=4 * MiB)
    yield BLOCK


def echoserver(proc):
    def echo(req):
        path, _, query = req.path.partition("?")
        body = (f"CLIENT VALUES:\nclient_address={req.client_ip}\ncommand={req.method}\nreal path={path}\n"
                f"query={query or 'nil'}\nrequest_version=1.1\nrequest_uri=http://{req.host}:8080{req.path}\n\n"
                f"SERVER VALUES:\nserver_version=nginx: 1.10.0 - lua: 10001\n\nHEADERS RECEIVED:\n"
                f"host={req.host}\nuser-agent={req.user_agent}\nBODY:\n-no body in request-")
        return HttpResponse(200, body)
    try:
        proc.listen(8080, echo)
    except AddressInUse:
        proc.err("nginx: [emerg] bind() to 0.0.0.0:8080 failed (98: Address already in use)\n")
        return 1
    proc.use(memory_bytes=5 * MiB)
    proc.trap(SIGTERM, 0)
    yield BLOCK


def curl_entrypoint(proc):
    """curlimages/curl's /entrypoint.sh: ``curl`` in front of arguments that start with ``-``."""
    args = proc.argv[1:]
    if not args or args[0].startswith("-"):
        args = ["curl"] + args
    return (yield from proc.exec(args))


def app(proc):
    """A program kubelab knows nothing about: it runs until stopped and exits 0 on SIGTERM."""
    proc.use(memory_bytes=16 * MiB)
    proc.trap(SIGTERM, 0)
    yield BLOCK


PROGRAMS = {
    "pause": {"pause": pause},
    "agnhost": {"agnhost": agnhost},
    "stress": {"stress": stress},
    "vish-stress": {"stress": vish_stress},
    "hello-app": {"hello-app": hello_app},
    "echoserver": {"run.sh": echoserver},
    "curl": {"entrypoint.sh": curl_entrypoint},
}
