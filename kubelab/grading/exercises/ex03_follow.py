"""ex03.follow (chapter 3, the architecture): follow one write through the control plane.

The learner applies a Deployment to ``kl.grading.playground("ex03.follow")``
(the cluster below: two nodes, seed 3, Deployment ``web`` with 2 replicas,
settled) and answers from the store's keys and revisions and the API server's
audit log (``c.api.audit``: revision, verb, resource, name, user agent).
"""
from __future__ import annotations

import functools

from ..shortanswer import Question, short_answer_exercise

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""


def playground(answer=None):
    """The cluster the questions are about: a fresh one, the Deployment applied and settled."""
    from ... import Cluster

    c = Cluster(nodes=2, seed=3)
    c.apply(DEPLOYMENT)
    return c.run()


@functools.lru_cache(maxsize=1)
def expected() -> dict:
    c = playground()
    audit = c.api.audit

    def first(resource: str, verb: str):
        return next(a for a in audit if a.resource == resource and a.verb == verb)
    binding = first("pods/binding", "create")
    return {
        "deployment_key": c.api.resolve("deployments").key("web", "default"),
        "pods_prefix": c.api.resolve("pods").prefix("default"),
        "replicaset_creator": first("replicasets", "create").user_agent,
        "pod_creator": first("pods", "create").user_agent,
        "first_binding_revision": binding.revision,
        "first_status_writer": next(a.user_agent for a in audit if a.resource == "pods/status"
                                    and a.name == binding.name),
    }


QUESTIONS = [
    Question("deployment_key", "the store key that holds Deployment web",
             "Keys follow /registry/<resource>/<namespace>/<name>; list them with c.store.range(...) or "
             "c.api.resolve('deployments').key(...)."),
    Question("pods_prefix", "the key prefix under which all Pods of namespace default are stored",
             "A list of Pods is a range read over one prefix of the store."),
    Question("replicaset_creator", "the component (user agent) that created the ReplicaSet",
             "c.api.audit records who made each write: look for verb 'create' on resource 'replicasets'."),
    Question("pod_creator", "the component that created the Pods",
             "Look for verb 'create' on resource 'pods' in c.api.audit."),
    Question("first_binding_revision", "the store revision at which the first Pod was bound to a node",
             "Binding a Pod is a write to the pods/binding subresource; each write gets the next revision."),
    Question("first_status_writer", "the component that first wrote the status of that first-bound Pod",
             "Status is written through pods/status by the kubelet of the Pod's node: its user agent "
             "names the node."),
]

EXERCISE = short_answer_exercise("ex03.follow", "follow a write through the control plane", QUESTIONS,
                                 expected, chapter="03-architecture", playground=playground)
