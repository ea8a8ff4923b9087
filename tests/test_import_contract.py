"""The import contract of docs/architecture.md, checked rather than promised: the engine's packages are the
stages of a pipeline, a module imports only modules of its own stage or of earlier ones, and no import loop
exists. Every import counts, at module level or inside a function (a lazy import is still a dependency;
laziness only changes when it is paid).

STAGES below is the one definition of the stage order. A module's stage is the package it sits in, so a new
module goes into the package of its stage, and a new package must be given a place here."""
from __future__ import annotations

import ast
import functools
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"

# The stage packages of engine/, earlier stages first (docs/architecture.md has each one's job).
STAGES: tuple[str, ...] = ("core", "load", "expr", "construct", "io", "backends", "run", "analysis", "render",
                           "api", "cli")
# The modules of the engine package itself: the front door ("" is engine/__init__.py) and `python -m engine`.
FRONT_DOOR: dict[str, str] = {"": "api", "api": "api", "__main__": "cli"}

# Lazy imports that are documented plugin points. Each names (importer, imported) and why it may not be an
# ordinary dependency. None is needed today: render formats and CLI commands are looked up by name with
# importlib (engine/render/__init__.py FORMATS, engine/cli/__init__.py COMMANDS), which is not an import
# statement, and make_backend's imports run forward, from the backends package to its own modules.
PLUGIN_POINTS: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ENGINE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def engine_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ENGINE.rglob("*.py"))}


def imports_of(name: str, path: Path, modules) -> dict[str, int]:
    """Engine modules imported anywhere in the file -> first line. `from . import x` imports the module x where
    one exists, else the package; `from engine.a import b` the module a.b where one exists, else a."""
    parts = name.split(".") if name else []
    package = parts if path.name == "__init__.py" else parts[:-1]
    found: dict[str, int] = {}

    def add(target: str, line: int):
        while target not in modules and "." in target:
            target = target.rpartition(".")[0]
        if target in modules and target != name:
            found.setdefault(target, line)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "engine" or alias.name.startswith("engine."):
                    add(alias.name.removeprefix("engine").removeprefix("."), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            elif node.module == "engine" or (node.module or "").startswith("engine."):
                origin = node.module.removeprefix("engine").removeprefix(".")
            else:
                continue
            for alias in node.names:
                submodule = f"{origin}.{alias.name}".lstrip(".")
                add(submodule if submodule in modules else origin, node.lineno)
    return found


def stage_of(name: str) -> int | None:
    package = FRONT_DOOR.get(name, name.split(".")[0])
    return STAGES.index(package) if package in STAGES else None


@functools.cache  # the tests below read the same tree: parsed once (about 0.7 s a parse of every module)
def import_graph():
    modules = engine_modules()
    return modules, {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_every_module_has_a_stage():
    modules, _ = import_graph()
    missing = sorted(m for m in modules if stage_of(m) is None)
    assert not missing, f"modules outside the stage packages (move each into the package of its stage): {missing}"


def test_the_stages_are_the_packages():
    """Every package directly under engine/ is a stage of STAGES, and every stage is one, but the front door's
    (api: modules of the engine package itself)."""
    packages = {p.parent.name for p in ENGINE.glob("*/__init__.py")}
    stages = set(STAGES) - {"api"}
    assert packages == stages, (f"packages not in STAGES: {sorted(packages - stages)}; "
                                f"stages without a package: {sorted(stages - packages)}")


def test_no_import_runs_back_to_a_later_stage():
    modules, graph = import_graph()
    back = []
    for name, targets in sorted(graph.items()):
        for target, line in sorted(targets.items()):
            if (name, target) in PLUGIN_POINTS:
                continue
            if stage_of(target) is not None and stage_of(name) is not None and stage_of(target) > stage_of(name):
                back.append(f"engine/{modules[name].relative_to(ENGINE)}:{line}: {name or 'engine'} "
                            f"({STAGES[stage_of(name)]}) imports {target} ({STAGES[stage_of(target)]})")
    assert not back, "imports from an earlier stage to a later one:\n" + "\n".join(back)


def find_loops(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, loops = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    loops.append(sorted(component))
    return loops


def test_no_import_loops():
    modules, graph = import_graph()
    edges = {name: {t for t in targets if (name, t) not in PLUGIN_POINTS} for name, targets in graph.items()}
    loops = find_loops(edges)
    described = []
    for loop in loops:
        members = set(loop)
        described.append(", ".join(f"{a or 'engine'} -> {b} (engine/{modules[a].relative_to(ENGINE)}:{graph[a][b]})"
                                   for a in loop for b in sorted(edges[a] & members)))
    assert not loops, "import loops:\n" + "\n".join(described)


def test_the_checker_sees_lazy_and_relative_imports(tmp_path):
    """The contract is only as good as the parser: a function-level relative import is an edge, a
    `from . import x` names the submodule x, and a loop between two modules is found."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from . import b\n")
    (package / "b.py").write_text("from .a import f\n")
    modules = {"pkg": package / "__init__.py", "pkg.a": package / "a.py", "pkg.b": package / "b.py"}
    graph = {}
    for name, path in modules.items():
        # the real ENGINE root is replaced by the temporary package for this check
        graph[name] = imports_of(name, path, modules)
    assert graph["pkg.a"] == {"pkg.b": 2}
    assert graph["pkg.b"] == {"pkg.a": 1}
    assert find_loops(graph) == [["pkg.a", "pkg.b"]]
