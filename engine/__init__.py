"""perfaudit: a rules-as-data policy engine for budget performance self-evaluation (预算绩效自评).

The names below are imported when first used (PEP 562): `import engine.cli` then costs nothing it does not
need, so the `perfaudit` command can take over Ctrl-C before it loads the rest (engine/__main__.py)."""
from importlib import import_module

_WHERE = {"load_rules": ".api", "load_facts": ".api", "compile": ".api", "evaluate": ".api",
          "facts_digest": ".api", "Finding": ".core.findings", "Diagnostic": ".core.errors",
          "InputError": ".core.errors", "VERSION": ".core.version"}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name], __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
