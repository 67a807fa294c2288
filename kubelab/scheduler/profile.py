"""Profiles: a KubeSchedulerConfiguration turned into one configured framework
per ``schedulerName`` (pkg/scheduler/profile and framework/runtime).

The default plugins sit in ``multiPoint`` (with their score weights); a
profile may enable or disable plugins per extension point, ``"*"`` disabling
every default there, and pass plugin arguments in ``pluginConfig``::

    {"profiles": [{"schedulerName": "default-scheduler",
                   "plugins": {"score": {"enabled": [{"name": "NodeResourcesFit", "weight": 2}],
                                         "disabled": [{"name": "*"}]}},
                   "pluginConfig": [{"name": "NodeResourcesFit",
                                     "args": {"scoringStrategy": {"type": "MostAllocated"}}}]}]}
"""
from __future__ import annotations

import inspect

from .framework import extension_points

__all__ = ["DEFAULT_PLUGINS", "Profile", "load_profiles", "instantiate", "ConfigError"]

#: getDefaultPlugins (1.32): multiPoint, in order, with score weights.
DEFAULT_PLUGINS = [
    ("SchedulingGates", 0), ("PrioritySort", 0), ("NodeUnschedulable", 0), ("NodeName", 0),
    ("TaintToleration", 3), ("NodeAffinity", 2), ("NodePorts", 0), ("NodeResourcesFit", 1),
    ("VolumeBinding", 0), ("PodTopologySpread", 2), ("InterPodAffinity", 2), ("DefaultPreemption", 0),
    ("NodeResourcesBalancedAllocation", 1), ("ImageLocality", 1), ("DefaultBinder", 0),
]

#: configuration keys of the extension points, as KubeSchedulerConfiguration spells them
_CONFIG_KEYS = {"QueueSort": "queueSort", "PreEnqueue": "preEnqueue", "PreFilter": "preFilter",
                "Filter": "filter", "PostFilter": "postFilter", "PreScore": "preScore", "Score": "score",
                "Reserve": "reserve", "Permit": "permit", "PreBind": "preBind", "Bind": "bind",
                "PostBind": "postBind"}


class ConfigError(ValueError):
    """An invalid scheduler configuration (unknown plugin, two QueueSort plugins, ...)."""


def instantiate(cls, args, handle):
    """New(args, handle): pass ``args`` only to a plugin whose __init__ takes it."""
    params = inspect.signature(cls.__init__).parameters if cls.__init__ is not object.__init__ else {}
    plugin = cls(args) if "args" in params else cls()
    plugin.handle = handle
    return plugin


class Profile:
    """One scheduler profile: its name, the plugin instances, and per extension
    point the ordered plugin names (score plugins with weights)."""

    def __init__(self, scheduler_name: str, points: dict[str, list[str]], weights: dict[str, int],
                 plugin_args: dict[str, dict], percentage_of_nodes_to_score: int | None):
        self.scheduler_name = scheduler_name
        self.points = points
        self.weights = weights
        self.plugin_args = plugin_args
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score

    def __repr__(self) -> str:
        return f"<Profile {self.scheduler_name}: {self.points}>"


def _names(plugin_set: dict | None, key: str) -> list[dict]:
    return list((plugin_set or {}).get(key) or [])


def _merge(default: list[tuple[str, int]], custom: dict | None) -> list[tuple[str, int]]:
    """mergePluginSet: defaults minus disabled ("*": all), re-enabled defaults
    keep their place with the new weight, other enabled plugins are appended."""
    disabled = {p["name"] for p in _names(custom, "disabled")}
    enabled = [(p["name"], int(p.get("weight") or 0)) for p in _names(custom, "enabled")]
    custom_by_name = dict(enabled)
    out, replaced = [], set()
    if "*" not in disabled:
        for name, weight in default:
            if name in disabled:
                continue
            if name in custom_by_name:
                weight = custom_by_name[name]
                replaced.add(name)
            out.append((name, weight))
    out += [(n, w) for n, w in enabled if n not in replaced]
    return out


def load_profiles(config: dict | None, registry: dict) -> list[Profile]:
    """The profiles of a KubeSchedulerConfiguration-like dict (None: the default profile)."""
    config = config or {}
    raw_profiles = config.get("profiles") or [{"schedulerName": "default-scheduler"}]
    global_percentage = config.get("percentageOfNodesToScore")
    profiles, seen = [], set()
    for i, raw in enumerate(raw_profiles):
        name = raw.get("schedulerName") or "default-scheduler"
        if name in seen:
            raise ConfigError(f'profiles[{i}].schedulerName: Duplicate value: "{name}"')
        seen.add(name)
        plugins = raw.get("plugins") or {}
        multi = _merge(DEFAULT_PLUGINS, plugins.get("multiPoint"))
        for plugin_name, _ in multi:
            if plugin_name not in registry:
                raise ConfigError(f'plugin "{plugin_name}" does not exist (profile "{name}")')
        points, weights = {}, {n: w for n, w in multi if w}
        for point, key in _CONFIG_KEYS.items():
            specific = _merge([], plugins.get(key))
            disabled = {p["name"] for p in _names(plugins.get(key), "disabled")}
            explicit = [n for n, _ in specific]
            for plugin_name, weight in specific:
                if plugin_name not in registry:
                    raise ConfigError(f'plugin "{plugin_name}" does not exist (profile "{name}")')
                if point not in extension_points(registry[plugin_name]):
                    raise ConfigError(f'plugin "{plugin_name}" does not extend {point} plugin (profile "{name}")')
                if point == "Score":
                    weights[plugin_name] = weight or weights.get(plugin_name) or 1
            from_multi = [n for n, _ in multi if point in extension_points(registry[n])
                          and n not in explicit and n not in disabled and "*" not in disabled]
            points[point] = explicit + from_multi
            if point == "Score":
                for n in from_multi:
                    weights[n] = weights.get(n) or 1
        if len(points["QueueSort"]) != 1:
            raise ConfigError(f'profile "{name}": exactly one QueueSort plugin is required, '
                              f'got {points["QueueSort"]}')
        if not points["Bind"]:
            raise ConfigError(f'profile "{name}": at least one Bind plugin is required')
        args = {pc["name"]: pc.get("args") or {} for pc in raw.get("pluginConfig") or []}
        percentage = raw.get("percentageOfNodesToScore", global_percentage)
        profiles.append(Profile(name, points, {n: w for n, w in weights.items() if n in points["Score"]},
                                args, percentage))
    sorts = {tuple(p.points["QueueSort"]) for p in profiles}
    if len(sorts) > 1:
        raise ConfigError("all profiles must use the same QueueSort plugin")
    return profiles


