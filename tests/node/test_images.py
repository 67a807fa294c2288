"""Images: what the catalogue knows, and how the kubelet pulls them.

kubernetes.io "Images" (imagePullPolicy: IfNotPresent uses a present image, Always pulls
on every start, Never needs the image on the node; ErrImagePull then ImagePullBackOff)
and pkg/kubelet/images/image_manager.go's event texts ("Pulling image", "Successfully
pulled image ... in ... (... including waiting). Image size: ... bytes.", "Container
image ... already present on machine", "Back-off pulling image").
"""
import pytest

import kubelab as kl
from kubelab.node import images


@pytest.mark.parametrize("reference, name", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.27", "docker.io/library/nginx:1.27"),
    ("polinux/stress", "docker.io/polinux/stress:latest"),
    ("registry.k8s.io/e2e-test-images/agnhost:2.40", "registry.k8s.io/e2e-test-images/agnhost:2.40"),
    ("localhost:5000/app:v1", "localhost:5000/app:v1"),
])
def test_references_are_normalized_as_containerd_does(reference, name):
    assert images.resolve(reference).name == name


@pytest.mark.parametrize("reference", ["nginx:doesnotexist", "nginx:1.161", "busybox:9.9", "registry.k8s.io/pause:99"])
def test_tags_the_catalogue_does_not_know_do_not_exist(reference):
    with pytest.raises(images.ImageError) as e:
        images.resolve(reference)
    name = images.resolve(reference.split(":")[0]).repository + ":" + reference.rsplit(":", 1)[1]
    assert e.value.reason == "ErrImagePull"
    assert e.value.message == (f'rpc error: code = NotFound desc = failed to pull and unpack image "{name}": '
                               f'failed to resolve reference "{name}": {name}: not found')


def test_an_uppercase_reference_is_an_invalid_image_name():
    with pytest.raises(images.ImageError) as e:
        images.resolve("NGINX")
    assert e.value.reason == "InvalidImageName"
    assert e.value.message == ('Failed to apply default image tag "NGINX": couldn\'t parse image name "NGINX": '
                               'invalid reference format: repository name must be lowercase')


def pod(name, image, policy=None):
    ctr = {"name": "app", "image": image}
    if policy:
        ctr["imagePullPolicy"] = policy
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [ctr]}}


def messages(c, name):
    return [(e["reason"], e["message"], e["count"]) for e in c.events() if e["involvedObject"]["name"] == name]


def test_pulls_are_serial_and_a_present_image_is_reused():
    c = kl.Cluster(nodes=1)
    c.apply([pod("a", "nginx:1.27"), pod("b", "redis:7.4")])
    c.run()
    assert ("Pulled", 'Successfully pulled image "nginx:1.27" in 3.284s (3.284s including waiting). '
                      "Image size: 72099410 bytes.", 1) in messages(c, "a")
    # redis waited for nginx's pull on this node (serializeImagePulls)
    assert ("Pulled", 'Successfully pulled image "redis:7.4" in 2.208s (5.492s including waiting). '
                      "Image size: 45202155 bytes.", 1) in messages(c, "b")
    c.apply(pod("c", "nginx:1.27"))
    c.run()
    assert ("Pulled", 'Container image "nginx:1.27" already present on machine', 1) in messages(c, "c")
    images_on_node = c.get("node", "node-1", namespace=None)["status"]["images"]
    assert images_on_node[0] == {"names": [images.resolve("nginx:1.27").image_id, "docker.io/library/nginx:1.27"],
                                 "sizeBytes": 72099410}


def test_a_missing_tag_goes_from_err_image_pull_to_image_pull_back_off():
    c = kl.Cluster(nodes=1)
    c.apply(pod("typo", "nginx:doesnotexist"))
    c.run(2)
    state = c.get("pod", "typo")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert state["reason"] == "ErrImagePull"
    assert state["message"].startswith("rpc error: code = NotFound desc = failed to pull and unpack image")
    assert ("Failed", "Error: ErrImagePull", 1) in messages(c, "typo")
    # pulls at t=1 and (10 s back-off later) t=11 fail; at the next retry the 20 s back-off still runs
    c.run(20)
    state = c.get("pod", "typo")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert state == {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "nginx:doesnotexist"'}
    reasons = {r for r, _, _ in messages(c, "typo")}
    assert {"Pulling", "Failed", "BackOff"} <= reasons
    assert c.kubectl("get pod typo").splitlines()[1].split()[2] == "ImagePullBackOff"


def test_pull_policy_never_needs_the_image_on_the_node():
    c = kl.Cluster(nodes=1)
    c.apply(pod("offline", "nginx:1.27", "Never"))
    c.run(5)
    waiting = c.get("pod", "offline")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting == {"reason": "ErrImageNeverPull",
                       "message": 'Container image "nginx:1.27" is not present with pull policy of Never'}


def test_pull_policy_always_pulls_on_every_start():
    c = kl.Cluster(nodes=1)
    c.apply(pod("latest", "busybox"))            # :latest defaults to Always
    c.run(30)
    pulling = [count for reason, _, count in messages(c, "latest") if reason == "Pulling"]
    assert pulling and pulling[0] >= 3
