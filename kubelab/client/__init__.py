"""client-go's shapes for components: informers, listers, work queues, an event recorder."""
from .events import EventRecorder
from .informer import Informer

__all__ = ["EventRecorder", "Informer"]
