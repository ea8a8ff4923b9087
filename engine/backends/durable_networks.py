"""durable_rules rulesets built once per rule-set content and process, and freed when no longer kept.

durable_rules' C engine keeps every ruleset it creates until `delete_ruleset` (its Python Host never
calls it): for the shipped rules about 18 MB and 60 ms per DurableBackend. A process that evaluates
many times (`perfaudit test`: once per case; the test suite; a diff of several revisions) grew by that
much every time. So the rulesets of one set of definitions (the JSON text durable_rules is given,
names apart) are built once and shared by every backend of that content, one at a time: each fact's
session is deleted before the next is asserted, so backends sharing rulesets never see each other's
sessions. A network that no backend uses is kept for the next one, up to MAX_IDLE of them (the least
recently used are deleted first); a network on which durable_rules failed is never handed out again
and is deleted once its last backend is released.
"""
from __future__ import annotations

import itertools
import json

MAX_IDLE = 4  # networks kept without a backend: about 18 MB each for the shipped rules
_networks: dict = {}  # definitions text -> Network, least recently used first
_counter = itertools.count()


def _never(c):  # the Host wants an action per rule; ours are taken from the native queue (durable.py)
    raise AssertionError("durable_rules ran an action itself")


class Network:
    """One Host and its rulesets, by the suffix their definitions were given under."""

    def __init__(self, key: str, host, names: dict):
        self.key, self.host, self.names = key, host, names
        self.rulesets = {suffix: host.get_ruleset(name) for suffix, name in names.items()}
        self.users = 0
        self.failed = self.deleted = False


def acquire(key: str, make_host) -> tuple[Network, bool]:
    """The network of these definitions (`key`: the JSON text of {suffix: {rule name: definition whose
    "run" is null}}) and whether it is new (its rulesets have not seen a fact yet). Release it with `release`."""
    network = _networks.pop(key, None)
    fresh = network is None
    if fresh:
        network = _build(key, make_host)
    _networks[key] = network  # most recently used last
    network.users += 1
    _trim()
    return network, fresh


def release(network: Network) -> None:
    network.users -= 1
    if network.failed and not network.users:
        _delete(network)
    _trim()


def discard(network: Network) -> None:
    """durable_rules failed on this network: no later backend gets it."""
    network.failed = True
    if _networks.get(network.key) is network:
        del _networks[network.key]


def _build(key: str, make_host) -> Network:
    host = make_host()
    prefix = f"perfaudit_{next(_counter)}"
    names = {}  # suffix -> name of the rulesets created so far
    try:
        for suffix, definition in json.loads(key).items():
            for rule in definition.values():
                rule["run"] = _never
            host.set_rulesets({prefix + suffix: definition})
            names[suffix] = prefix + suffix
    except Exception:
        _delete(Network(key, host, names))
        raise
    return Network(key, host, names)


def _trim() -> None:
    idle = [network for network in list(_networks.values()) if not network.users]
    for network in idle[:max(0, len(idle) - MAX_IDLE)]:
        del _networks[network.key]
        _delete(network)


def _delete(network: Network) -> None:
    if network.deleted:
        return
    network.deleted = True
    from durable.engine import durable_rules_engine

    for ruleset in network.rulesets.values():
        durable_rules_engine.delete_ruleset(ruleset._handle)
