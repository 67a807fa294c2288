"""ImageLocality: prefer nodes that already have the Pod's images, weighted by
image size and by how many nodes have the image (a widely spread image earns
less, so Pods do not pile onto the one node that pulled it first).

Per image on the node: size * (nodes with it / all nodes); the sum is clamped
to [23MB, 1000MB * containers] and mapped linearly onto 0..100.
"""
from ..framework import MAX_NODE_SCORE, Plugin, Status
from ..nodeinfo import normalized_image_name

MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB
_KEY = "PreScoreImageLocality"


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    sum_scores = min(max(sum_scores, MIN_THRESHOLD), max_threshold)
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


class ImageLocality(Plugin):
    name = "ImageLocality"

    def pre_score(self, state, pod, node_infos):
        spec = pod["spec"]
        containers = list(spec.get("initContainers") or ()) + list(spec.get("containers") or ())
        images = [normalized_image_name(c.get("image") or "") for c in containers]
        image_nodes = self.handle.snapshot.image_nodes
        if not any(image in image_nodes for image in images):
            # kubelab: no node has any of the images, so every node would score
            # calculate_priority(0) = 0; skipping is exact
            return Status.skip()
        state[_KEY] = (images, len(containers), len(self.handle.snapshot.node_list()))

    def score(self, state, pod, node_info):
        images, num_containers, total_nodes = state[_KEY]
        image_nodes = self.handle.snapshot.image_nodes
        total = 0
        for image in images:
            size = node_info.images.get(image)
            if size is not None:
                total += int(size * (len(image_nodes[image]) / total_nodes))
        return calculate_priority(total, num_containers)
