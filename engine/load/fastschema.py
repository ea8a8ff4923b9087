"""A fast yes/no JSON Schema check for the keyword subset our schemas use.

jsonschema explains *why* a document is invalid, but walking a province's facts files
through it costs more than parsing them. Almost every document is valid, so
`validate.validate_document` asks this checker first and calls jsonschema only when the
answer is "invalid" (to produce the diagnostics). The checker follows jsonschema's
draft 2020-12 semantics exactly for the keywords below; a schema that uses any other
keyword is not compiled (`compile_schema` returns None) and everything goes to jsonschema.
tests/test_fast_paths.py compares the two on mutated documents.
"""
from __future__ import annotations

import numbers
import re
from decimal import Decimal

_ANNOTATIONS = {"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples",
                "deprecated", "readOnly", "writeOnly"}


_OBJECT_KEYWORDS = {"type", "properties", "required", "additionalProperties"}
_ARRAY_KEYWORDS = {"type", "items", "minItems"}
_STRING_KEYWORDS = {"type", "minLength", "maxLength", "pattern"}
_NUMBER_KEYWORDS = {"type", "minimum", "maximum"}


class Unsupported(Exception):
    """The schema uses a keyword this checker does not implement."""


_NUMBER_TYPES = frozenset((int, float, Decimal))


def _is_number(x) -> bool:
    # the exact types YAML gives first: isinstance against the numbers ABC is slow
    return type(x) in _NUMBER_TYPES or (isinstance(x, numbers.Number) and not isinstance(x, bool))


_TYPES = {
    "string": lambda x: isinstance(x, str),
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "number": _is_number,
    # draft 6+: an integral float is an integer too
    "integer": lambda x: (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer()),
}


def _unbool(x):
    return ("bool", x) if isinstance(x, bool) else x


def _equal(one, two) -> bool:
    """jsonschema's `equal`: True is not 1, recursively."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, (list, tuple)) and isinstance(two, (list, tuple)):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return len(one) == len(two) and all(k in two and _equal(v, two[k]) for k, v in one.items())
    return _unbool(one) == _unbool(two)


class _Compiler:
    def __init__(self, root: dict):
        self.root = root
        self.refs: dict = {}  # "#/$defs/x" -> [checker], filled lazily so recursive schemas work

    def ref(self, pointer: str):
        if pointer in self.refs:
            cell = self.refs[pointer]
            if cell:
                return cell[0]
            return lambda x: cell[0](x)  # a reference to a schema still being compiled (recursion)
        cell: list = []
        self.refs[pointer] = cell
        cell.append(self.compile(self.resolve(pointer)))
        return cell[0]

    def resolve(self, pointer: str):
        """The schema a "#/..." pointer names."""
        if not pointer.startswith("#/"):
            raise Unsupported(pointer)
        target = self.root
        for part in pointer[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise Unsupported(pointer)
            target = target[part]
        return target

    def compile(self, schema):
        if schema is True:
            return lambda x: True
        if schema is False:
            return lambda x: False
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        keywords = set(schema) - _ANNOTATIONS
        kinds = schema.get("type")
        if type(kinds) is list and len(kinds) == 2 and "null" in kinds:
            # a nullable field (facts v2: null is a cell printed blank): every keyword of our subset but
            # type and enum/const lets null through, so this is null or the one-type schema, fused
            if keywords & {"enum", "const"}:
                raise Unsupported("enum with a nullable type")
            inner = self.compile({**schema, "type": kinds[1 - kinds.index("null")]})
            return lambda x: x is None or inner(x)
        if kinds == "object" and keywords <= _OBJECT_KEYWORDS and schema.get("additionalProperties") is False:
            return self.closed_object(schema)
        if kinds == "array" and keywords <= _ARRAY_KEYWORDS:
            return self.array(schema)
        fused = None
        if kinds == "string" and keywords <= _STRING_KEYWORDS:
            fused = self.string(schema)
        elif kinds == "number" and keywords <= _NUMBER_KEYWORDS:
            fused = self.number(schema)
        if fused is not None:
            return fused
        checks = []
        for key, value in schema.items():
            if key in _ANNOTATIONS:
                continue
            method = getattr(self, "kw_dollar_ref" if key == "$ref" else "kw_" + key, None)
            if method is None or (key.startswith("$") and key != "$ref"):
                raise Unsupported(key)
            check = method(value, schema)
            if check is not None:
                checks.append(check)
        if not checks:
            return lambda x: True
        if len(checks) == 1:
            return checks[0]
        if len(checks) == 2:
            first, second = checks
            return lambda x: first(x) and second(x)
        checks = tuple(checks)

        def every(x):
            for check in checks:
                if not check(x):
                    return False
            return True

        return every

    def closed_object(self, schema):
        """type object with properties, required and additionalProperties false, in one pass (an open object is
        checked keyword by keyword: no shipped schema has one with properties)."""
        subs = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        required = frozenset(schema.get("required", ()))
        known = frozenset(subs)

        def check(x):  # the key sets are compared in C first; then every value has a check
            if not isinstance(x, dict) or not (known >= x.keys() >= required):
                return False
            for name, item in x.items():
                if not subs[name](item):
                    return False
            return True

        return check

    def string(self, schema):
        """type string with minLength / maxLength / pattern, in one function."""
        least = schema.get("minLength", 0)
        most = schema.get("maxLength")
        search = re.compile(schema["pattern"]).search if "pattern" in schema else None
        if type(least) is not int or not (most is None or type(most) is int):
            return None  # left to the keyword-by-keyword checks

        def check(x):
            if not isinstance(x, str) or len(x) < least:
                return False
            if most is not None and len(x) > most:
                return False
            return search is None or search(x) is not None

        return check

    def number(self, schema):
        """type number with minimum / maximum, in one function."""
        low, high = schema.get("minimum"), schema.get("maximum")
        if not all(bound is None or _is_number(bound) for bound in (low, high)):
            return None  # left to the keyword-by-keyword checks

        def check(x):
            if type(x) not in _NUMBER_TYPES and not _is_number(x):  # the exact types first, without a call
                return False
            if low is not None and x < low:
                return False
            return high is None or not x > high

        return check

    def array(self, schema):
        item = self.compile(schema["items"]) if "items" in schema else (lambda x: True)
        least = schema.get("minItems", 0)

        def check(x):
            if not isinstance(x, list) or len(x) < least:
                return False
            for value in x:
                if not item(value):
                    return False
            return True

        return check

    def kw_dollar_ref(self, value, schema):
        return self.ref(value)

    def kw_type(self, value, schema):
        names = value if isinstance(value, list) else [value]
        tests = tuple(_TYPES[n] for n in names)
        if len(tests) == 1:
            return tests[0]
        return lambda x: any(t(x) for t in tests)

    def kw_properties(self, value, schema):
        subs = {name: self.compile(sub) for name, sub in value.items()}

        def check(x):
            if not isinstance(x, dict):
                return True
            for name, item in x.items():
                sub = subs.get(name)
                if sub is not None and not sub(item):
                    return False
            return True

        return check

    def kw_additionalProperties(self, value, schema):
        known = frozenset(schema.get("properties", {}))

        def extras(x):
            return [k for k in x if k not in known]

        if value is False:
            return lambda x: not isinstance(x, dict) or not extras(x)
        sub = self.compile(value)
        return lambda x: not isinstance(x, dict) or all(sub(x[k]) for k in extras(x))

    def kw_propertyNames(self, value, schema):
        sub = self.compile(value)
        return lambda x: not isinstance(x, dict) or all(sub(k) for k in x)

    def kw_required(self, value, schema):
        names = tuple(value)
        return lambda x: not isinstance(x, dict) or all(n in x for n in names)

    def kw_minProperties(self, value, schema):
        return lambda x: not isinstance(x, dict) or len(x) >= value

    def kw_enum(self, value, schema):
        options = tuple(value)
        if all(isinstance(o, str) for o in options):
            strings = frozenset(options)
            return lambda x: (x in strings) if isinstance(x, str) else False
        return lambda x: any(_equal(o, x) for o in options)

    def kw_const(self, value, schema):
        return lambda x: _equal(x, value)

    def kw_pattern(self, value, schema):
        regex = re.compile(value)
        return lambda x: not isinstance(x, str) or regex.search(x) is not None

    def kw_minLength(self, value, schema):
        return lambda x: not isinstance(x, str) or len(x) >= value

    def kw_maxLength(self, value, schema):
        return lambda x: not isinstance(x, str) or len(x) <= value

    def kw_minimum(self, value, schema):
        return lambda x: not _is_number(x) or not x < value

    def kw_maximum(self, value, schema):
        return lambda x: not _is_number(x) or not x > value

    def kw_oneOf(self, value, schema):
        accepted = [self.accepted_types(s) for s in value]
        if all(accepted) and sum(map(len, accepted)) == len(set().union(*accepted)):
            # branches that accept disjoint JSON types (a number, null or a printed mark): at most one can
            # hold, so the first that holds decides, as with anyOf
            return self.kw_anyOf(value, schema)
        subs = tuple(self.compile(s) for s in value)
        return lambda x: sum(1 for sub in subs if sub(x)) == 1

    def accepted_types(self, schema) -> frozenset:
        """The JSON types a schema can accept when it says so plainly (type, a string enum, a $ref to one);
        empty when unsure."""
        if isinstance(schema, dict) and set(schema) - _ANNOTATIONS == {"$ref"}:
            target = self.root
            for part in schema["$ref"][2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            return self.accepted_types(target) if target is not schema else frozenset()
        if not isinstance(schema, dict):
            return frozenset()
        if "enum" in schema and all(isinstance(o, str) for o in schema["enum"]):
            return frozenset(("string",))
        kinds = schema.get("type")
        if isinstance(kinds, str):
            # integer is a number to the types below; "number" stands for both
            return frozenset(("number" if kinds == "integer" else kinds,))
        return frozenset()

    def plan(self, schema, made: dict):
        """The Plan of a closed object (type object, additionalProperties false) or of an array with
        no keywords but items and minItems; None for any other schema, and for a lone $ref to one of those."""
        for _ in range(32):  # a $ref to a $ref ...
            if not (isinstance(schema, dict) and set(schema) - _ANNOTATIONS == {"$ref"}):
                break
            schema = self.resolve(schema["$ref"])
        if not isinstance(schema, dict):
            return None
        if id(schema) in made:
            return made[id(schema)]
        keywords = set(schema) - _ANNOTATIONS
        plan = Plan()
        if schema.get("type") == "object" and schema.get("additionalProperties") is False \
                and isinstance(schema.get("properties", {}), dict):
            made[id(schema)] = plan
            properties = schema.get("properties", {})
            plan.is_map = True
            plan.checks = {name: self.compile(sub) for name, sub in properties.items()}
            plan.children = {name: self.plan(sub, made) for name, sub in properties.items()}
            plan.required = frozenset(schema.get("required", ()))
            rest = {key: schema[key] for key in keywords - _OBJECT_KEYWORDS}
            plan.rest = self.compile(rest) if rest else None
            plan.finish = bool(plan.required) or plan.rest is not None
            return plan
        if schema.get("type") == "array" and keywords <= _ARRAY_KEYWORDS:
            made[id(schema)] = plan
            items = schema.get("items", True)
            plan.is_map = False
            plan.checks = self.compile(items)
            plan.children = self.plan(items, made)
            plan.least = schema.get("minItems", 0)
            plan.finish = plan.least > 0
            return plan
        return None

    def kw_anyOf(self, value, schema):
        subs = tuple(self.compile(s) for s in value)

        def check(x):
            for sub in subs:
                if sub(x):
                    return True
            return False

        return check

    def kw_allOf(self, value, schema):
        subs = tuple(self.compile(s) for s in value)
        return lambda x: all(sub(x) for sub in subs)

    def kw_not(self, value, schema):
        sub = self.compile(value)
        return lambda x: not sub(x)

    def kw_if(self, value, schema):
        test = self.compile(value)
        then = self.compile(schema["then"]) if "then" in schema else (lambda x: True)
        otherwise = self.compile(schema["else"]) if "else" in schema else (lambda x: True)
        return lambda x: then(x) if test(x) else otherwise(x)

    def kw_then(self, value, schema):
        return None  # applied by kw_if; without an `if` it has no effect

    kw_else = kw_then


def compile_schema(schema: dict):
    """A function instance -> bool, or None when the schema uses a keyword we do not implement."""
    try:
        return _Compiler(schema).compile(schema)
    except (Unsupported, KeyError, re.error, TypeError):
        return None


class Plan:
    """A mapping or list schema as the line scanner checks it while it reads (engine/load/yamlscan.py `scan`), so
    that a valid facts file is not walked a second time (the walk was a fifth of the load stage's instructions).

    Each value is checked by the compiled check of its property (mapping) or of the items (list), the check
    compile_schema would apply to it; a value that is a block has its own Plan, and `finished` applies what the
    container's check adds: the required keys and the other keywords of an object, minItems of an array. So a
    document whose every line and container passes is one the compiled check says yes to. A line accepted here
    is not checked again where it is repeated (`accepts`): a province repeats most of its lines."""

    __slots__ = ("is_map", "checks", "children", "required", "rest", "least", "finish")

    def accepts(self, seen: list, key, value) -> bool:
        """Whether `value` (under `key` in a mapping) passes here; if it does, `seen[0]` is set to this Plan (the
        scanner keeps it with the parsed line, which fixes key and value)."""
        if self.is_map:
            check = self.checks.get(key)
            if check is None or not check(value):
                return False
        elif not self.checks(value):
            return False
        seen[0] = self
        return True

    def finished(self, container) -> bool:
        if self.is_map:
            return self.required <= container.keys() and (self.rest is None or self.rest(container))
        return len(container) >= self.least


def schema_plan(schema: dict) -> Plan | None:
    """The Plan of a schema whose top is a closed object, or None when some part is not one the scanner can check
    (the document is then checked as a whole, as before)."""
    compiler = _Compiler(schema)
    try:
        return compiler.plan(schema, {})
    except (Unsupported, KeyError, re.error, TypeError):
        return None
