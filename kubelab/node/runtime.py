"""The container runtime (containerd behind the CRI), simulated.

The kubelet drives it with the CRI's verbs: RunPodSandbox, CreateContainer,
StartContainer, StopContainer, ExecSync, RemoveContainer, StopPodSandbox. A
started container runs its program (see :mod:`kubelab.node.process`) on the
simulated clock; when it exits, the runtime records the exit code and the
reason containerd reports (``Completed`` for 0, ``Error`` otherwise,
``OOMKilled`` when it went over its memory limit, ``StartError`` when its
executable does not exist) and tells the kubelet, as the PLEG would notice.

Stopping sends the image's stop signal (SIGTERM unless the image says
otherwise), then SIGKILL when the timeout runs out. CPU above the limit is
throttled; memory above the limit gets the container OOM-killed (exit 137).
"""
from __future__ import annotations

import itertools
import posixpath
from typing import NamedTuple

from ..api.quantity import QuantityError, parse_quantity
from .fs import FileSystem, Volume
from .images import CATALOGUE, Image, environment, root_files
from .network import IPAM
from .process import BLOCK, ExecNotFound, PidNamespace, Process, Sleep
from .procfs import ProcessFS
from .sandbox import Sandbox
from .testimages import app
from .tools import toolset

__all__ = ["Runtime", "Container", "ExecResult", "StartError", "NotRunning", "FIRST_NAMESPACE_INODE"]

#: Namespaces created after boot get inodes above the init ones (4026532xxx).
FIRST_NAMESPACE_INODE = 4026532160
#: An exec that would run for longer than this (or forever) is interrupted.
EXEC_LIMIT = 3600.0


class ExecResult(NamedTuple):
    """What ExecSync returns: output chunks ``(stream, text)``, exit code, whether it timed
    out, and how many simulated seconds it ran."""

    chunks: list
    code: int
    timed_out: bool
    elapsed: float

    @property
    def output(self) -> str:
        return "".join(text for _, text in self.chunks)


class StartError(Exception):
    """StartContainer failed (the OCI runtime could not run the executable)."""


class NotRunning(Exception):
    """ExecSync on a container that is not running."""


def _limit(resources: dict, name: str) -> int | None:
    value = ((resources or {}).get("limits") or {}).get(name)
    if value is None:
        return None
    try:
        q = parse_quantity(value)
    except QuantityError:
        return None
    return q.milli_value() if name == "cpu" else q.value()


class Container:
    """One CRI container: one attempt of one of a Pod's containers."""

    def __init__(self, runtime: "Runtime", sandbox: Sandbox, spec: dict, image: Image, *, cid: str,
                 attempt: int, argv: list[str], env: list[tuple[str, str]], mounts: list, config_hash: str):
        self.runtime, self.sandbox, self.spec, self.image = runtime, sandbox, spec, image
        self.id, self.name, self.attempt, self.argv = cid, spec["name"], attempt, argv
        self.config_hash = config_hash
        self.network, self.cpus = runtime.network, runtime.cpus
        self.state = "created"
        self.created_at = runtime.clock.seconds
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.exit_code: int | None = None
        self.reason = self.message = ""
        self.logs: list[tuple[float, str, str]] = []
        self._partial = {"stdout": "", "stderr": ""}
        self.env = dict(environment(image))
        self.env["HOSTNAME"] = sandbox.hostname
        self.env.update(env)
        self.env.setdefault("HOME", "/root")
        self.workdir = spec.get("workingDir") or image.spec.workdir
        self.ns = dict(sandbox.ns)
        for kind in ("mnt", "cgroup") + (() if sandbox.share_pid else ("pid",)):
            self.ns[kind] = runtime.new_inode()
        self.pidns = sandbox.pidns if sandbox.share_pid else PidNamespace(self.ns["pid"])
        root = Volume(root_files(image), device="overlay", fstype="overlay")
        for d in ("bin", "dev", "etc", "home", "proc", "root", "sys", "tmp", "usr", "var", self.workdir.strip("/")):
            root.add_dir(d)
        root.put("etc/hostname", sandbox.hostname + "\n")
        root.put("etc/hosts", sandbox.hosts_file())
        root.put("etc/resolv.conf", sandbox.resolv_conf())
        if not any(posixpath.normpath(m[0]) == "/dev/shm" for m in mounts):
            mounts = list(mounts) + [("/dev/shm", sandbox.shm, "", False)]   # the Pod's IPC tmpfs
        self.fs = FileSystem(root, mounts, owner=self)
        self.cpu_limit = _limit(spec.get("resources"), "cpu")
        self.memory_limit = _limit(spec.get("resources"), "memory")
        self.main: Process | None = None
        # cAdvisor's container_cpu_usage_seconds_total: core-seconds up to _cpu_since, then _cpu_rate
        self._cpu_total, self._cpu_rate, self._cpu_since = 0.0, 0, runtime.clock.seconds
        self._usage: tuple[int, int] | None = None      # usage() until the next usage_changed()
        self._gen = None
        self._timer = None
        self._kill_timer = None

    # -- what processes need from their container ---------------------------
    def lookup(self, name: str):
        """The program ``name`` runs in this image (None: no such executable)."""
        base = posixpath.basename(name)
        spec = self.image.spec
        program = spec.programs.get(base) or toolset(spec.userland).get(base)
        if program is None and spec.repository not in CATALOGUE:
            return app          # an image kubelab does not know: its programs run until stopped
        return program

    def now(self):
        return self.runtime.clock.now()

    def view(self, proc) -> ProcessFS:
        """The file system as ``proc`` (one of this container's processes) sees it."""
        return ProcessFS(proc)

    def log(self, stream: str, text: str) -> None:
        """Write to the container's log (what ``kubectl logs`` shows), line by line."""
        buf = self._partial[stream] + text
        *lines, self._partial[stream] = buf.split("\n")
        t = self.runtime.clock.seconds
        self.logs.extend((t, stream, line) for line in lines)

    def processes(self) -> list[Process]:
        return [p for p in self.pidns.procs.values() if p.host is self]

    def usage(self) -> tuple[int, int]:
        """(CPU millicores, memory bytes) now; CPU is throttled at the limit. Memory counts
        the files this container wrote to tmpfs volumes (its cgroup is charged for them).
        Remembered until a process or a tmpfs charge changes (``usage_changed``)."""
        if self._usage is None:
            self._usage = self._measure()
        return self._usage

    def _measure(self) -> tuple[int, int]:
        procs = self.processes()
        cpu = sum(p.cpu_millis for p in procs)
        if self.cpu_limit is not None:
            cpu = min(cpu, self.cpu_limit)
        tmpfs = sum(volume.charged_to(self) for _, volume, _, _ in self.fs.table if volume.memory_backed)
        return cpu, sum(p.memory_bytes for p in procs) + tmpfs

    def cpu_seconds(self) -> float:
        """CPU time used so far, in core-seconds (the cumulative counter metrics-server reads)."""
        until = self.runtime.clock.seconds if self.finished_at is None else self.finished_at
        return self._cpu_total + self._cpu_rate * (until - self._cpu_since) / 1000

    def usage_changed(self) -> None:
        self._usage = None
        self._cpu_total, self._cpu_since = self.cpu_seconds(), self.runtime.clock.seconds
        self._cpu_rate = self.usage()[0]
        if self.memory_limit is not None and self.state == "running" and self.usage()[1] > self.memory_limit:
            self.runtime.loop.soon(lambda: self.runtime.finish(self, 137, "OOMKilled"), self.runtime.owner)


class Runtime:
    """One node's container runtime: its sandboxes and containers."""

    def __init__(self, *, loop, clock, owner: str, rng, network, pod_cidr: str, cpus: int = 4,
                 disk_bytes: int = 100 << 30, on_exit=None):
        self.loop, self.clock, self.owner, self.rng, self.network = loop, clock, owner, rng, network
        self.cpus = cpus
        self.disk_bytes = disk_bytes            # the node's root disk (what df shows for it)
        self.ipam = IPAM(pod_cidr)
        self.on_exit = on_exit
        self.sandboxes: dict[str, Sandbox] = {}
        self.containers: dict[str, Container] = {}
        self.host_listeners: dict = {}
        # inodes are per host: nodes number their namespaces from different points
        self._inodes = itertools.count(FIRST_NAMESPACE_INODE + 1000 * max(self.ipam.network.network_address.packed[2] - 1, 0))

    def new_inode(self) -> int:
        return next(self._inodes)

    def new_id(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    # -- sandboxes ---------------------------------------------------------
    def run_pod_sandbox(self, pod: dict, node_ip: str) -> Sandbox:
        host_network = bool((pod.get("spec") or {}).get("hostNetwork"))
        ip = node_ip if host_network else self.ipam.allocate()
        sb = Sandbox(self.new_id(), pod, ip=ip, new_inode=self.new_inode, network=self.network, clock=self.clock,
                     host_listeners=self.host_listeners, gateway=self.ipam.gateway)
        self.sandboxes[sb.id] = sb
        if not host_network:
            self.network.attach(ip, sb)
        return sb

    def stop_pod_sandbox(self, sb: Sandbox) -> None:
        """Kill what still runs in the sandbox, stop /pause and release the IP."""
        for c in self.containers_of(sb):
            if c.state == "running":
                self.finish(c, 137)
        if sb.ready:
            sb.ready = False
            sb.pidns.remove(sb.pause)
            if not sb.host_network:
                self.network.detach(sb.ip)
                self.ipam.release(sb.ip)

    def remove_pod_sandbox(self, sb: Sandbox) -> None:
        self.stop_pod_sandbox(sb)
        for c in self.containers_of(sb):
            self.containers.pop(c.id, None)
        self.sandboxes.pop(sb.id, None)

    def containers_of(self, sb: Sandbox) -> list[Container]:
        return [c for c in self.containers.values() if c.sandbox is sb]

    # -- containers --------------------------------------------------------
    def create_container(self, sb: Sandbox, spec: dict, image: Image, **kw) -> Container:
        c = Container(self, sb, spec, image, cid=self.new_id(), **kw)
        self.containers[c.id] = c
        return c

    def start_container(self, c: Container) -> None:
        """Run the container's program; raises StartError if the executable does not exist."""
        program = c.lookup(c.argv[0]) if c.argv else None
        if program is None:
            what = c.argv[0] if c.argv else ""
            message = ("failed to create containerd task: failed to create shim task: OCI runtime create failed: "
                       "runc create failed: unable to start container process: exec: "
                       f'"{what}": executable file not found in $PATH: unknown')
            c.state, c.finished_at, c.exit_code, c.reason, c.message = "exited", self.clock.seconds, 128, \
                "StartError", message
            raise StartError(message)
        c.state, c.started_at = "running", self.clock.seconds
        c.main = Process(c, c.argv, env=c.env, write=c.log, cwd=c.workdir)
        c._gen = program(c.main)
        self._advance(c)

    def _advance(self, c: Container) -> None:
        c._timer = None
        if c.state != "running":
            return
        try:
            step = next(c._gen)
            while isinstance(step, Sleep) and step.seconds <= 0:
                step = next(c._gen)
        except StopIteration as stop:
            self.finish(c, 0 if stop.value is None else int(stop.value))
            return
        if isinstance(step, Sleep):
            c._timer = self.loop.later(step.seconds, lambda: self._advance(c), self.owner, daemon=True)

    def stop_container(self, c: Container, timeout: float) -> None:
        """CRI StopContainer: the stop signal now, SIGKILL after ``timeout`` seconds."""
        if c.state != "running" or c._kill_timer is not None:
            return
        c._kill_timer = self.loop.later(timeout, lambda: self.finish(c, 137), self.owner)
        self.signal(c, c.image.spec.stop_signal)

    def signal(self, c: Container, sig: int) -> None:
        """Deliver ``sig`` to the main process: its handler runs; without one a PID 1 ignores it
        (the kernel protects a namespace's init) and any other process dies of it."""
        proc = c.main
        trap = proc.traps.get(sig) if proc is not None else None
        if trap is not None:
            code, after, say = trap
            text = say() if callable(say) else say
            if text:
                c.log("stderr", text)
            if code is None:            # handled, and the program goes on (nginx reloading on SIGHUP)
                return
            if after:
                self.loop.later(after, lambda: self.finish(c, code), self.owner)
            else:
                self.finish(c, code)
        elif proc is not None and proc.pid != 1:
            self.finish(c, 128 + sig)

    def exit_soon(self, c: Container, code: int) -> None:
        """The program asked to exit (from inside a request handler)."""
        self.loop.soon(lambda: self.finish(c, code), self.owner)

    def finish(self, c: Container, code: int, reason: str | None = None) -> None:
        """The container's main process ended with ``code``; everything in it goes."""
        if c.state != "running":
            return
        c.state, c.finished_at, c.exit_code = "exited", self.clock.seconds, code
        c.reason = reason or ("Completed" if code == 0 else "Error")
        for timer in (c._timer, c._kill_timer):
            if timer is not None:
                timer.cancel()
        c._timer = c._kill_timer = None
        if c._gen is not None:
            c._gen.close()
        for proc in c.processes():
            c.pidns.remove(proc)
        c.sandbox.close_listeners(c)
        for stream in ("stdout", "stderr"):
            if c._partial[stream]:
                c.log(stream, "\n")
        if self.on_exit is not None:
            self.loop.soon(lambda: self.on_exit(c), self.owner)

    def remove_container(self, c: Container) -> None:
        self.containers.pop(c.id, None)

    def exec_sync(self, c: Container, argv: list[str], *, timeout: float | None = None) -> ExecResult:
        """CRI ExecSync: run ``argv`` in the container and wait for it.

        simplified: the command's sleeps do not advance the cluster's clock (``elapsed``
        says how long it would have taken); a command that would never finish is
        interrupted (exit code 130, as after Ctrl-C)."""
        if c.state != "running":
            raise NotRunning(c.name)
        chunks: list[tuple[str, str]] = []
        program = c.lookup(argv[0]) if argv else None
        if program is None:
            chunks.append(("stdout", "OCI runtime exec failed: exec failed: unable to start container process: "
                                     f'exec: "{argv[0] if argv else ""}": executable file not found in $PATH: unknown\r\n'))
            return ExecResult(chunks, 126, False, 0.0)
        proc = Process(c, argv, env=c.env, write=lambda s, t: chunks.append((s, t)), cwd=c.workdir)
        gen, elapsed, code, timed_out = program(proc), 0.0, 130, False
        try:
            while True:
                step = next(gen)
                if step is BLOCK or (isinstance(step, Sleep) and elapsed + step.seconds > EXEC_LIMIT):
                    timed_out = timeout is not None
                    break
                elapsed += step.seconds
                if timeout is not None and elapsed > timeout:
                    timed_out = True
                    break
        except StopIteration as stop:
            code = 0 if stop.value is None else int(stop.value)
        except ExecNotFound:
            code = 127
        finally:
            gen.close()
            proc.exit()
        return ExecResult(chunks, code, timed_out, elapsed)
