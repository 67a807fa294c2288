"""The API machinery: quantities, selectors, tolerations, object metadata, the
resource registry, validation and defaulting (k8s.io/apimachinery's role)."""
from .kinds import REGISTRY, Registry, ResourceType, UnknownResource
from .labels import Selector, parse_selector, parse_field_selector
from .quantity import Quantity, parse_quantity
from .tolerations import tolerates

__all__ = [
    "REGISTRY", "Registry", "ResourceType", "UnknownResource",
    "Selector", "parse_selector", "parse_field_selector",
    "Quantity", "parse_quantity", "tolerates",
]
