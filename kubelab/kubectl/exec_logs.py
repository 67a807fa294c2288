"""``kubectl exec`` and ``kubectl logs``: through the API server to the Pod's kubelet.

``kubectl exec POD [-c CONTAINER] -- COMMAND [args...]`` prints what the
command printed and, when it fails, ``command terminated with exit code N``
(kubectl exits with N). ``kubectl logs POD [-c CONTAINER] [-p|--previous]
[--tail=N] [--timestamps] [--all-containers]`` prints a container's log.
Without ``-c``, kubectl picks the ``kubectl.kubernetes.io/default-container``
annotation's container or the first one, and says so when there are others:
``Defaulted container "app" out of: app, sidecar``. ``-i``/``-t`` are accepted;
there is no terminal, so ``-t`` only warns, as kubectl does without one.
"""
from __future__ import annotations

import shlex

from kubelab import errors

from .errors import api_error_text

__all__ = ["dispatch"]

_VALUED = {"-c": "container", "--container": "container", "-n": "namespace", "--namespace": "namespace",
           "--tail": "tail", "--kubeconfig": "kubeconfig", "--context": "context", "--since": "since"}
_BOOLEAN = {"-p": "previous", "--previous": "previous", "-i": "stdin", "--stdin": "stdin", "-t": "tty",
            "--tty": "tty", "--timestamps": "timestamps", "--all-containers": "all-containers",
            "-q": "quiet", "--quiet": "quiet", "-f": "follow", "--follow": "follow"}
_USAGE = {"exec": "error: expected 'exec (POD | TYPE/NAME) -- COMMAND [args...]'.\nPOD or TYPE/NAME is a required "
                  "argument for the exec command\nSee 'kubectl exec -h' for help and examples\n",
          "logs": "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a "
                  "required argument for the logs command\nSee 'kubectl logs -h' for help and examples\n"}


class _Fail(Exception):
    def __init__(self, text: str, code: int = 1):
        super().__init__(text)
        self.text, self.code = text if text.endswith("\n") else text + "\n", code


def _parse(words: list[str]) -> tuple[dict, list[str], list[str] | None]:
    opts, args, command = {}, [], None
    i = 0
    while i < len(words):
        w = words[i]
        if w == "--":
            command = words[i + 1:]
            break
        name, eq, value = w.partition("=")
        if name in _VALUED:
            if not eq:
                if i + 1 >= len(words):
                    raise _Fail(f"error: flag needs an argument: {name}")
                value, i = words[i + 1], i + 1
            opts[_VALUED[name]] = value
        elif w.startswith("-") and len(w) > 1 and all(f"-{ch}" in _BOOLEAN for ch in w[1:]):
            opts.update({_BOOLEAN[f"-{ch}"]: True for ch in w[1:]})
        elif name in _BOOLEAN:
            opts[_BOOLEAN[name]] = value.lower() not in ("false", "0") if eq else True
        elif w.startswith("-"):
            raise _Fail(f"error: unknown flag: {name}" if w.startswith("--") else
                        f"error: unknown shorthand flag: '{w[1]}' in {w}")
        else:
            args.append(w)
        i += 1
    return opts, args, command


def _pod_name(api, ref: str, namespace: str) -> str:
    """``web``, ``pod/web``, or ``deployment/web`` (a Pod the workload owns, as kubectl picks one)."""
    if "/" not in ref:
        return ref
    kind, _, name = ref.partition("/")
    rtype = api.resolve(kind)
    if rtype.kind == "Pod":
        return name
    obj = api.get(rtype, name, namespace=namespace)
    selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    pods = api.list("pods", namespace=namespace,
                    label_selector=",".join(f"{k}={v}" for k, v in sorted(selector.items())))["items"]
    if not pods:
        raise _Fail(f"error: no pods found for {ref}" if rtype.kind != "Pod" else "")
    return sorted(pods, key=lambda p: p["metadata"]["creationTimestamp"])[0]["metadata"]["name"]


def _default_container(pod: dict, quiet: bool, err: list) -> str:
    """podcmd.FindOrDefaultContainerByName with no name given."""
    spec = pod["spec"]
    wanted = ((pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container"))
    names = [c["name"] for c in spec.get("containers") or []]
    if wanted in names:
        return wanted
    if not quiet and (len(names) > 1 or spec.get("initContainers") or spec.get("ephemeralContainers")):
        all_names = names + [f"{c['name']} (ephem)" for c in spec.get("ephemeralContainers") or []] + \
            [f"{c['name']} (init)" for c in spec.get("initContainers") or []]
        err.append(("stderr", f'Defaulted container "{names[0]}" out of: {", ".join(all_names)}\n'))
    return names[0]


def _exec(api, opts, args, command, chunks) -> int:
    if not args:
        raise _Fail(_USAGE["exec"])
    if command is None:
        raise _Fail("error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n"
                    "See 'kubectl exec -h' for help and examples")
    if not command:
        raise _Fail("error: you must specify at least one command for the container")
    ns = opts.get("namespace", "default")
    pod = api.get("pods", _pod_name(api, args[0], ns), namespace=ns)
    if pod["status"].get("phase") in ("Succeeded", "Failed"):
        raise _Fail(f"error: cannot exec into a container in a completed pod; current phase is "
                    f"{pod['status']['phase']}")
    container = opts.get("container") or _default_container(pod, opts.get("quiet", False), chunks)
    if opts.get("tty"):
        chunks.append(("stderr", "Unable to use a TTY - input is not a terminal or the right kind of file\n"))
    result = api.nodes_proxy.exec_result(pod["metadata"]["name"], ns, container, command)
    chunks.extend(result.chunks)
    if result.code:
        chunks.append(("stderr", f"command terminated with exit code {result.code}\n"))
    return result.code


def _logs(api, opts, args, chunks) -> int:
    if not args:
        raise _Fail(_USAGE["logs"])
    ns = opts.get("namespace", "default")
    pod = api.get("pods", _pod_name(api, args[0], ns), namespace=ns)
    name = pod["metadata"]["name"]
    tail = int(opts["tail"]) if "tail" in opts else None
    if opts.get("all-containers"):
        containers = [c["name"] for c in (pod["spec"].get("initContainers") or []) + pod["spec"]["containers"]]
    else:
        containers = [opts.get("container") or _default_container(pod, opts.get("quiet", False), chunks)]
    for container in containers:
        text = api.logs(name, ns, container, bool(opts.get("previous")), timestamps=bool(opts.get("timestamps")),
                        tail=tail if tail is None or tail >= 0 else None)
        chunks.append(("stdout", text))
    return 0


def dispatch(cluster, command: str):
    """Run ``kubectl exec``/``kubectl logs``; None for any other command (kubectl's own parser runs)."""
    from . import Output

    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if words[:1] == ["kubectl"]:
        words = words[1:]
    if words[:1] not in (["exec"], ["logs"]):
        return None
    chunks: list[tuple[str, str]] = []
    try:
        opts, args, cmd = _parse(words[1:])
        if words[0] == "exec":
            code = _exec(cluster.api, opts, args, cmd, chunks)
        else:
            code = _logs(cluster.api, opts, args + (cmd or []), chunks)
    except _Fail as e:
        chunks.append(("stderr", e.text))
        code = e.code
    except errors.ApiError as e:
        text = f"error: {e.message}" if e.message.startswith("unable to upgrade connection") else api_error_text(e)
        chunks.append(("stderr", text if text.endswith("\n") else text + "\n"))
        code = 1
    return Output(chunks, code)
