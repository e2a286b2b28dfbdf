"""Mutants of one Python module: the operators of mutmut 3, on the module's syntax tree.

Each mutant changes one thing: a binary, augmented or comparison operator, ``and``/``or``, a unary
``not``/``-``/``~`` dropped, a number (``n`` -> ``n + 1``), a boolean, a string (``"XX" + s + "XX"``),
a call's positional argument (-> ``None``) or keyword argument (dropped), ``min``/``max`` and
``any``/``all`` swapped, an assigned value (-> ``None``), a lambda's body (-> ``None``), ``break``/
``continue`` swapped. Docstrings, annotations, imports, decorators, f-strings and lines marked
``# pragma: no mutate`` are left alone.

A mutant is named ``<function>+<line from its def>:<column>:<change>`` so that its name survives an
edit elsewhere in the file (a list of survivors judged equivalent refers to these names).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_BINOP: dict[type, type] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
    ast.Mod: ast.Div, ast.Pow: ast.Mult, ast.LShift: ast.RShift, ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd, ast.BitXor: ast.BitAnd,
}
_CMPOP: dict[type, type] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
}
_NAMES = {"min": "max", "max": "min", "any": "all", "all": "any"}
_SYMBOL = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.Lt: "<",
    ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not",
    ast.In: "in", ast.NotIn: "not in", ast.And: "and", ast.Or: "or", ast.Not: "not", ast.USub: "-",
    ast.Invert: "~",
}


@dataclass(frozen=True)
class Mutant:
    """One mutant: its stable name, the line it changes (1-based) and the whole mutated source."""

    name: str
    line: int
    change: str
    source: str


@dataclass
class _Point:
    qualname: str
    def_line: int
    node: ast.AST
    change: str
    apply: Callable[[], Callable[[], None]]  # makes the change, returns its undo


def _replace_child(parent: ast.AST, old: ast.AST, new: ast.AST) -> Callable[[], None]:
    for field, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
            return lambda: setattr(parent, field, old)
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                    return lambda: value.__setitem__(i, old)
    raise ValueError("child not found")


def _set(obj: object, attr: str, value: object) -> Callable[[], Callable[[], None]]:
    def apply() -> Callable[[], None]:
        old = getattr(obj, attr)
        setattr(obj, attr, value)
        return lambda: setattr(obj, attr, old)

    return apply


class _Collector(ast.NodeVisitor):
    def __init__(self, skip_lines: set[int]) -> None:
        self.points: list[_Point] = []
        self.scope: list[tuple[str, int]] = []
        self.parents: list[ast.AST] = []
        self.skip_lines = skip_lines

    # Scopes and what is never mutated.
    def _body(self, body: list[ast.stmt]) -> None:
        for i, stmt in enumerate(body):
            if i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(
                    stmt.value.value, str):
                continue  # docstring
            self.visit(stmt)

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append((node.name, node.lineno))
        self.parents.append(node)
        if not isinstance(node, ast.ClassDef):
            for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                self.visit(d)
        self._body(node.body)
        self.parents.pop()
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped  # type: ignore[assignment]

    def visit_Module(self, node: ast.Module) -> None:
        self.parents.append(node)
        self._body(node.body)
        self.parents.pop()

    def visit_Import(self, node: ast.AST) -> None:
        return

    visit_ImportFrom = visit_Import
    visit_JoinedStr = visit_Import

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._assign_none(node)
            self._child(node, node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return
        self._assign_none(node)
        self.parents.append(node)
        for t in node.targets:
            self.visit(t)
        self.visit(node.value)
        self.parents.pop()

    def _assign_none(self, node: ast.Assign | ast.AnnAssign) -> None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self._add(node, "value -> None", _set(node, "value", ast.Constant(None)))

    def _child(self, parent: ast.AST, child: ast.AST) -> None:
        self.parents.append(parent)
        self.visit(child)
        self.parents.pop()

    def generic_visit(self, node: ast.AST) -> None:
        self.parents.append(node)
        super().generic_visit(node)
        self.parents.pop()

    def visit_If(self, node: ast.If) -> None:
        t = node.test
        if isinstance(t, ast.Name) and t.id == "TYPE_CHECKING":
            return
        self.generic_visit(node)

    # Mutations.
    def _add(self, node: ast.AST, change: str, apply: Callable[[], Callable[[], None]]) -> None:
        line = getattr(node, "lineno", 0)
        if line in self.skip_lines:
            return
        qual = ".".join(n for n, _ in self.scope) or "<module>"
        def_line = self.scope[-1][1] if self.scope else 0
        self.points.append(_Point(qual, def_line, node, change, apply))

    def visit_BinOp(self, node: ast.BinOp) -> None:
        new = _BINOP.get(type(node.op))
        if new is not None:
            self._add(node, f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}", _set(node, "op", new()))
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        new = _BINOP.get(type(node.op))
        if new is not None:
            self._add(node, f"{_SYMBOL[type(node.op)]}= -> {_SYMBOL[new]}=", _set(node, "op", new()))
        parent = self.parents[-1]

        def to_assign() -> Callable[[], None]:
            return _replace_child(parent, node, ast.Assign(targets=[node.target], value=node.value,
                                                            lineno=node.lineno))

        self._add(node, f"{_SYMBOL.get(type(node.op), '?')}= -> =", to_assign)
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, (ast.Not, ast.USub, ast.Invert)):
            parent = self.parents[-1]
            self._add(node, f"drop {_SYMBOL[type(node.op)]}",
                      lambda: _replace_child(parent, node, node.operand))
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        self._add(node, f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}", _set(node, "op", new()))
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            new = _CMPOP.get(type(op))
            if new is None:
                continue

            def apply(i: int = i, new: type = new) -> Callable[[], None]:
                old = node.ops[i]
                node.ops[i] = new()
                return lambda: node.ops.__setitem__(i, old)

            self._add(node, f"{_SYMBOL[type(op)]} -> {_SYMBOL[new]}" + (f" (#{i + 1})" if len(node.ops) > 1 else ""),
                      apply)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        v = node.value
        if isinstance(v, bool):
            self._add(node, f"{v} -> {not v}", _set(node, "value", not v))
        elif isinstance(v, int):
            self._add(node, f"{v} -> {v + 1}", _set(node, "value", v + 1))
        elif isinstance(v, float):
            self._add(node, f"{v} -> {v + 1}", _set(node, "value", v + 1.0))
        elif isinstance(v, str):
            shown = v if len(v) <= 30 else v[:27] + "..."
            self._add(node, f"string {shown!r} -> 'XX...XX'", _set(node, "value", f"XX{v}XX"))

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in _NAMES:
            new = _NAMES[node.func.id]
            self._add(node, f"{node.func.id}() -> {new}()", _set(node.func, "id", new))
        for i, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred) or (isinstance(arg, ast.Constant) and arg.value is None):
                continue

            def apply(i: int = i) -> Callable[[], None]:
                old = node.args[i]
                node.args[i] = ast.Constant(None)
                return lambda: node.args.__setitem__(i, old)

            self._add(node, f"argument {i + 1} -> None", apply)
        for i, kw in enumerate(node.keywords):
            if kw.arg is None:
                continue

            def drop(i: int = i) -> Callable[[], None]:
                old = node.keywords.pop(i)
                return lambda: node.keywords.insert(i, old)

            self._add(node, f"drop {kw.arg}=", drop)
        self.generic_visit(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        if not (isinstance(node.body, ast.Constant) and node.body.value is None):
            self._add(node, "lambda body -> None", _set(node, "body", ast.Constant(None)))
        self.generic_visit(node)

    def visit_Break(self, node: ast.Break) -> None:
        parent = self.parents[-1]
        self._add(node, "break -> continue", lambda: _replace_child(parent, node, ast.Continue()))

    def visit_Continue(self, node: ast.Continue) -> None:
        parent = self.parents[-1]
        self._add(node, "continue -> break", lambda: _replace_child(parent, node, ast.Break()))

    def visit_arguments(self, node: ast.arguments) -> None:
        return  # annotations and defaults are handled by the function itself

    def visit_arg(self, node: ast.arg) -> None:
        return


def mutants(source: str) -> Iterator[Mutant]:
    """Every mutant of ``source`` that compiles and differs from it, in source order."""
    skip = {i for i, line in enumerate(source.splitlines(), 1) if "pragma: no mutate" in line}
    tree = ast.parse(source)
    collector = _Collector(skip)
    collector.visit(tree)
    original = ast.unparse(tree)
    seen: dict[str, int] = {}
    for p in sorted(collector.points, key=lambda p: (getattr(p.node, "lineno", 0), getattr(p.node, "col_offset", 0))):
        undo = p.apply()
        try:
            mutated = ast.unparse(ast.fix_missing_locations(tree))
        finally:
            undo()
        if mutated == original:
            continue
        try:
            compile(mutated, "<mutant>", "exec")
        except SyntaxError:
            continue
        line = getattr(p.node, "lineno", 0)
        name = f"{p.qualname}+{line - p.def_line}:{getattr(p.node, 'col_offset', 0)}:{p.change}"
        n = seen[name] = seen.get(name, 0) + 1
        if n > 1:
            name += f" [{n}]"
        yield Mutant(name, line, p.change, mutated)


def original(source: str) -> str:
    """The unmutated source as the mutants are written (comments dropped), for a baseline run."""
    return ast.unparse(copy.deepcopy(ast.parse(source)))
