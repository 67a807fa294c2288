"""What the etcd backend adds to the contract: a lab on real etcd, shared etcds, errors.

Each test gets a fresh single-member etcd (tests/store/conftest.py's FreshEtcd).
"""
from __future__ import annotations

import pytest

import kubelab as kl
from kubelab import errors
from kubelab.store import ValueTooLarge
from kubelab.store.etcd import EtcdStore
from kubelab.store.etcd_cluster import EtcdCluster, _free_port, available
from kubelab.store.etcd_gateway import b64, unb64

pytestmark = pytest.mark.skipif(not available()[0], reason=f"needs a real etcd: {available()[1]}")

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.26}]
"""


@pytest.fixture
def etcd():
    with EtcdCluster(1, heartbeat_ms=10, election_ms=50) as cluster:
        yield cluster


@pytest.fixture
def store(etcd):
    with EtcdStore(etcd.endpoints) as store:
        yield store


def roll_out(cluster):
    """Create a Deployment, let it roll out, change its image, let that roll out: what kubectl shows."""
    cluster.apply(WEB)
    cluster.run(60)
    shown = [cluster.kubectl("get deployments,replicasets,pods")]
    cluster.kubectl("set image deployment/web web=nginx:1.27")
    cluster.run(120)
    shown.append(cluster.kubectl("rollout status deployment/web"))
    shown.append(cluster.kubectl("get deployments,replicasets,pods"))
    return shown


def test_a_deployment_rolls_out_on_a_cluster_whose_store_is_etcd(store):
    # The API server only talks to the Backend interface, so the same cells print the same
    # output on either store (names come from the cluster's seeded generator, not the store).
    on_etcd = roll_out(kl.Cluster(store=store))
    assert on_etcd == roll_out(kl.Cluster())
    assert 'deployment "web" successfully rolled out' in on_etcd[1]
    assert on_etcd[2].count("1/1     Running") == 3


def test_the_lab_keeps_its_objects_in_etcd_as_json_under_registry_keys(etcd, store):
    # kube-apiserver's key layout: /registry/<resource>/<namespace>/<name> (its default
    # --etcd-prefix is /registry); another etcd client sees what the lab wrote.
    c = kl.Cluster(store=store)
    c.apply(WEB)
    c.run(30)
    with EtcdStore(etcd.endpoints) as other:
        stored = other.get("/registry/deployments/default/web")
        pods = other.range("/registry/pods/default/")[0]
    assert (stored.value["kind"], stored.value["spec"]["replicas"]) == ("Deployment", 3)
    assert sorted(kv.value["metadata"]["name"] for kv in pods) == sorted(
        pod["metadata"]["name"] for pod in c.get("pods"))


def test_stores_with_different_prefixes_share_one_etcd_without_seeing_each_others_keys(etcd):
    # etcd has one revision for its whole key space: a write under either prefix bumps it.
    with EtcdStore(etcd.endpoints, prefix="/lab-a") as a, EtcdStore(etcd.endpoints, prefix="/lab-b") as b:
        a.create("/registry/pods/default/web", "a")
        b.create("/registry/pods/default/web", "b")
        assert [(kv.key, kv.value) for kv in a.range("")[0]] == [("/registry/pods/default/web", "a")]
        assert b.get("/registry/pods/default/web").mod_revision == 3
        assert a.count("/registry/") == b.count("/registry/") == 1


def test_a_write_by_another_client_reaches_the_watches_at_this_stores_next_write(etcd, store):
    # Simplified (kubelab/store/etcd_watch.py): only this store's writes trigger delivery.
    watch = store.watch("/registry/pods/")
    with EtcdStore(etcd.endpoints) as other:
        other.create("/registry/pods/default/a", 1)
    assert watch.take() == []
    store.create("/registry/pods/default/b", 1)
    assert [(e.kv.key, e.kv.mod_revision) for e in watch.take()] == [
        ("/registry/pods/default/a", 2), ("/registry/pods/default/b", 3)]


def test_a_store_opened_on_a_used_etcd_finds_its_revision_and_compaction_point(etcd, store):
    # etcd reports no compaction point: the store finds the oldest revision it can still read.
    for value in range(6):
        store.create(f"/registry/pods/default/p{value}", value)
    store.compact(4)
    with EtcdStore(etcd.endpoints) as later:
        assert (later.revision, later.compacted) == (7, 4)


def test_kube_apiservers_compactor_compacts_a_lab_on_etcd(etcd, store):
    # k8s.io/apiserver/pkg/storage/etcd3/compact.go: at 5 min a Txn puts compact_rev_key
    # (its value the revision as decimal text, "0" on bootstrap); at 10 min the next one
    # compacts etcd to the revision of the 5-minute put.
    c = kl.Cluster(nodes=1, store=store)
    start = c.store.revision
    c.run(300 - c.clock.seconds)
    first = store.get("compact_rev_key")
    assert (first.version, first.value, store.compacted) == (1, 0, 0)
    c.run(300)
    assert store.compacted == first.mod_revision
    with EtcdStore(etcd.endpoints) as other:                       # etcd itself has compacted
        assert other.compacted == first.mod_revision
        raw = other._call("/v3/kv/range", {"key": b64("compact_rev_key")}, write=False)["kvs"][0]
    assert unb64(raw["value"]) == str(first.mod_revision).encode()  # what kube-apiserver writes
    with pytest.raises(errors.Gone, match=f"too old resource version: {start} "):
        c.api.watch("pods", resource_version=str(start))


def test_etcd_itself_refuses_a_value_over_its_request_limit(store):
    # etcd --max-request-bytes defaults to 1.5 MiB: "etcdserver: request is too large".
    with pytest.raises(ValueTooLarge) as caught:
        store.create("/registry/configmaps/default/big", "x" * (3 * 1024 * 1024 // 2))
    assert caught.value.size == 3 * 1024 * 1024 // 2 + 2     # the JSON string's quotes
    assert store.revision == 1


def test_a_store_whose_etcd_is_down_raises_service_unavailable_saying_so():
    endpoint = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(errors.ServiceUnavailable) as caught:
        EtcdStore([endpoint], timeout=0.2)
    assert caught.value.code == 503
    assert caught.value.message.startswith(
        f"etcd cluster is unavailable: quorum is lost: 0 of 1 members up, 1 needed ({endpoint}: ")
