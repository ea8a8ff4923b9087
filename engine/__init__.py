"""perfaudit: a rules-as-data policy engine for budget performance self-evaluation (预算绩效自评)."""
from .api import compile, evaluate, facts_digest, load_facts, load_rules
from .core.errors import Diagnostic, InputError
from .core.findings import Finding
from .core.version import VERSION

__all__ = ["load_rules", "load_facts", "compile", "evaluate", "facts_digest", "Finding", "Diagnostic",
           "InputError", "VERSION"]
