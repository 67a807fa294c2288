"""Resource quota accounting shared by the ResourceQuota admission plugin and the
resource quota controller: resource-list arithmetic and per-kind evaluators
(k8s.io/apiserver/pkg/quota/v1 and pkg/quota/v1/evaluator/core)."""
from .evaluators import Evaluator, evaluator_for, quota_matches, usage_stats
from .resources import pod_limits, pod_requests, pretty_print

__all__ = ["Evaluator", "evaluator_for", "quota_matches", "usage_stats", "pod_requests", "pod_limits",
           "pretty_print"]
