"""Real etcd clusters on loopback: N etcd processes forming one raft group.

    with EtcdCluster(3) as cluster:
        store = EtcdStore(cluster.endpoints)
        cluster.stop(0)                 # a member goes away: 2 of 3 keep the quorum
        cluster.stop(1)                 # 1 of 3: writes fail, quorum is lost
        cluster.start(0)                # 2 of 3 again: a leader is elected, writes work

Each member is a Debian etcd-server process with its data dir in a temporary
directory (on /dev/shm when there is one), random free loopback ports, and a
10 ms heartbeat with a 100 ms election timeout (etcd's defaults are 100 ms and
1 s, sized for real networks), so a cluster starts and elects a leader in well
under a second. ``stop(i)`` stops a member gracefully, ``kill(i)`` crashes it;
``start(i)`` restarts it on the same data dir and ports, and it rejoins as etcd
members do. A member's data dir survives both, as a machine's disk would.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from typing import NamedTuple

__all__ = ["EtcdCluster", "MemberHealth", "available"]

INSTALL_HINT = "etcd is not installed (Debian/Ubuntu: apt-get install etcd-server)"


def available() -> tuple[bool, str]:
    """Whether real etcd clusters can run here, and why (not): ``(True, "etcd 3.4.23 at /usr/bin/etcd")``."""
    binary = _binary()
    if binary is None:
        return False, INSTALL_HINT
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"etcd at {binary} does not run: {e}"
    version = next((line.split(":", 1)[1].strip() for line in out.splitlines()
                    if line.startswith("etcd Version:")), None)
    if version is None:
        return False, f"{binary} --version did not print an etcd version"
    return True, f"etcd {version} at {binary}"


class MemberHealth(NamedTuple):
    """One member as ``etcdctl endpoint status`` sees it."""

    name: str
    endpoint: str
    up: bool          # the process answers
    leader: bool      # it is the raft leader


class _Member:
    def __init__(self, name: str, root: str):
        self.name = name
        self.client_port, self.peer_port = _free_port(), _free_port()
        self.data_dir = os.path.join(root, name)
        self.process: subprocess.Popen | None = None
        self.wanted = False         # started and not stopped since: it should be running

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"


class EtcdCluster:
    """``size`` etcd members on loopback, one raft group; a context manager that removes them."""

    def __init__(self, size: int = 3, *, heartbeat_ms: int = 10, election_ms: int = 100,
                 timeout: float = 10.0):
        ok, reason = available()
        if not ok:
            raise RuntimeError(reason)
        if size < 1:
            raise ValueError(f"an etcd cluster needs at least one member, got {size}")
        self._binary = _binary()
        self._flags = ["--heartbeat-interval", str(heartbeat_ms), "--election-timeout", str(election_ms)]
        self.timeout = timeout
        shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        self.root = tempfile.mkdtemp(prefix="kubelab-etcd-", dir=shm)
        self.members = [_Member(f"m{i}", self.root) for i in range(size)]
        self._initial = ",".join(f"{m.name}={m.peer_url}" for m in self.members)
        self._finalizer = weakref.finalize(self, _remove, list(self.members), self.root)
        try:
            for i, m in enumerate(self.members):
                # One after the other, once the last one serves its peers: a new member asks
                # the others whether it was bootstrapped already, and one that listens but
                # does not serve yet costs it etcd's 1 s bootstrap timeout.
                self._spawn(i)
                self._wait(lambda: _get(m.peer_url, "/members") is not None,
                           f"etcd member {m.name} did not start")
            self.wait_healthy()
        except BaseException:
            self.close()
            raise

    @property
    def endpoints(self) -> list[str]:
        """The members' client URLs, for ``EtcdStore(cluster.endpoints)``."""
        return [m.endpoint for m in self.members]

    def __enter__(self) -> EtcdCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        up = sum(1 for m in self.members if _running(m))
        return f"<EtcdCluster {up} of {len(self.members)} members up>"

    def stop(self, i: int) -> None:
        """Stop member ``i`` as ``systemctl stop etcd`` does (SIGTERM): a leader first hands
        its leadership to a follower, so requests in flight are not lost. (etcd hands it to
        the follower connected longest; if that one has just stopped, the handover times out,
        about 5 s here, and the leader stops without it.)"""
        self._signal(i, signal.SIGTERM)

    def kill(self, i: int) -> None:
        """Crash member ``i`` (SIGKILL). If it led, a write it was forwarded is lost with it:
        the client waits for etcd's "request timed out" (ServiceUnavailable from EtcdStore)
        while the others elect a new leader, one election timeout later."""
        self._signal(i, signal.SIGKILL)

    def _signal(self, i: int, signum: int) -> None:
        member = self.members[i]
        member.wanted = False
        if _running(member):
            member.process.send_signal(signum)
            member.process.wait()

    def start(self, i: int) -> None:
        """Restart member ``i`` on its data dir; returns when it answers (it may still have no
        leader: without a quorum there is none)."""
        if not _running(self.members[i]):
            self._spawn(i)
            self._wait(lambda: _get(self.members[i].endpoint, "/version") is not None,
                       f"etcd member {self.members[i].name} did not start")

    def health(self) -> list[MemberHealth]:
        """Every member: up, and leader or not (each member's own /v3/maintenance/status)."""
        rows = []
        for m in self.members:
            status = _post(m.endpoint, "/v3/maintenance/status") if _running(m) else None
            leader = bool(status) and status.get("leader") == status.get("header", {}).get("member_id")
            rows.append(MemberHealth(m.name, m.endpoint, status is not None, leader))
        return rows

    def wait_healthy(self) -> None:
        """Wait until every running member follows one leader (each member's own status)."""
        def agreed() -> bool:
            leaders = {(_post(m.endpoint, "/v3/maintenance/status") or {}).get("leader", "0")
                       for m in self.members if _running(m)}
            return len(leaders) == 1 and leaders != {"0"}
        self._wait(agreed, "the etcd members did not agree on a leader")

    def close(self) -> None:
        """Kill every member and remove the data dirs."""
        self._finalizer()

    def _spawn(self, i: int) -> None:
        m = self.members[i]
        args = [self._binary, "--name", m.name, "--data-dir", m.data_dir,
                "--listen-client-urls", m.endpoint, "--advertise-client-urls", m.endpoint,
                "--listen-peer-urls", m.peer_url, "--initial-advertise-peer-urls", m.peer_url,
                "--initial-cluster", self._initial, "--initial-cluster-state", "new",
                "--initial-cluster-token", f"kubelab-{self.members[0].peer_port}", *self._flags]
        with open(os.path.join(self.root, f"{m.name}.log"), "ab") as log:
            m.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        m.wanted = True

    def _wait(self, condition, message: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not condition():
            for m in self.members:
                if m.wanted and not _running(m):
                    raise RuntimeError(f"etcd member {m.name} exited with {m.process.returncode}; "
                                       f"see {self.root}/{m.name}.log")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{message} within {self.timeout} s; logs in {self.root}")
            time.sleep(0.01)


def _binary() -> str | None:
    return shutil.which("etcd") or next((p for p in ("/usr/bin/etcd", "/usr/local/bin/etcd")
                                         if os.access(p, os.X_OK)), None)


def _running(member: _Member) -> bool:
    return member.process is not None and member.process.poll() is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(endpoint: str, method: str, path: str, body: str | None) -> dict | None:
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=2)
    try:
        conn.request(method, path, body)
        return json.loads(conn.getresponse().read())
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _get(endpoint: str, path: str) -> dict | None:
    return _request(endpoint, "GET", path, None)


def _post(endpoint: str, path: str) -> dict | None:
    return _request(endpoint, "POST", path, "{}")


def _remove(members: list[_Member], root: str) -> None:
    for m in members:
        if _running(m):
            m.process.kill()
            m.process.wait()
    shutil.rmtree(root, ignore_errors=True)
