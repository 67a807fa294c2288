"""ex04.sidecar (chapter 4, Pods): a sidecar that reads the app's files and shares localhost.

The answer is a Pod manifest ``web``: the given container ``app`` (nginx,
serving ``/usr/share/nginx/html`` on port 80) plus a sidecar that serves the
same files on port 8080, reading them from an emptyDir volume both mount. The
checks add a busybox container ``kubelab-probe`` to a copy of the Pod to knock
on its localhost ports, as a debugging container would.
"""
from __future__ import annotations

import copy

from .. import scenario
from ..framework import Exercise, Fail

HTML = "/usr/share/nginx/html"
PROBE = {"name": "kubelab-probe", "image": "busybox:1.36",
         "command": ["sh", "-c", "sleep 86400"]}
TOKEN = "written by app at kubelab-check"

PORT_HINT = ("All containers of a Pod share one network namespace, so two servers cannot both "
             "listen on port 80: give the sidecar its own port (8080), e.g. "
             "`python -m http.server 8080 --directory /pages` in the python image.")


def _prepare(answer) -> dict:
    objects = scenario.load(answer)
    if len(objects) != 1 or objects[0].get("kind") != "Pod":
        raise Fail(f"the answer holds {_kinds(objects)}; the exercise asks for one Pod",
                   "Write a single Pod manifest named web.")
    pod = objects[0]
    if (pod.get("metadata") or {}).get("name") != "web":
        raise Fail(f"the Pod is named {pod.get('metadata', {}).get('name')!r}, not 'web'", "Name the Pod web.")
    containers = _containers(pod)
    app = next((x for x in containers if x.get("name") == "app"), None)
    if app is None or not str(app.get("image", "")).startswith("nginx"):
        raise Fail("Pod web has no container named app running nginx",
                   "Keep the given app container (nginx) as it is and add the sidecar next to it.")
    if len(containers) < 2:
        raise Fail("Pod web has only the app container: there is no sidecar yet",
                   "Add a second container (the sidecar) that mounts the same emptyDir volume as app "
                   "and serves it on port 8080.")
    return pod


def _kinds(objects) -> str:
    return ", ".join(f"{o.get('kind')} {(o.get('metadata') or {}).get('name')}" for o in objects) or "nothing"


def _containers(pod: dict) -> list[dict]:
    """App containers and native sidecars (init containers with restartPolicy Always)."""
    spec = pod.get("spec") or {}
    sidecars = [x for x in spec.get("initContainers") or [] if x.get("restartPolicy") == "Always"]
    return sidecars + list(spec.get("containers") or [])


def _sidecar_mount(pod: dict) -> tuple[dict, str]:
    """The sidecar mounting app's html volume, and where it mounts it."""
    containers = _containers(pod)
    app = next(x for x in containers if x["name"] == "app")
    volume = next((m["name"] for m in app.get("volumeMounts") or [] if m.get("mountPath", "").rstrip("/") == HTML),
                  None)
    if volume is None:
        raise Fail(f"container app mounts no volume at {HTML}, so its files live only in its own filesystem",
                   f"Declare an emptyDir volume in the Pod and mount it in app at {HTML}.")
    for sidecar in containers:
        for m in sidecar.get("volumeMounts") or []:
            if sidecar is not app and m.get("name") == volume:
                return sidecar, m["mountPath"].rstrip("/") or "/"
    raise Fail(f"no sidecar mounts volume {volume!r}, the one app mounts at {HTML}",
               "Mount the same volume (same name in volumeMounts) in both containers; "
               "two emptyDir volumes are two separate directories.")


def _run(pods: list[dict], nodes=1):
    """Apply copies of the Pod (with the probe container) and let them start."""
    c = scenario.cluster(nodes)
    for pod in pods:
        probed = copy.deepcopy(pod)
        probed["spec"]["containers"] = list(probed["spec"].get("containers") or []) + [dict(PROBE)]
        scenario.apply(c, probed)
    c.run(60)
    return c


def _require_running(c, name: str) -> None:
    pod = c.get("pod", name)
    if not pod.get("spec", {}).get("nodeName"):
        raise Fail(scenario.scheduling_failure(c, name))
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    if not scenario.is_ready(pod) or any(s.get("restartCount") for s in statuses):
        trouble = scenario.container_trouble(c, pod)
        hint = PORT_HINT if "Address already in use" in trouble else None
        if "ImagePull" in trouble or "ErrImage" in trouble:
            hint = "Use an image the lab knows, such as python:3.12 (see kubelab.node.images)."
        raise Fail(f"{scenario.pod_line(pod)}: {trouble}", hint)


def _write_token(c, name: str, text: str) -> None:
    out, code = scenario.exec_in(c, name, "app", ["sh", "-c", f"echo '{text}' > {HTML}/kubelab-check.html"])
    if code:
        raise Fail(f"writing a file in container app failed: {out.strip()}")


EXERCISE = Exercise("ex04.sidecar", "a sidecar that shares files and localhost", chapter="04-pods",
                    prepare=_prepare, playground=lambda answer: _run([_prepare(answer)]))


@EXERCISE.check("runs", "Pod web runs: every container ready, no restarts", hint=PORT_HINT)
def runs(pod):
    c = _run([pod])
    _require_running(c, "web")


@EXERCISE.check("shares-files", "a file app writes under its html directory appears in the sidecar",
                hint="Mount one emptyDir volume in both containers: app at /usr/share/nginx/html, "
                     "the sidecar wherever it serves files from.")
def shares_files(pod):
    sidecar, path = _sidecar_mount(pod)
    c = _run([pod])
    _require_running(c, "web")
    _write_token(c, "web", TOKEN)
    out, code = scenario.exec_in(c, "web", sidecar["name"], ["cat", f"{path}/kubelab-check.html"])
    if code or TOKEN not in out:
        raise Fail(f"`cat {path}/kubelab-check.html` in container {sidecar['name']} printed: {out.strip()}")


@EXERCISE.check("localhost", "over localhost, port 80 reaches nginx and port 8080 serves app's files",
                hint="The sidecar must listen on 8080 and serve the directory where it mounts the shared "
                     "volume (python -m http.server 8080 --directory <that mountPath>).")
def localhost(pod):
    c = _run([pod])
    _require_running(c, "web")
    _write_token(c, "web", TOKEN)
    for port, path in ((80, "/kubelab-check.html"), (8080, "/kubelab-check.html")):
        out, code = scenario.exec_in(c, "web", PROBE["name"], ["wget", "-qO-", f"http://localhost:{port}{path}"])
        if code or TOKEN not in out:
            raise Fail(f"from inside the Pod, `wget -qO- http://localhost:{port}{path}` said: "
                       f"{out.strip() or 'nothing'}")


@EXERCISE.check("two-on-a-node", "two copies of the Pod run side by side on one node", hidden=True,
                hint="A Pod's ports belong to the Pod's own network namespace; hostPort and hostNetwork "
                     "make them the node's, so two copies clash. Leave both out.")
def two_on_a_node(pod):
    c = _run([_renamed(pod, "web-a"), _renamed(pod, "web-b")], nodes=1)
    for name in ("web-a", "web-b"):
        _require_running(c, name)


@EXERCISE.check("private-files", "the shared files are private to each Pod", hidden=True,
                hint="An emptyDir belongs to one Pod and lives as long as the Pod; a hostPath directory "
                     "is the node's, shared with every Pod that mounts it.")
def private_files(pod):
    sidecar, path = _sidecar_mount(pod)
    c = _run([_renamed(pod, "web-a"), _renamed(pod, "web-b")], nodes=1)
    for name in ("web-a", "web-b"):
        _require_running(c, name)
    _write_token(c, "web-a", "only in web-a")
    out, _ = scenario.exec_in(c, "web-b", sidecar["name"], ["cat", f"{path}/kubelab-check.html"])
    if "only in web-a" in out:
        raise Fail("a file written in one copy of the Pod showed up in another Pod on the same node")


def _renamed(pod: dict, name: str) -> dict:
    out = copy.deepcopy(pod)
    out["metadata"]["name"] = name
    return out
