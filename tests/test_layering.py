"""The shape of the code: pure engines need no Django, apps depend one way, modules stay
short enough to read in a sitting.

The apps are layered: `hubs` (people, hubs, memberships) at the bottom, importing no
other app; `notify` (what each person is told) on `hubs`; `timebank` on `hubs` and
`notify`; `referrals` on `timebank`, `hubs` and `notify`; `deliberation` on `hubs` and
`notify`. `api/v1.py` mounts each app's router and `demo` tells a story with all of
them; nobody imports those two. `web` is the base layout and error pages and imports no
app. Code every app shares lives at the package root (`audit.py`, `errors.py`,
`mail/`, `forms.py`, `views.py`, ...) and is not an app here: an app that imports
it depends on whatever it imports. `api/common.py` (the API's sign-in and error
schema, used by each app's router) counts as shared code in the same way.

When hubs needs to show something from another app (offers and escalations on a hub's
front page), that app registers it with `hubs.panels`; hubs never reaches up.
"""

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "coproduce"

# Direct subpackages of coproduce that are shared code, not apps.
SHARED_PACKAGES = {"mail"}
# Modules inside an app that count as shared code (see the module docstring).
SHARED_MODULES = {"coproduce.api.common"}

# Which apps each app may import. Any app not listed may import any app, as long as
# there is no cycle and nothing imports `api` or `demo`.
MAY_IMPORT = {
    "hubs": set(),
    "notify": {"hubs"},
    "timebank": {"hubs", "notify"},
    "referrals": {"hubs", "timebank", "notify"},
    "deliberation": {"hubs", "notify"},
    "pledges": {"hubs", "notify", "deliberation", "referrals", "timebank"},
    "open311": {"hubs", "pledges"},
    "web": set(),
}
NOBODY_IMPORTS = {"api", "demo"}

PURE_ENGINES = [
    "coproduce.deliberation.engine",
    "coproduce.deliberation.evidence",
    "coproduce.deliberation.mixture",
    "coproduce.deliberation.predict",
    "coproduce.deliberation.rules",
    "coproduce.deliberation.chooser",
    "coproduce.deliberation.polis",
    "coproduce.referrals.matching",
    "coproduce.referrals.schedule",
    "coproduce.timebank.timesheet",
    "coproduce.pledges.workdays",
    "coproduce.pledges.diffs",
    "coproduce.pledges.coordinates",
    "coproduce.pledges.scorecard",
    "coproduce.open311.statuses",
    "coproduce.involve.shortlist",
    "coproduce.involve.guard",
    "coproduce.involve.allocation",
    "coproduce.involve.pabulib",
    "coproduce.insight.geography",
    "coproduce.insight.healthcheck",  # health
    "coproduce.insight.charts",
    "coproduce.insight.periods",
    "coproduce.insight.metrics",
    "coproduce.insight.valuation",
]

SERVICES_MAX_LINES = 400  # a services module is one sub-domain, read in a sitting
ANY_MAX_LINES = 800  # no module grows back into a thousand lines (views are the longest)


# --- pure engines -----------------------------------------------------------------------


@pytest.mark.parametrize("module", PURE_ENGINES)
def test_pure_engine_imports_without_django(module):
    code = (
        "import importlib, sys\n"
        "sys.modules['django'] = None  # importing django now raises ImportError\n"
        f"importlib.import_module({module!r})\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert loaded == ['django'], loaded\n"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter, a fixed program)
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{module} needs Django:\n{result.stderr}"


# --- the import graph -------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
    }


def _owner(module: str) -> str:
    """The app a module belongs to, or the module itself when it is shared code."""
    parts = module.split(".")
    if module in SHARED_MODULES or len(parts) < 2 or parts[1] in SHARED_PACKAGES:
        return module
    return parts[1] if (PACKAGE / parts[1]).is_dir() else module


def _is_app(owner: str) -> bool:
    return not owner.startswith("coproduce")


def _nearest_module(name: str) -> str:
    while name not in _modules() and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_package = _modules()[module].name == "__init__.py"
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(module: str, node: ast.Import | ast.ImportFrom):
    """(local name, module imported, name taken from it or None) for each alias."""
    for alias in node.names:
        if isinstance(node, ast.Import):
            yield alias.asname or alias.name, alias.name, None
            continue
        source = _resolve(module, node)
        if f"{source}.{alias.name}" in _modules():
            yield alias.asname or alias.name, f"{source}.{alias.name}", None
        else:
            yield alias.asname or alias.name, source, alias.name


@cache
def _imports(module: str) -> tuple[str, ...]:
    """Every coproduce module this file imports, including inside functions: a lazy
    import is still a dependency."""
    found = []
    for node in ast.walk(ast.parse(_modules()[module].read_text())):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found += [target for _, target, _ in _targets(module, node)]
    return tuple(_nearest_module(t) for t in found if t.split(".")[0] == "coproduce")


@cache
def _app_dependencies(module: str) -> frozenset[str]:
    """The apps a module imports, looking through shared code to what it imports."""
    apps, seen, stack = set(), {module}, [module]
    while stack:
        for target in _imports(stack.pop()):
            if _is_app(_owner(target)):
                apps.add(_owner(target))
            elif target not in seen:
                seen.add(target)
                stack.append(target)
    return frozenset(apps)


def _app_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in _modules():
        owner = _owner(module)
        if _is_app(owner):
            graph.setdefault(owner, set()).update(_app_dependencies(module) - {owner})
    return graph


def _who_imports(app: str, other: str) -> list[str]:
    return [m for m in _modules() if _owner(m) == app and other in _app_dependencies(m)]


def test_every_import_names_a_module():
    """Catches a relative import left pointing at the old place after a move."""
    missing = []
    for module in _modules():
        for node in ast.walk(ast.parse(_modules()[module].read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for _, target, _ in _targets(module, node):
                    if target.split(".")[0] == "coproduce" and target not in _modules():
                        missing.append(f"{module}:{node.lineno} imports {target}")
    assert not missing, missing


def test_the_graph_sees_the_apps():
    graph = _app_graph()
    assert {"hubs", "timebank", "referrals", "deliberation", "api", "web", "demo"} <= set(graph)
    assert graph["referrals"] >= {"hubs", "timebank"}


@pytest.mark.parametrize("app", sorted(MAY_IMPORT))
def test_app_imports_only_the_apps_below_it(app):
    extra = _app_graph()[app] - MAY_IMPORT[app]
    assert not extra, {other: _who_imports(app, other) for other in extra}


def test_nobody_imports_the_api_mount_or_the_demo():
    graph = _app_graph()
    for app, imported in graph.items():
        wrong = (imported & NOBODY_IMPORTS) - {app}
        assert not wrong, {other: _who_imports(app, other) for other in wrong}


def test_no_import_cycles_between_apps():
    graph = _app_graph()
    cycles = set()

    def visit(app, path):
        for other in sorted(graph.get(app, ())):
            if other in path:
                cycle = path[path.index(other) :]
                start = cycle.index(min(cycle))
                cycles.add(" -> ".join([*cycle[start:], *cycle[:start], min(cycle)]))
            elif len(path) < len(graph):
                visit(other, [*path, other])

    for app in sorted(graph):
        visit(app, [app])
    assert not cycles, sorted(cycles)


def test_no_private_names_across_apps():
    """`_name` is private to its app: another app neither imports it nor reaches for it
    through a module (`hubs._validated_save`)."""
    found = []
    for module, path in _modules().items():
        owner = _owner(module)
        foreign_modules = {}  # local name -> another app's module
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for local, target, name in _targets(module, node):
                if not target.startswith("coproduce") or _owner(target) == owner:
                    continue
                if name is None:
                    foreign_modules[local] = target
                private = name or target.rsplit(".", 1)[-1]
                if private.startswith("_") and not private.startswith("__"):
                    found.append(f"{module}:{node.lineno} imports {target} {name or ''}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in foreign_modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                target = foreign_modules[node.value.id]
                found.append(f"{module}:{node.lineno} uses {target}.{node.attr}")
    assert not found, found


# --- module length ----------------------------------------------------------------------


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_services_modules_fit_in_a_sitting():
    too_long = {
        module: _lines(path)
        for module, path in _modules().items()
        if ".services" in module and _lines(path) > SERVICES_MAX_LINES
    }
    assert not too_long, f"split these by sub-domain: {too_long}"


def test_no_module_is_a_thousand_lines():
    too_long = {
        module: _lines(path) for module, path in _modules().items() if _lines(path) > ANY_MAX_LINES
    }
    assert not too_long, too_long


def test_the_services_are_packages():
    """A services module became a package with a module per sub-domain; a new
    services.py next to it would be silently shadowed by the package."""
    for package in PACKAGE.glob("*/services"):
        assert not (package.parent / "services.py").exists(), package
