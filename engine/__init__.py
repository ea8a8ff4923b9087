"""perfaudit: a rules-as-data policy engine for budget performance self-evaluation (预算绩效自评)."""
from .api import compile, evaluate, facts_digest, load_facts, load_rules
from .errors import Diagnostic, InputError
from .findings import Finding
from .version import VERSION

__all__ = ["load_rules", "load_facts", "compile", "evaluate", "facts_digest", "Finding", "Diagnostic",
           "InputError", "VERSION"]
