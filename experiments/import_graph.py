"""Measure the import graph of the ``sim`` package: nodes, levels, edges and cycles.

    python experiments/import_graph.py            # the counts
    python experiments/import_graph.py --edges    # and every edge, node by node, level by level
    python experiments/import_graph.py --layers   # the levels as import-linter layers (pyproject.toml)

A node is a top-level module (``sim/model.py`` -> ``model``) or a subpackage (``sim/config/`` -> ``config``) of
``sim``; an edge ``a -> b`` means some file of ``a`` imports something of ``b`` (at module level or inside a
function: both run). Imports under ``if TYPE_CHECKING:`` are left out: they never run. A node's level is one
more than the highest level among the nodes it imports (a node that imports no other node is level 1), computed
on the graph with each cycle merged into one node; ``levels`` is the highest level. ``cycles`` counts the groups
of nodes that import each other (strongly connected components of more than one node).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

PACKAGE = "sim"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE


def node_of(module: str) -> str | None:
    """``sim.config.load`` -> ``config``; ``sim`` itself and names outside it -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == PACKAGE and len(parts) > 1 else None


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(path: Path, module: str) -> set[str]:
    """Every module a file imports outside ``if TYPE_CHECKING:`` (relative imports resolved)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # ``from sim import model``
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Node -> the other nodes it imports."""
    nodes = {p.stem for p in root.glob("*.py") if p.stem != "__init__"}
    nodes |= {p.parent.name for p in root.glob("*/__init__.py")}
    edges: dict[str, set[str]] = {n: set() for n in nodes}
    for path in root.rglob("*.py"):
        relative = path.relative_to(root.parent).with_suffix("")
        module = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
        source = node_of(module)
        if source is None:
            continue
        for name in imported_modules(path, module):
            target = node_of(name)
            if target in nodes and target != source:
                edges[source].add(target)
    return edges


def components(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components (Tarjan), every node in exactly one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[set[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on.discard(w)
                group.add(w)
                if w == v:
                    break
            out.append(group)

    sys.setrecursionlimit(max(1000, 10 * len(edges)))
    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def levels(edges: dict[str, set[str]]) -> dict[str, int]:
    """Each node's level on the graph with every cycle merged into one node."""
    group_of = {}
    for k, group in enumerate(components(edges)):
        for v in group:
            group_of[v] = k
    memo: dict[int, int] = {}

    def level(k: int) -> int:
        if k not in memo:
            below = {group_of[w] for v in edges if group_of[v] == k for w in edges[v]} - {k}
            memo[k] = 1 + max((level(j) for j in below), default=0)
        return memo[k]

    return {v: level(group_of[v]) for v in edges}


def measure(root: Path = ROOT) -> dict[str, object]:
    edges = graph(root)
    cycles = [sorted(group) for group in components(edges) if len(group) > 1]
    return {
        "nodes": len(edges),
        "levels": max(levels(edges).values(), default=0),
        "edges": sum(len(targets) for targets in edges.values()),
        "cycles": len(cycles),
        "cycle_members": cycles,
    }


def layers_toml(edges: dict[str, set[str]]) -> str:
    """The levels, highest first, as the ``layers`` of an import-linter contract (same-level nodes share a layer:
    ``:`` lets them import each other, which a later change may need; the contract then still forbids upward
    imports)."""
    by_level: dict[int, list[str]] = {}
    for node, level in levels(edges).items():
        by_level.setdefault(level, []).append(f"{PACKAGE}.{node}")
    rows = [f'    "{" : ".join(sorted(by_level[level]))}",' for level in sorted(by_level, reverse=True)]
    return "layers = [\n" + "\n".join(rows) + "\n]"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", action="store_true", help="list every node's level and imports")
    parser.add_argument("--layers", action="store_true", help="print the levels as import-linter layers")
    args = parser.parse_args(argv)
    if args.layers:
        print(layers_toml(graph()))
        return 0
    counts = measure()
    print(
        f"{counts['nodes']} nodes, {counts['levels']} levels, {counts['edges']} edges, {counts['cycles']} cycles"
        + "".join(f"\n  cycle: {' <-> '.join(group)}" for group in counts["cycle_members"])
    )
    if args.edges:
        edges = graph()
        for node, level in sorted(levels(edges).items(), key=lambda item: (-item[1], item[0])):
            print(f"  {level:>2} {node}: {', '.join(sorted(edges[node])) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
