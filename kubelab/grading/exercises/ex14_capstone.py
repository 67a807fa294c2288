"""ex14.capstone (chapter 14, summary): ship a small app the way one ships to a real cluster.

The answer is one multi-document YAML for the guestbook: a ConfigMap with its page,
Deployment ``guestbook`` (the given container, with requests and limits, readiness and
liveness probes, and a rolling update that keeps full capacity), Service ``guestbook``,
a PodDisruptionBudget and a HorizontalPodAutoscaler. The checks apply it to fresh lab
clusters (three nodes) and do to it what a real cluster's life does: validate it as
Kubernetes 1.32's ``kubectl apply`` does (strict field validation, then the API
server), bring it up, read the page through the Service, roll it to a new image,
drain the nodes one after another, ask the HPA what it sees, and leave it alone for
ten minutes.

"Serving" means what it means in ex13: an endpoint of Service ``guestbook`` that is
ready and whose Pod really listens on the endpoint's port.
"""
from __future__ import annotations

from .. import scenario
from ..framework import Exercise, Fail
from .ex13_survive import READINESS_HINT, Watch, app_pods, pods, serve, serving

APP = "guestbook"
REPLICAS = 4                    # the guestbook needs 4 Pods serving; a rollout must keep them
DURING_DRAIN = 3                # a node drain may take one away, never more
IMAGE, NEW_IMAGE = "python:3.12", "python:3.13"
COMMAND = ["sh", "-c", "sleep 20; exec python -m http.server 8080 --directory /srv/guestbook"]
NODES = ("node-1", "node-2", "node-3")
DRAIN = "--ignore-daemonsets --delete-emptydir-data --timeout=300s"
SETTLE = 90                     # image pull, 20 s warm-up, probes, the HPA's first metrics
QUIET = 660                     # past the HPA's 5-minute scale-down stabilization window, twice
KINDS = ("ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler")


# -- reading the answer ---------------------------------------------------------------

def _name(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name") or "?"


def _prepare(answer) -> list[dict]:
    objects = scenario.load(answer)
    have = {o.get("kind") for o in objects}
    named = {(o.get("kind"), _name(o)) for o in objects}
    for o in objects:
        if o.get("kind") == "HorizontalPodAutoscaler" and o.get("apiVersion") not in ("autoscaling/v2",
                                                                                     "autoscaling/v1"):
            raise Fail(f"HorizontalPodAutoscaler {_name(o)} is written in {o.get('apiVersion')}; Kubernetes 1.32 "
                       "serves it in autoscaling/v2 (the version with metrics and behavior) and autoscaling/v1 "
                       "(only targetCPUUtilizationPercentage)",
                       "Write the HPA in autoscaling/v2: spec.metrics with a Resource metric for cpu.")
    missing = [f"{k} {APP}" if k in ("Deployment", "Service") else f"a {k}" for k in KINDS
               if k not in have or (k in ("Deployment", "Service") and (k, APP) not in named)]
    if missing:
        held = ", ".join(f"{o.get('kind')} {_name(o)}" for o in objects)
        raise Fail(f"the answer holds {held}; it still needs: {', '.join(missing)}",
                   "One YAML, five objects: a ConfigMap, Deployment guestbook, Service guestbook, a "
                   "PodDisruptionBudget and a HorizontalPodAutoscaler, separated by ---.")
    deployment = next(o for o in objects if o.get("kind") == "Deployment" and _name(o) == APP)
    container = next((x for x in (((deployment.get("spec") or {}).get("template") or {}).get("spec") or {})
                      .get("containers") or [] if x.get("name") == APP), None)
    if container is None or container.get("image") != IMAGE or container.get("command") != COMMAND:
        raise Fail("container guestbook is not the one given (its name, image and command must stay as in "
                   "the stub)", "Keep the guestbook container's name, image and command; add to it.")
    scenario.apply(scenario.cluster(3), objects, field_validation="Ignore")     # the `valid` check says why
    return objects


# -- the scenarios ---------------------------------------------------------------------

def _deployed(objects: list[dict], seconds: float = SETTLE):
    c = scenario.cluster(3)
    scenario.apply(c, objects, field_validation="Ignore")
    c.run(seconds)
    return c


def _replicas(c) -> int:
    return (c.get("deployment", APP).get("spec") or {}).get("replicas", 1)


def _require_serving(c, what: str = "") -> None:
    running = app_pods(c, APP)
    for pod in running:
        if not pod["spec"].get("nodeName"):
            raise Fail(scenario.scheduling_failure(c, pod["metadata"]["name"]))
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        if not scenario.is_ready(pod) or any(s.get("restartCount") for s in statuses):
            raise Fail(f"{what}{scenario.pod_line(pod)}: {scenario.container_trouble(c, pod)}",
                       _probe_hint(c, pod))
    up, deaf = serving(c, APP)
    if deaf and not up:
        raise Fail(f"{what}Service guestbook has {len(deaf)} ready endpoints, but nothing listens on their port: "
                   f"{deaf[0]}", "The Service's targetPort must be the port the app listens on (8080).")
    if len(up) < REPLICAS:
        raise Fail(f"{what}{serve(len(up), 'guestbook ')} behind Service guestbook ({pods(len(running))}, "
                   f"{_replicas(c)} replicas); the guestbook needs {REPLICAS}", _replicas_hint(c))


def _replicas_hint(c) -> str:
    hpas = [h for h in c.get("horizontalpodautoscalers")
            if ((h.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == APP]
    if hpas and (hpas[0]["spec"].get("minReplicas") or 1) < REPLICAS:
        return ("The HPA owns the replica count: with no load it scales guestbook down to its minReplicas (1 if "
                "not set) once its 5-minute scale-down stabilization window has passed. Keep at least "
                f"{REPLICAS}.")
    return (f"Run {REPLICAS} replicas (and let the HPA keep at least that many), with a Service whose selector "
            "matches the Pods' labels.")


def _probe_hint(c, pod: dict) -> str | None:
    """Why the probes fail: a page that is not there (404), or a liveness probe during warm-up."""
    messages = [e.get("message", "") for e in c.events() if e.get("reason") == "Unhealthy"
                and e["involvedObject"].get("name") == pod["metadata"]["name"]]
    if any("statuscode: 404" in m for m in messages):
        return ("The probes get 404 Not Found: the directory the app serves (/srv/guestbook) has no index.html. "
                "Mount the ConfigMap there as a volume.")
    if any(m.startswith("Liveness") for m in messages):
        return ("The liveness probe failed while the app was still warming up (about 20 s), so the kubelet "
                "killed it, again and again. Give the probe time: initialDelaySeconds past the warm-up (or a "
                "startupProbe), and a failureThreshold that tolerates a slow start.")
    return None


def _condition(obj: dict, kind: str) -> dict:
    return next((x for x in (obj.get("status") or {}).get("conditions") or [] if x.get("type") == kind), {})


def _budget_line(c) -> str:
    from ...api.labels import selector_from_label_selector
    pods = app_pods(c, APP)
    for b in c.get("poddisruptionbudgets"):
        selector = selector_from_label_selector(b["spec"].get("selector"))
        if any(selector.matches(p["metadata"].get("labels") or {}) for p in pods):
            s = b.get("status") or {}
            return (f"PodDisruptionBudget {b['metadata']['name']}: {s.get('currentHealthy', 0)} healthy, "
                    f"{s.get('desiredHealthy', 0)} desired, {s.get('disruptionsAllowed', 0)} disruptions allowed")
    return ""


# -- the exercise ----------------------------------------------------------------------

EXERCISE = Exercise("ex14.capstone", "ship the guestbook", chapter="14-summary", prepare=_prepare,
                    playground=lambda answer: _deployed(_prepare(answer)))


@EXERCISE.check("valid", "every object is valid for Kubernetes 1.32 (strict field validation, then the API server)",
                hint="kubectl 1.32 applies with --validate=strict: the API server refuses a field its kind does "
                     "not have, such as a misspelt or misplaced one. Compare the path it names with the API "
                     "reference (or `kubectl explain <kind>.<path>` on a real cluster).")
def valid(objects):
    # kubectl 1.32 asks the API server for fieldValidation=Strict: a field the kind lacks fails
    # the object (``strict decoding error: unknown field "..."``) before validation proper
    c = scenario.cluster(3)
    out = c.kubectl("apply --dry-run=server -f -", stdin="---\n".join(_yaml(o) for o in objects))
    if out.returncode:
        raise Fail(out.stderr.strip())


def _yaml(obj: dict) -> str:
    import yaml
    return yaml.safe_dump(obj, sort_keys=False)


@EXERCISE.check("ready", f"it comes up: {REPLICAS} Pods Ready, serving behind Service guestbook, no restarts",
                hint="Check the Service's selector and targetPort (8080), and that every Pod can start.")
def ready(objects):
    _require_serving(_deployed(objects))


@EXERCISE.check("config", "the page in the ConfigMap is what the Service serves",
                hint="Mount the ConfigMap as a volume at /srv/guestbook, the directory the app serves: each key "
                     "becomes a file (index.html).")
def config(objects):
    pages = [str(o.get("data", {}).get("index.html")) for o in objects
             if o.get("kind") == "ConfigMap" and (o.get("data") or {}).get("index.html")]
    if not pages:
        raise Fail("no ConfigMap in the answer has the key index.html", "Put the page in a ConfigMap under the key "
                   "index.html.")
    c = _deployed(objects)
    _require_serving(c)
    got = c.curl(f"http://{APP}")
    if not got.ok or got.body not in pages:
        first = (got.body or got.error).strip().splitlines()
        raise Fail(f"curl http://guestbook answered {f'HTTP {got.status}' if got.ok else 'with an error'}: "
                   f"{first[0] if first else 'nothing'}{' ...' if len(first) > 1 else ''}; "
                   f"the ConfigMap's index.html begins: {pages[0].strip().splitlines()[0]}")


@EXERCISE.check("rollout", f"a rolling update to a new image keeps all {REPLICAS} Pods serving at every moment",
                hint="A rollout takes old Pods away as new ones become Ready: maxUnavailable is how many may be "
                     f"missing (25% of {REPLICAS} is 1); 0, with a surge, keeps full capacity.")
def rollout(objects):
    c = _deployed(objects)
    _require_serving(c)
    desired = _replicas(c)
    watch = Watch(c, APP)
    c.kubectl(f"set image deployment/{APP} {APP}={NEW_IMAGE}")
    out = c.kubectl(f"rollout status deployment/{APP} --timeout=600s")
    if out.returncode:
        raise Fail(f"kubectl rollout status deployment/guestbook: {str(out).strip().splitlines()[-1]}")
    if watch.fewest < desired:
        reason = (f"during the rollout to {NEW_IMAGE}, only {watch.fewest} of {pods(desired, 'guestbook ')} served "
                  f"at one moment ({watch.when} in)")
        if watch.deaf:
            raise Fail(reason + f"; Ready but not listening yet: {', '.join(watch.deaf)}", READINESS_HINT)
        raise Fail(reason)
    _require_serving(c, "after the rollout, ")


@EXERCISE.check("maintenance", f"draining the nodes one after another keeps {DURING_DRAIN} Pods serving, and "
                               "every drain finishes",
                hint=f"kubectl drain evicts through the Eviction API, which refuses only what a PodDisruptionBudget "
                     f"forbids: one selecting the guestbook's Pods that lets one go at a time ({DURING_DRAIN} of "
                     f"{REPLICAS} stay), never none (that blocks every drain).")
def maintenance(objects):
    c = _deployed(objects)
    _require_serving(c)
    watch = Watch(c, APP)
    for node in NODES:
        watch.phase = f"kubectl drain {node}"
        out = c.kubectl(f"drain {node} {DRAIN}")
        if out.returncode:
            budget = _budget_line(c)
            raise Fail(f"`kubectl drain {node} --timeout=300s` gave up: {out.stderr.strip().splitlines()[-1]}"
                       + (f"; {budget}" if budget else ""))
        c.kubectl(f"uncordon {node}")
    if watch.fewest < DURING_DRAIN:
        reason = (f"during `{watch.where}`, only {pods(watch.fewest, 'guestbook ')} served at one moment "
                  f"({watch.when} into the maintenance)")
        if not _budget_line(c):
            raise Fail(reason + "; no PodDisruptionBudget selects the guestbook's Pods")
        if watch.deaf:
            raise Fail(reason + f"; Ready but not listening yet: {', '.join(watch.deaf)}", READINESS_HINT)
        raise Fail(reason + f"; {_budget_line(c)}")


@EXERCISE.check("autoscaling", "the HPA can scale guestbook on its Pods' CPU utilization",
                hint="scaleTargetRef must name the Deployment (apps/v1, Deployment, guestbook), and a Utilization "
                     "target is a percentage of each container's CPU request: the containers need one.")
def autoscaling(objects):
    c = _deployed(objects)
    for hpa in c.get("horizontalpodautoscalers"):
        for kind in ("AbleToScale", "ScalingActive"):
            cond = _condition(hpa, kind)
            if cond.get("status") != "True":
                message = cond.get("message", "no status yet")
                hint = None
                if "missing request for cpu" in message:
                    hint = ("CPU utilization is usage divided by the request: a container without a CPU request "
                            "cannot be measured. Give every container of the Pod resources.requests.cpu.")
                elif "not found" in message:
                    hint = ("scaleTargetRef names the object to scale: apiVersion apps/v1, kind Deployment, "
                            "name guestbook, spelt exactly.")
                raise Fail(f"HorizontalPodAutoscaler {hpa['metadata']['name']}: {kind} "
                           f"{cond.get('status', 'Unknown')} ({cond.get('reason', '-')}): {message}", hint)
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if target.get("name") != APP:
            raise Fail(f"HorizontalPodAutoscaler {hpa['metadata']['name']} scales {target.get('kind')} "
                       f"{target.get('name')}, not Deployment guestbook")


@EXERCISE.check("steady", "left alone for ten minutes, it stays as shipped", hidden=True,
                hint="Over time: the HPA scales down to its minReplicas once the 5-minute stabilization window "
                     f"has passed (keep {REPLICAS}); a Pod without requests and limits is BestEffort, the first to "
                     "be evicted when its node runs short; a container without a liveness probe is never "
                     "restarted when it hangs.")
def steady(objects):
    c = _deployed(objects, SETTLE + QUIET)
    _require_serving(c, "after ten quiet minutes, ")
    for pod in app_pods(c, APP):
        qos = (pod.get("status") or {}).get("qosClass")
        if qos == "BestEffort":
            raise Fail(f"pod/{pod['metadata']['name']} has QoS class BestEffort: no requests or limits")
        for container in pod["spec"]["containers"]:
            if not container.get("livenessProbe"):
                raise Fail(f"container {container['name']} of pod/{pod['metadata']['name']} has no liveness probe")
            if not ((container.get("resources") or {}).get("limits")):
                raise Fail(f"container {container['name']} of pod/{pod['metadata']['name']} has no limits: "
                           f"QoS class {qos}, and nothing bounds what it may use")
