"""The rule expression language: parsed by our own parser, never by eval()."""
from .ast import Node, to_source
from .parser import ExprSyntaxError, parse

__all__ = ["Node", "to_source", "parse", "ExprSyntaxError"]
