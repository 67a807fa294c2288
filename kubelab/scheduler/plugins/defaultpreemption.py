"""DefaultPreemption: the PostFilter plugin that runs preemption
(see kubelab.scheduler.preemption); its messages start with "preemption: "."""
from ..framework import Plugin, PostFilterResult, Status
from ..preemption import Evaluator


class DefaultPreemption(Plugin):
    name = "DefaultPreemption"

    def post_filter(self, state, pod, statuses):
        evaluator = Evaluator(self.handle.framework_for(pod), self.handle, self.name)
        nominated, status = evaluator.preempt(state, pod, statuses)
        result = PostFilterResult(nominated) if nominated is not None else None
        if status.message:
            return result, Status(status.code, "preemption: " + status.message)
        return result, status
