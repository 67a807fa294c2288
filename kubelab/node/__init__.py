"""The nodes: a kubelet per node, running Pods in simulated containers.

What happens to a Pod once it is bound to a node, as kubelet v1.32 does it:

0. The kubelet (watching Pods with ``spec.nodeName=<node>``) admits it: a Pod
   whose requests do not fit the node's allocatable is rejected (``OutOfcpu``).
1. It sets up the volumes (:mod:`.volumes`: a claim must be Bound and its disk
   attached here; its files come from the cluster's storage and outlive the Pod),
   then the **sandbox**: a pause container holding the Pod's network namespace
   (one IP from the node's podCIDR, ``10.244.<n>.x``), IPC and UTS namespaces
   (hostname = Pod name). ``PodReadyToStartContainers`` becomes True.
2. **Init containers** run one at a time, each to exit 0; **sidecars** (init
   containers with ``restartPolicy: Always``) start in their turn and keep running.
3. **App containers** start: image pull (``Pulling``/``Pulled``), ``Created``,
   ``Started``. Each has its own mount namespace and, unless
   ``shareProcessNamespace: true``, its own PID namespace.
4. **Probes** (startup, liveness, readiness) run on their schedule; a failed
   liveness probe restarts the container; readiness gates the Pod's Ready condition.
5. A container that exits is restarted by ``restartPolicy`` with
   **CrashLoopBackOff** delays of 10 s, 20 s, 40 s ... capped at 300 s (reset after
   10 minutes of running). Over its memory limit it is **OOMKilled** (exit 137).
6. **Deleting** a Pod: ``Killing`` events, preStop hooks, the stop signal, SIGKILL
   after ``terminationGracePeriodSeconds`` (30 s); then the Pod object goes.

Container behaviour is simulated, deterministically. The command (``command``/
``args``, else the image's ENTRYPOINT/CMD) runs in a tiny ``sh``
(:mod:`.shell`): ``echo``, ``sleep``, ``exit``, ``touch``, ``rm``, ``cat``, ``ls``,
``date``, ``hostname``, ``ps``, ``kill``, ``df``, ``mount``, ``ipcs``, ``ip addr``,
``wget``/``curl``, ``readlink /proc/self/ns/net``, ``cat /proc/1/cmdline``,
``while``/``for``/``if``, ``;``, ``&&``, ``||``, ``|``, redirections. Common
images behave like the real ones (:mod:`.images`): nginx serves port 80, exits
on SIGQUIT and reloads on SIGHUP, ``busybox`` with no command exits at once
(so it crash-loops), ``polinux/stress --vm-bytes 250M`` uses 250 MiB,
agnhost's ``liveness`` fails its health check after 10 s. Time passes only on
the simulated clock: ``sleep 30`` takes 30 simulated seconds.

``kubectl exec`` and ``kubectl logs`` reach containers through the API server
(``api.exec``, ``api.logs``). :mod:`.linux` starts *real* Linux namespaces
where the machine allows it, to compare with the simulated ones.

simplified: ``run()`` settles once Pods are started or waiting in back-off;
time-driven behaviour (a sleep ending, a probe failing, a crash-loop restart)
happens as you advance time with ``run(seconds)``. An exec'd command runs
instantly in simulated time.
"""
from .kubelet import Kubelet
from .network import PodNetwork

__all__ = ["Kubelet", "PodNetwork"]
