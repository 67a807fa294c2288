"""Cluster networking: Services, kube-proxy, cluster DNS and NetworkPolicy.

* :mod:`.ipam` and :mod:`.allocation` — the API server's ClusterIP and NodePort allocators;
* :mod:`.iptables` — netfilter rules: iptables-save text and packet traversal;
* :mod:`.kubeproxy` — a kube-proxy per node, writing iptables-mode rules from Services
  and EndpointSlices;
* :mod:`.dns` — cluster DNS (CoreDNS's kubernetes plugin) and the resolver's search path;
* :mod:`.policy` — NetworkPolicy, as a network plugin enforces it;
* :mod:`.datapath` — where a connection goes: NAT, routing, policy, the listening socket;
* :mod:`.request` — ``curl`` from a Pod or a node, with the hop-by-hop path;
* :mod:`.networking` — assembles them for a cluster (``Cluster.networking``).

The controllers that keep EndpointSlices and Endpoints are in
:mod:`kubelab.controllers.endpointslice` and :mod:`kubelab.controllers.endpoints`.
"""
