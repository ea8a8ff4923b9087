"""durable_rules rulesets built once per rule-set content and process, and freed when no longer kept.

durable_rules' C engine keeps every ruleset it creates until `delete_ruleset` (its Python Host never
calls it): for the shipped rules about 18 MB and 60 ms per DurableBackend. A process that evaluates
many times (`perfaudit test`: once per case; the test suite; a diff of several revisions) grew by that
much every time. So the rulesets of one set of definitions (the JSON texts durable_rules is given,
names apart) are built once and shared by every backend of that content, one at a time: each fact's
session is deleted before the next is asserted, so backends sharing rulesets never see each other's
sessions. A network that no backend uses is kept for the next one, up to MAX_IDLE of them (the least
recently used are deleted first); a network on which durable_rules failed is never handed out again
and is deleted once its last backend is released.

Rulesets are made with durable_rules' native `create_ruleset` from the texts as given: its Python Host
and Ruleset would only decode, copy and encode the same definitions again (about 50 ms for the shipped
rules) and keep actions we never let it run (durable.py takes them from the native queue).
"""
from __future__ import annotations

import itertools

MAX_IDLE = 4  # networks kept without a backend: about 18 MB each for the shipped rules
_networks: dict = {}  # key of the definitions' texts -> Network, least recently used first
_counter = itertools.count()


class Network:
    """One set of native rulesets: their handles, by the suffix their definitions were given under."""

    def __init__(self, key: str, handles: dict):
        self.key, self.handles = key, handles
        self.users = 0
        self.failed = self.deleted = False


def key_of(texts: dict) -> str:
    """The networks' key of these definitions (suffix -> the JSON text of a ruleset's rules, without actions)."""
    return "\0".join(suffix + "\0" + text for suffix, text in texts.items())


def acquire(key: str, texts: dict) -> tuple[Network, bool]:
    """The network of these definitions (`texts`, whose key_of is `key`: made once per layout, not per backend)
    and whether it is new (its rulesets have not seen a fact yet). Release it with `release`."""
    network = _networks.pop(key, None)
    fresh = network is None
    if fresh:
        network = _build(key, texts)
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


def _build(key: str, texts: dict) -> Network:
    from durable.engine import durable_rules_engine

    prefix = f"perfaudit_{next(_counter)}"
    handles = {}  # of the rulesets created so far
    try:
        for suffix, text in texts.items():  # no actions: durable.py takes them from the native queue
            handles[suffix] = durable_rules_engine.create_ruleset(prefix + suffix, text)
    except Exception:
        _delete(Network(key, handles))
        raise
    return Network(key, handles)


def _trim() -> None:
    idle = [network for network in _networks.values() if not network.users]
    for network in idle[:max(0, len(idle) - MAX_IDLE)]:
        del _networks[network.key]
        _delete(network)


def _delete(network: Network) -> None:
    if network.deleted:
        return
    network.deleted = True
    from durable.engine import durable_rules_engine

    for handle in network.handles.values():
        durable_rules_engine.delete_ruleset(handle)
