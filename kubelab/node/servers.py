"""What the common server images do: nginx, httpd, redis, ``python -m http.server``.

Each is a program (see :mod:`kubelab.node.process`) that prints what the real
one prints at start-up, binds its port in the Pod's network namespace (a
second container binding the same port fails as the real server does, with
"Address already in use", and exits 1), answers HTTP requests from the
container's files, logs every request the way the real server logs it, and
handles the stop signal its image declares: nginx (STOPSIGNAL SIGQUIT), httpd
(SIGWINCH) and redis (SIGTERM) shut down at once with status 0, while Python,
as PID 1 without a handler, ignores SIGTERM and is SIGKILLed (137).
"""
from __future__ import annotations

import re

from . import nettools
from .network import AddressInUse, ConnectError, HttpResponse
from .process import BLOCK, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGWINCH, Sleep

__all__ = ["PROGRAMS"]

MiB = 1024 * 1024


def _clf_time(proc) -> str:
    return proc.now().strftime("%d/%b/%Y:%H:%M:%S +0000")


def _file_response(proc, root: str, path: str, index: str = "index.html") -> tuple[int, str]:
    fs = proc.fs
    full = root.rstrip("/") + "/" + path.split("?", 1)[0].lstrip("/")
    if fs.isdir(full):
        full = full.rstrip("/") + "/" + index
        if not fs.exists(full):
            return 403, ""
    if not fs.exists(full) or fs.isdir(full):
        return 404, ""
    return 200, fs.read(full)


# -- nginx -------------------------------------------------------------------
_NGINX_ENTRYPOINT = """\
/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration
/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/
/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh
10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf
10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf
/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh
/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh
/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh
/docker-entrypoint.sh: Configuration complete; ready for start up
"""


def nginx_entrypoint(proc):
    """/docker-entrypoint.sh of the nginx image: configure, then exec the command."""
    args = proc.argv[1:]
    if args[:1] in (["nginx"], ["nginx-debug"]):
        proc.out(_NGINX_ENTRYPOINT)
    return (yield from proc.exec(args)) if args else 0


def _nginx_page(status: int, version: str) -> str:
    title = {403: "403 Forbidden", 404: "404 Not Found"}[status]
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
            f"<hr><center>nginx/{version}</center>\r\n</body>\r\n</html>\r\n")


def nginx(proc):
    version = proc.env.get("NGINX_VERSION", "1.27.3")
    if "-v" in proc.argv or "-V" in proc.argv:
        proc.err(f"nginx version: nginx/{version}\n")
        return 0
    conf = proc.fs.read("/etc/nginx/conf.d/default.conf") if proc.fs.exists("/etc/nginx/conf.d/default.conf") \
        else ""
    listen, docroot = re.search(r"listen\s+(\d+)", conf), re.search(r"root\s+([^;]+);", conf)
    port = int(listen.group(1)) if listen else 80
    root = docroot.group(1).strip() if docroot else "/usr/share/nginx/html"

    def log(level: str, text: str, pid: int = 1) -> None:
        proc.err(f"{proc.now():%Y/%m/%d %H:%M:%S} [{level}] {pid}#{pid}: {text}\n")
    for attempt in range(5):
        try:
            listener = proc.listen(port, None)
            break
        except AddressInUse:
            log("emerg", f"bind() to 0.0.0.0:{port} failed (98: Address already in use)")
            proc.err(f"nginx: [emerg] bind() to 0.0.0.0:{port} failed (98: Address already in use)\n")
            yield Sleep(0.5)
    else:
        log("emerg", "still could not bind()")
        proc.err("nginx: [emerg] still could not bind()\n")
        return 1
    proc.argv = ["nginx: master process " + " ".join(proc.argv)]
    for line in ('using the "epoll" event method', f"nginx/{version}", "built by gcc 12.2.0 (Debian 12.2.0-14) ",
                 "OS: Linux 6.1.0-kubelab", "getrlimit(RLIMIT_NOFILE): 1048576:1048576", "start worker processes"):
        log("notice", line)
    workers = []

    def start_workers() -> None:
        workers[:] = [proc.spawn_idle(["nginx: worker process"], user="101") for _ in range(proc.host.cpus)]
        for w in workers:
            log("notice", f"start worker process {w.pid}")

    def reload() -> str:
        """SIGHUP: read the configuration again, start new workers, let the old ones finish."""
        log("notice", "signal 1 (SIGHUP) received, reconfiguring")
        log("notice", "reconfiguring")
        old = list(workers)
        start_workers()
        for w in old:
            w.exit()
        return ""
    start_workers()

    def handle(req):
        status, body = _file_response(proc, root, req.path)
        if status == 404:
            log("error", f'*1 open() "{root}{req.path}" failed (2: No such file or directory), client: '
                f'{req.client_ip}, server: localhost, request: "{req.method} {req.path} HTTP/1.1", '
                f'host: "{req.host}"', workers[0].pid if workers else 1)
        if status != 200:
            body = _nginx_page(status, version)
        proc.out(f'{req.client_ip} - - [{_clf_time(proc)}] "{req.method} {req.path} HTTP/1.1" {status} '
                 f'{len(body.encode())} "-" "{req.user_agent}" "-"\n')
        return HttpResponse(status, body, "text/html")
    listener.handler = handle
    proc.use(memory_bytes=6 * MiB)
    for sig, name, verb in ((SIGQUIT, "SIGQUIT", "shutting down"), (SIGTERM, "SIGTERM", "exiting"),
                            (SIGINT, "SIGINT", "exiting")):
        proc.trap(sig, 0, say=lambda sig=sig, name=name, verb=verb:
                  f"{proc.now():%Y/%m/%d %H:%M:%S} [notice] 1#1: signal {sig} ({name}) received, {verb}\n")
    proc.trap(SIGHUP, None, say=reload)
    yield BLOCK


# -- httpd -------------------------------------------------------------------
def httpd(proc):
    version = proc.env.get("HTTPD_VERSION", "2.4.62")

    def stamp() -> str:
        return proc.now().strftime("%a %b %d %H:%M:%S.000000 %Y")
    ip = proc.sandbox.ip
    for _ in range(2):
        proc.err(f"AH00558: httpd: Could not reliably determine the server's fully qualified domain name, "
                 f"using {ip}. Set the 'ServerName' directive globally to suppress this message\n")
    try:
        listener = proc.listen(80)
    except AddressInUse:
        proc.err("(98)Address already in use: AH00072: make_sock: could not bind to address [::]:80\n"
                 "(98)Address already in use: AH00072: make_sock: could not bind to address 0.0.0.0:80\n"
                 "no listening sockets available, shutting down\nAH00015: Unable to open logs\n")
        return 1
    proc.err(f"[{stamp()}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/{version} (Unix) configured -- "
             f"resuming normal operations\n[{stamp()}] [core:notice] [pid 1:tid 1] AH00094: Command line: "
             f"'httpd -D FOREGROUND'\n")

    def handle(req):
        status, body = _file_response(proc, "/usr/local/apache2/htdocs", req.path)
        if status != 200:
            body = f"<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>{status} " \
                   f"{HttpResponse(status).reason}</title>\n</head></html>\n"
        proc.out(f'{req.client_ip} - - [{_clf_time(proc)}] "{req.method} {req.path} HTTP/1.1" {status} '
                 f'{len(body.encode())}\n')
        return HttpResponse(status, body, "text/html")
    listener.handler = handle
    proc.use(memory_bytes=8 * MiB)
    proc.trap(SIGWINCH, 0, say=lambda: f"[{stamp()}] [mpm_event:notice] [pid 1:tid 1] AH00492: caught "
                                       "SIGWINCH, shutting down gracefully\n")
    proc.trap(SIGTERM, 0, say=lambda: f"[{stamp()}] [mpm_event:notice] [pid 1:tid 1] AH00491: caught SIGTERM, "
                                      "shutting down\n")
    yield BLOCK


# -- redis -------------------------------------------------------------------
def redis_entrypoint(proc):
    args = proc.argv[1:]
    if args[:1] and args[0].startswith("-"):
        args = ["redis-server"] + args
    return (yield from proc.exec(args)) if args else 0


def redis_server(proc):
    version = proc.env.get("REDIS_VERSION", "7.4.1")
    port = int(proc.argv[proc.argv.index("--port") + 1]) if "--port" in proc.argv else 6379

    def log(role: str, text: str) -> None:
        proc.out(f"1:{role} {proc.now():%d %b %Y %H:%M:%S}.000 {text}\n")
    log("C", "* oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
    log("C", f"* Redis version={version}, bits=64, commit=00000000, modified=0, pid=1, just started")
    log("C", "# Warning: no config file specified, using the default config. In order to specify a config file "
             "use redis-server /path/to/redis.conf")
    try:
        listener = proc.listen(port)
    except AddressInUse:
        log("M", f"# Warning: Could not create server TCP listening socket *:{port}: bind: Address already in use")
        log("M", f"# Failed listening on port {port} (tcp), aborting.")
        return 1
    listener.data = {}
    log("M", "* monotonic clock: POSIX clock_gettime")
    log("M", f"* Running mode=standalone, port={port}.")
    log("M", "* Server initialized")
    log("M", "* Ready to accept connections tcp")
    proc.use(memory_bytes=3 * MiB)
    proc.trap(SIGTERM, 0, say="")
    yield BLOCK


def redis_cli(proc):
    """``redis-cli [-h HOST] [-p PORT] ping|set|get|incr|del|dbsize ...``"""
    args, host, port = proc.argv[1:], "127.0.0.1", 6379
    while args[:1] and args[0] in ("-h", "-p"):
        host, port = (args[1], port) if args[0] == "-h" else (host, int(args[1]))
        args = args[2:]
    try:
        listener, _ = proc.connect(host, port)
        data = listener.data
    except (ConnectError, AttributeError):
        proc.out(f"Could not connect to Redis at {host}:{port}: Connection refused\n")
        return 1
    cmd = [a.lower() for a in args[:1]] + args[1:]
    if not cmd or cmd[0] == "ping":
        proc.out("PONG\n")
    elif cmd[0] == "set" and len(cmd) == 3:
        data[cmd[1]] = cmd[2]
        proc.out("OK\n")
    elif cmd[0] == "get" and len(cmd) == 2:
        proc.out(f'"{data[cmd[1]]}"\n' if cmd[1] in data else "(nil)\n")
    elif cmd[0] == "incr" and len(cmd) == 2:
        data[cmd[1]] = str(int(data.get(cmd[1], "0")) + 1)
        proc.out(f"(integer) {data[cmd[1]]}\n")
    elif cmd[0] == "del":
        proc.out(f"(integer) {sum(data.pop(k, None) is not None for k in cmd[1:])}\n")
    elif cmd[0] == "dbsize":
        proc.out(f"(integer) {len(data)}\n")
    else:
        proc.out(f"(error) ERR unknown command '{args[0]}', with args beginning with: \n")
    return 0
    yield  # pragma: no cover - makes this a generator function


# -- python ------------------------------------------------------------------
def _listing(proc, directory: str, path: str) -> str:
    title = f"Directory listing for {path}"
    items = "".join(f'<li><a href="{n}{"/" if proc.fs.isdir(directory.rstrip("/") + "/" + n) else ""}">'
                    f'{n}{"/" if proc.fs.isdir(directory.rstrip("/") + "/" + n) else ""}</a></li>\n'
                    for n in proc.fs.listdir(directory))
    return (f'<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
            f"</head>\n<body>\n<h1>{title}</h1>\n<hr>\n<ul>\n{items}</ul>\n<hr>\n</body>\n</html>\n")


def python(proc):
    """``python -m http.server [PORT] [-d DIR]`` (stdout is block-buffered unless ``-u`` or
    PYTHONUNBUFFERED is set, so its banner never reaches ``kubectl logs``)."""
    args = proc.argv[1:]
    version = proc.env.get("PYTHON_VERSION", "3.13.1")
    if args[:1] in (["--version"], ["-V"]):
        proc.out(f"Python {version}\n")
        return 0
    unbuffered = "-u" in args or bool(proc.env.get("PYTHONUNBUFFERED"))
    args = [a for a in args if a != "-u"]
    if args[:2] != ["-m", "http.server"]:
        if not args:
            return 0            # the REPL, with no terminal, reads EOF from stdin and exits
        proc.err("kubelab: this python only runs `python -m http.server [PORT]`\n")
        return 1
    rest = args[2:]
    flag = next((f for f in ("-d", "--directory") if f in rest[:-1]), None)   # http.server's two spellings
    directory = rest[rest.index(flag) + 1] if flag else proc.cwd
    port = int(next((a for a in rest if a.isdigit()), "8000"))
    try:
        listener = proc.listen(port)
    except AddressInUse:
        proc.err("Traceback (most recent call last):\n  ...\nOSError: [Errno 98] Address already in use\n")
        return 1
    if unbuffered:
        proc.out(f"Serving HTTP on 0.0.0.0 port {port} (http://0.0.0.0:{port}/) ...\n")

    def handle(req):
        target = directory.rstrip("/") + req.path
        if proc.fs.isdir(target):
            # SimpleHTTPRequestHandler.send_head: a directory serves its index.html (or
            # index.htm) when it has one, and lists its files only when it has neither
            index = next((f"{target.rstrip('/')}/{n}" for n in ("index.html", "index.htm")
                          if proc.fs.exists(f"{target.rstrip('/')}/{n}")
                          and not proc.fs.isdir(f"{target.rstrip('/')}/{n}")), None)
            target = index or target
        if proc.fs.isdir(target):
            status, body = 200, _listing(proc, target, req.path)
        elif proc.fs.exists(target):
            status, body = 200, proc.fs.read(target)
        else:
            status, body = 404, "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head><title>Error response</title>" \
                                "</head>\n<body>\n<h1>Error response</h1>\n<p>Error code: 404</p>\n" \
                                "<p>Message: File not found.</p>\n</body>\n</html>\n"
        stamp = proc.now().strftime("%d/%b/%Y %H:%M:%S")
        if status == 404:
            proc.err(f'{req.client_ip} - - [{stamp}] code 404, message File not found\n')
        proc.err(f'{req.client_ip} - - [{stamp}] "{req.method} {req.path} HTTP/1.1" {status} -\n')
        return HttpResponse(status, body, "text/html; charset=utf-8")
    listener.handler = handle
    proc.use(memory_bytes=12 * MiB)
    yield BLOCK


PROGRAMS = {
    "nginx": {"docker-entrypoint.sh": nginx_entrypoint, "nginx": nginx, "nginx-debug": nginx, "curl": nettools.curl},
    "httpd": {"httpd-foreground": httpd, "httpd": httpd},
    "redis": {"docker-entrypoint.sh": redis_entrypoint, "redis-server": redis_server, "redis-cli": redis_cli},
    "python": {"python": python, "python3": python, "curl": nettools.curl},
}
