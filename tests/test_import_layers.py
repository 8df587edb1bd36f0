"""The package's imports form no cycle, module by module.

import-linter (``tox -e lint``) checks the layers and that sibling packages
do not import each other in a circle; this test checks what a sibling check
cannot see: a cycle between a package's ``__init__`` and its own modules, or
one that runs through modules at different depths. Imports inside functions
count (they still make the modules depend on each other); imports under
``TYPE_CHECKING`` do not.
"""

from __future__ import annotations

import grimp


def module_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        # Iterative depth-first search: the package is deep enough to matter.
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(groups)


def test_the_package_has_no_import_cycle() -> None:
    graph = grimp.build_graph("sentry_lite", exclude_type_checking_imports=True)
    cycles = module_cycles(graph)
    chains = [graph.find_shortest_chain(importer=group[0], imported=group[1]) for group in cycles]
    assert cycles == [], f"import cycles: {cycles}; e.g. {chains}"


def test_the_cycle_check_finds_cycles_through_a_package_and_deep_modules() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.sub", "pkg.sub.deep", "pkg.leaf"):
        graph.add_module(module)
    graph.add_import(importer="pkg", imported="pkg.a")
    graph.add_import(importer="pkg.a", imported="pkg.sub.deep")
    graph.add_import(importer="pkg.sub.deep", imported="pkg")
    graph.add_import(importer="pkg.a", imported="pkg.leaf")
    assert module_cycles(graph) == [["pkg", "pkg.a", "pkg.sub.deep"]]
