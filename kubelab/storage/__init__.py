"""Persistent storage outside the controllers: how claims match volumes
(:mod:`.matching`), the simulated dynamic provisioners (:mod:`.provisioners`)
and where volume data lives (:mod:`.backends`)."""
from .backends import StorageBackend
from .matching import find_best_match, find_matching_volume
from .provisioners import DRIVERS

__all__ = ["StorageBackend", "find_best_match", "find_matching_volume", "DRIVERS"]
