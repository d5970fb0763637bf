"""The import graph has no cycles, lazy imports included.

lint-imports (pyproject.toml) keeps the apps in their layers; a cycle *inside* a layer — the
kind that made the meetings code import its own Celery tasks back through the outbox — is
caught here. grimp reads every import statement, including those inside functions, so a cycle
hidden behind a function-level import counts too.
"""

import grimp


def cycles() -> list[tuple[str, ...]]:
    graph = grimp.build_graph(
        "adcmeet", "deliverables", "taskforces", cache_dir=None, exclude_type_checking_imports=True
    )
    found: dict[frozenset[str], tuple[str, ...]] = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            # Importing a package's own __init__ (re-exports) from inside it is not a cycle of
            # concepts; Python resolves it at import time.
            if importer.startswith(imported + "."):
                continue
            chain = graph.find_shortest_chain(importer=imported, imported=importer)
            if chain:
                cycle = (importer, *chain)
                found.setdefault(frozenset(cycle), cycle)
    return sorted(found.values())


def test_no_module_imports_itself_back_through_others():
    assert [" -> ".join(cycle) for cycle in cycles()] == []
