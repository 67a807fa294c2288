"""The official ``kubernetes`` Python client against ``kubelab serve``: list, create, patch,
delete and watch, with errors as the client raises them for a real cluster."""
import pytest

kubernetes = pytest.importorskip("kubernetes", reason="the kubernetes client is in the test extra")
from kubernetes import client, config, watch  # noqa: E402


@pytest.fixture(scope="module")
def clients(served):
    api = config.new_client_from_config(served.kubeconfig)
    return client.CoreV1Api(api), client.AppsV1Api(api)


def deployment(name: str, replicas: int) -> client.V1Deployment:
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1DeploymentSpec(
            replicas=replicas, selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels=labels), spec=client.V1PodSpec(
                containers=[client.V1Container(name="app", image="nginx:1.27")]))))


def test_the_client_lists_nodes_and_namespaces(clients):
    core, _ = clients
    assert [n.metadata.name for n in core.list_node().items] == ["node-1", "node-2", "node-3"]
    assert "kube-system" in [ns.metadata.name for ns in core.list_namespace().items]


def test_the_client_creates_patches_watches_and_deletes_a_deployment(clients, served):
    core, apps = clients
    created = apps.create_namespaced_deployment("default", deployment("py", 1))
    assert created.metadata.uid and created.spec.replicas == 1
    patched = apps.patch_namespaced_deployment("py", "default", {"spec": {"replicas": 2}})
    assert patched.spec.replicas == 2 and patched.metadata.generation == 2
    # a watch sends the Pods there are as ADDED, then their changes, until its timeout
    events = []
    for event in watch.Watch().stream(core.list_namespaced_pod, "default", label_selector="app=py", timeout_seconds=3):
        events.append((event["type"], event["object"].metadata.name))
        if sum(kind == "MODIFIED" for kind, _ in events) >= 2:
            break
    assert {name for _, name in events} == {p.metadata.name for p in
                                            core.list_namespaced_pod("default", label_selector="app=py").items}
    assert events[0][0] == "ADDED"
    status = apps.delete_namespaced_deployment("py", "default")     # a V1Status, or a dict in client v37
    assert (status["status"] if isinstance(status, dict) else status.status) == "Success"
    with pytest.raises(client.ApiException) as missing:
        apps.read_namespaced_deployment("py", "default")
    assert missing.value.status == 404
    assert '"message":"deployments.apps \\"py\\" not found"' in missing.value.body


def test_the_client_gets_a_conflict_for_a_stale_update(clients):
    _, apps = clients
    apps.create_namespaced_deployment("default", deployment("stale", 1))
    current = apps.read_namespaced_deployment("stale", "default")
    apps.patch_namespaced_deployment("stale", "default", {"metadata": {"labels": {"touched": "yes"}}})
    with pytest.raises(client.ApiException) as conflict:
        apps.replace_namespaced_deployment("stale", "default", current)
    assert conflict.value.status == 409
    apps.delete_namespaced_deployment("stale", "default")


def test_the_client_gets_unknown_fields_dropped_or_refused_as_it_asks(clients):
    # the typed API refuses unknown fields itself; the dynamic client sends a dict as it is.
    # Without fieldValidation the server warns (the client shows no warnings) and drops the
    # field; fieldValidation=Strict makes it a 400 naming the field
    from kubernetes.dynamic import DynamicClient
    from kubernetes.dynamic.exceptions import BadRequestError
    _, apps = clients
    deployments = DynamicClient(apps.api_client).resources.get(api_version="apps/v1", kind="Deployment")
    body = apps.api_client.sanitize_for_serialization(deployment("loose", 1))
    body["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"tcpSocket": {"port": 80}}
    created = deployments.create(body=body, namespace="default")
    assert "readinesProbe" not in created.to_dict()["spec"]["template"]["spec"]["containers"][0]
    with pytest.raises(BadRequestError) as refused:
        deployments.create(body=dict(body, metadata={"name": "strict"}), namespace="default",
                           query_params=[("fieldValidation", "Strict")])
    body = refused.value.body
    text = body.decode() if isinstance(body, bytes) else body
    assert 'strict decoding error: unknown field \\"spec.template.spec.containers[0].readinesProbe\\"' in text
    apps.delete_namespaced_deployment("loose", "default")
