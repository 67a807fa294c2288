"""The API server validates NetworkPolicies as kube-apiserver's ValidateNetworkPolicySpec does
(pkg/apis/networking/validation/validation.go): label selectors, each rule's ports and peers,
and policyTypes. Without it a bad selector was stored and broke the policy engine later."""
import copy

import pytest

import kubelab as kl
from kubelab.api.defaults import apply_defaults
from kubelab.api.kinds import REGISTRY
from kubelab.api.validation import validate

POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "db", "namespace": "default"},
          "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress", "Egress"],
                   "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}},
                                          "podSelector": {"matchLabels": {"app": "prometheus"}}},
                                         {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                                "ports": [{"port": 5432}, {"port": "metrics"}, {"port": 30000, "endPort": 30100},
                                          {"protocol": "UDP"}]}],
                   "egress": [{"to": [{"podSelector": {}}]}]}}


def errors(spec_changes: dict) -> list[str]:
    obj = copy.deepcopy(POLICY)
    obj["spec"].update(spec_changes)
    rtype = REGISTRY.for_kind(obj["apiVersion"], obj["kind"])
    apply_defaults(obj, rtype)
    return [f"{c.field}: {c.message}" for c in validate(obj, rtype)]


def rule(**fields) -> dict:
    return {"ingress": [fields]}


def test_a_well_formed_policy_has_no_errors():
    assert errors({}) == []


# expected messages: kube-apiserver's field errors for the same objects
CASES = [
    ({"podSelector": {"matchLabels": {"a b": "x"}}},
     ['spec.podSelector.matchLabels: Invalid value: "a b": name part must consist of alphanumeric characters, '
      "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
      "or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]),
    (rule(**{"from": [{}]}), ["spec.ingress[0].from[0]: Required value: must specify a peer"]),
    (rule(**{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}),
     ["spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer"]),
    (rule(**{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]}}]}),
     ['spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset '
      "of `cidr`"]),
    (rule(**{"from": [{"ipBlock": {"cidr": "ten/8"}}]}),
     ['spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "ten/8": must be a valid CIDR value, '
      "(e.g. 10.9.8.0/24 or 2001:db8::/64)"]),
    (rule(ports=[{"port": 70000}]),
     ["spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
    (rule(ports=[{"port": 5432, "endPort": 5000}]),
     ["spec.ingress[0].ports[0].endPort: Invalid value: 5432: must be greater than or equal to `port`"]),
    (rule(ports=[{"port": "metrics", "endPort": 9200}]),
     ["spec.ingress[0].ports[0].endPort: Invalid value: 9200: may not be specified when `port` is non-numeric"]),
    (rule(ports=[{"port": 80, "protocol": "ICMP"}]),
     ['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"']),
    ({"policyTypes": ["Ingress", "Outgoing"]},
     ['spec.policyTypes[1]: Unsupported value: "Outgoing": supported values: "Ingress", "Egress"']),
]


@pytest.mark.parametrize("change, expected", CASES)
def test_malformed_policies_are_rejected_with_kubernetes_field_errors(change, expected):
    assert errors(change) == expected


def test_apply_refuses_a_bad_policy_and_stores_nothing():
    c = kl.Cluster(nodes=0, seed=0)
    bad = copy.deepcopy(POLICY)
    bad["spec"]["podSelector"] = {"matchExpressions": [{"key": "app", "operator": "Is", "values": ["db"]}]}
    with pytest.raises(kl.errors.Invalid, match="not a valid selector operator"):
        c.apply(bad)
    assert c.get("networkpolicies") == []
