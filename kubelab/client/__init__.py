"""client-go's shapes for components: informers, listers, work queues, an event recorder."""
from .events import EventRecorder
from .factory import InformerView, SharedInformerFactory
from .informer import Informer, key_of
from .lister import Lister
from .workqueue import RateLimiter, WorkQueue

__all__ = ["EventRecorder", "Informer", "InformerView", "Lister", "RateLimiter", "SharedInformerFactory",
           "WorkQueue", "key_of"]
