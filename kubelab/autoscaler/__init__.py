"""The cluster autoscaler (kubernetes/autoscaler cluster-autoscaler, v1.32): node groups
that grow when Pods cannot be scheduled and shrink when nodes sit under-used::

    import kubelab as kl
    from kubelab.autoscaler import ClusterAutoscaler, NodeGroup

    c = kl.Cluster(nodes=0)
    ca = ClusterAutoscaler(c, [NodeGroup("workers", min_size=1, max_size=5, size=1,
                                         capacity={"cpu": "2", "memory": "8Gi"}, boot_delay=60)])
    c.apply(deployment_needing_3_cpus)
    c.run(120)          # a Pod stays Pending, the autoscaler asks for a node, it joins 60 s later
    print(ca.table())   # each node's utilization and why it stays or goes

:mod:`.nodegroup` is the simulated cloud, :mod:`.scaleup` and :mod:`.scaledown`
the two halves of the algorithm, :mod:`.drain` the rules for Pods that block a
removal, :mod:`.status` the ``cluster-autoscaler-status`` ConfigMap.
"""
from .autoscaler import ClusterAutoscaler
from .nodegroup import GROUP_LABEL, NodeGroup

__all__ = ["ClusterAutoscaler", "NodeGroup", "GROUP_LABEL"]
