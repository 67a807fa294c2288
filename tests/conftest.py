"""Fixtures shared across the test folders: a Deployment manifest many scenarios start from."""
import pytest


def deployment(name: str = "web", replicas: int = 2, image: str = "nginx:1.27") -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: nginx, image: "{image}"}}]
"""


@pytest.fixture
def web_yaml() -> str:
    return deployment()


@pytest.fixture
def make_deployment():
    return deployment
