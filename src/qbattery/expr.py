"""Safe arithmetic over parameters and operators, for the expressions of spec files.

An expression such as ``"omega_a*Sz + J/N*Sx^2"`` is parsed with :mod:`ast` and walked over a
whitelist of node types (numbers, names, ``+ - * / ^ **``, unary minus, and calls of ``sqrt sin
cos exp``); everything else (attribute access, subscripts, lambdas, comprehensions, keywords, ...)
is rejected with a message naming the offending construct. Nothing is ever passed to ``eval``.

Evaluation produces an :class:`OpSum`: a list of ``(coefficient, operator)`` terms where the
coefficient is a constant or a function of the time ``t``, and the operator is a sparse matrix (or
``None`` for the identity). This one representation serves Hamiltonians (static or driven), rates
and scalar parameters alike.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

MAX_LENGTH = 4000
MAX_DEPTH = 60
MAX_OPERATOR_POWER = 64
MAX_SCALAR_EXPONENT = 1000.0
# no value of a spec comes near this; beyond it, products of a few values overflow doubles and
# the linear algebra fails far from the input (a 1e308 rate, a 1e200 coupling)
MAX_MAGNITUDE = 1e100

FUNCTIONS: dict[str, Callable] = {"sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "exp": np.exp}
RESERVED = {"t", "i", *FUNCTIONS}
NOT_FINITE = {"nan", "inf", "infinity"}  # what Python would print for a non-finite float


class ExprError(ValueError):
    """An expression that cannot be parsed or evaluated; the message says why."""


# --------------------------------------------------------------------------- parsing

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}


@dataclass(frozen=True)
class Expr:
    """A parsed, validated expression: its source text, syntax tree and the names it uses."""

    text: str
    tree: ast.AST
    names: frozenset[str]

    def evaluate(self, env: dict) -> OpSum:
        return _Evaluator(env).visit(self.tree)


def parse(text: str | float | int) -> Expr:
    """Parse ``text`` into an :class:`Expr`, rejecting anything outside the whitelist."""
    if isinstance(text, bool):
        raise ExprError("expected a number or an expression, got a boolean")
    if isinstance(text, int | float):
        text = repr(_number(text))
    if not isinstance(text, str):
        raise ExprError(f"expected a number or an expression string, got {type(text).__name__}")
    return _parse(text)


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> Expr:
    """The parse of one text, remembered: a run evaluates the same few expressions many times
    (parameters, every spin-j block, every sweep point); an Expr is never changed after parsing,
    and a text that fails raises again each time (exceptions are not cached)."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise ExprError("empty expression")
    source = text.replace("^", "**")  # '^' is power here, not Python's xor
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        short = text if len(text) <= 60 else text[:57] + "..."
        raise ExprError(f"cannot parse {short!r}: {err.msg}") from None
    except (RecursionError, MemoryError):
        raise ExprError("expression nested too deeply") from None
    names: set[str] = set()
    _check(tree.body, names, depth=0)
    return Expr(text=text, tree=tree.body, names=frozenset(names))


def _number(value: int | float) -> float:
    """A literal as a float: finite and within MAX_MAGNITUDE (a 400-digit integer is neither)."""
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        digits = str(value)
        shown = f"{digits[:8]}... ({len(digits)} digits)" if isinstance(value, int) else str(x)
        raise ExprError(f"{shown} is not a finite number")
    if abs(x) > MAX_MAGNITUDE:
        raise ExprError(f"{x:g} is out of range (|x| <= {MAX_MAGNITUDE:g})")
    return x


def _check(node: ast.AST, names: set[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ExprError("expression nested too deeply")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExprError(f"literal {node.value!r} is not a real number")
        try:
            _number(node.value)  # 1e309 parses as inf
        except ExprError as err:
            raise ExprError(f"literal {err}") from None
    elif isinstance(node, ast.Name):
        names.add(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise ExprError(f"operator {type(node.op).__name__} is not allowed (use + - * / ^)")
        _check(node.left, names, depth + 1)
        _check(node.right, names, depth + 1)
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExprError(f"unary operator {type(node.op).__name__} is not allowed")
        _check(node.operand, names, depth + 1)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            what = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExprError(f"function {what!r} is not allowed (allowed: {', '.join(FUNCTIONS)})")
        if node.keywords or len(node.args) != 1:
            raise ExprError(f"{node.func.id}() takes exactly one positional argument")
        _check(node.args[0], names, depth + 1)
    elif isinstance(node, ast.Attribute):
        raise ExprError(f"attribute access {ast.unparse(node)!r} is not allowed")
    else:
        raise ExprError(f"{type(node).__name__} is not allowed in an expression")


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Coef:
    """A scalar coefficient: a constant, or a vectorized function of time."""

    value: complex = 0j
    fn: Callable | None = None

    @property
    def is_constant(self) -> bool:
        return self.fn is None

    def __call__(self, t):
        return self.value if self.fn is None else self.fn(t)

    def _combine(self, other: Coef, op: Callable) -> Coef:
        if self.is_constant and other.is_constant:
            return Coef(_in_range(complex(op(self.value, other.value))))
        return Coef(fn=lambda t, a=self, b=other: op(a(t), b(t)))

    def __add__(self, other: Coef) -> Coef:
        return self._combine(other, lambda x, y: x + y)

    def __mul__(self, other: Coef) -> Coef:
        return self._combine(other, lambda x, y: x * y)

    def apply(self, func: Callable) -> Coef:
        if self.is_constant:
            with np.errstate(all="ignore"):  # an overflow is reported below, by name
                value = complex(_real_if_close(func(_real_if_close(self.value))))
            return Coef(_in_range(value))
        return Coef(fn=lambda t, a=self: func(a(t)))


def _in_range(value: complex) -> complex:
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise ExprError("overflow: a value is not finite")
    if abs(value) > MAX_MAGNITUDE:
        raise ExprError(f"overflow: a value reaches {abs(value):.3g} (|x| <= {MAX_MAGNITUDE:g})")
    return value


def _real_if_close(z):
    z = complex(z)
    return z.real if z.imag == 0 else z


def format_number(z: complex) -> str:
    """A value for a message: ``-0.1`` for a real one, never ``(-0.1+0j)``."""
    z = _real_if_close(z)
    if isinstance(z, float):
        return f"{z:.12g}"
    return f"{z.real:.12g}{z.imag:+.12g}i"


@dataclass
class OpSum:
    """Σ_k c_k(t)·O_k, with O_k a sparse matrix or None for the identity (a pure scalar)."""

    terms: list[tuple[Coef, sp.spmatrix | None]]

    @classmethod
    def scalar(cls, value: complex | Coef) -> OpSum:
        return cls([(value if isinstance(value, Coef) else Coef(complex(value)), None)])

    @property
    def is_scalar(self) -> bool:
        return all(op is None for _, op in self.terms)

    @property
    def is_time_dependent(self) -> bool:
        return any(not c.is_constant for c, _ in self.terms)

    def scalar_coef(self) -> Coef:
        """The value of a scalar expression, as one coefficient."""
        if not self.is_scalar:
            raise ExprError("expected a number here, but the expression contains an operator")
        total = Coef(0j)
        for c, _ in self.terms:
            total = total + c
        return total

    def constant(self) -> complex:
        c = self.scalar_coef()
        if not c.is_constant:
            raise ExprError("expected a constant here, but the expression depends on t")
        return c.value

    def matrix(self, dim: int, t: float | None = None) -> sp.csr_matrix:
        """The operator as a sparse matrix (at time ``t`` when it depends on time), assembled
        from all terms at once (one sparse construction, not one per term: a build sums a few
        dozen small terms, and each construction costs more than its arithmetic)."""
        if self.is_time_dependent and t is None:
            raise ExprError("the expression depends on t; give a time")
        rows, cols, data = [], [], []
        for c, op in self.terms:
            value = c(0.0 if t is None else t)
            if value == 0:
                continue
            if op is None:
                diagonal = np.arange(dim)
                rows.append(diagonal)
                cols.append(diagonal)
                data.append(np.full(dim, value, dtype=complex))
                continue
            op = op.tocsr()
            rows.append(np.repeat(np.arange(op.shape[0]), np.diff(op.indptr)))
            cols.append(op.indices)
            data.append(value * op.data)
        if not data:
            return sp.csr_matrix((dim, dim), dtype=complex)
        out = sp.csr_matrix(
            (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
            shape=(dim, dim),
            dtype=complex,
        )
        out.sum_duplicates()
        out.eliminate_zeros()  # cancelled terms leave no entries (as sparse sums do)
        return out

    def split(self, dim: int) -> tuple[sp.csr_matrix, list[tuple[Coef, sp.csr_matrix]]]:
        """Split into a static matrix and the time-dependent terms ``[(c(t), O)]``."""
        static = OpSum([(c, op) for c, op in self.terms if c.is_constant]).matrix(dim)
        eye = sp.identity(dim, dtype=complex, format="csr")
        driven = [
            (c, eye if op is None else op.tocsr()) for c, op in self.terms if not c.is_constant
        ]
        return static, driven

    # arithmetic
    def __add__(self, other: OpSum) -> OpSum:
        return OpSum(self.terms + other.terms)

    def __neg__(self) -> OpSum:
        return OpSum([(c * Coef(-1.0 + 0j), op) for c, op in self.terms])

    def __mul__(self, other: OpSum) -> OpSum:
        terms = []
        for c1, o1 in self.terms:
            for c2, o2 in other.terms:
                op = o2 if o1 is None else (o1 if o2 is None else (o1 @ o2).tocsr())
                terms.append((c1 * c2, op))
        return OpSum(terms)


# --------------------------------------------------------------------------- evaluation


class _Evaluator:
    def __init__(self, env: dict):
        self.env = env

    def visit(self, node: ast.AST) -> OpSum:
        return getattr(self, f"_{type(node).__name__}")(node)

    def _Constant(self, node: ast.Constant) -> OpSum:
        return OpSum.scalar(float(node.value))

    def _Name(self, node: ast.Name) -> OpSum:
        name = node.id
        if name == "i":
            return OpSum.scalar(1j)
        if name == "t":
            return OpSum.scalar(Coef(fn=lambda t: t + 0j))
        if name not in self.env and name.lower() in NOT_FINITE:
            raise ExprError(f"{name!r} is not a finite number")
        if name not in self.env:
            known = ", ".join(sorted(k for k in self.env if not k.startswith("_")))
            raise ExprError(f"unknown symbol {name!r} (known here: {known or 'none'})")
        value = self.env[name]
        if isinstance(value, OpSum):
            return value
        if sp.issparse(value):
            return OpSum([(Coef(1.0 + 0j), value.tocsr())])
        return OpSum.scalar(complex(value))

    def _UnaryOp(self, node: ast.UnaryOp) -> OpSum:
        value = self.visit(node.operand)
        return -value if isinstance(node.op, ast.USub) else value

    def _Call(self, node: ast.Call) -> OpSum:
        arg = self.visit(node.args[0])
        if not arg.is_scalar:
            raise ExprError(f"{node.func.id}() of an operator is not supported")
        func = FUNCTIONS[node.func.id]
        return OpSum.scalar(arg.scalar_coef().apply(lambda x: func(x + 0j)))

    def _BinOp(self, node: ast.BinOp) -> OpSum:
        left, right = self.visit(node.left), self.visit(node.right)
        op = type(node.op)
        if op is ast.Add:
            return left + right
        if op is ast.Sub:
            return left + (-right)
        if op is ast.Mult:
            return left * right
        if op is ast.Div:
            if not right.is_scalar:
                raise ExprError("division by an operator is not allowed")
            den = right.scalar_coef()
            if den.is_constant and den.value == 0:
                raise ExprError("division by zero")
            return left * OpSum.scalar(den.apply(lambda x: 1.0 / x))
        return self._power(left, right)

    def _power(self, base: OpSum, exponent: OpSum) -> OpSum:
        if not exponent.is_scalar or exponent.is_time_dependent:
            raise ExprError("an exponent must be a constant number")
        p = exponent.constant()
        if p.imag != 0 or not math.isfinite(p.real) or abs(p.real) > MAX_SCALAR_EXPONENT:
            raise ExprError(f"exponent {format_number(p)} is out of range")
        p = p.real
        if base.is_scalar:
            coef = base.scalar_coef()

            def power(x, p=p):
                with np.errstate(over="raise", invalid="raise"):
                    try:
                        return np.power(np.asarray(x, dtype=complex), p)
                    except (FloatingPointError, OverflowError):
                        raise ExprError("overflow in a power") from None

            value = coef.apply(power)
            if value.is_constant and not np.isfinite(value.value):
                raise ExprError("overflow in a power")
            return OpSum.scalar(value)
        if p != int(p) or not 0 <= p <= MAX_OPERATOR_POWER:
            raise ExprError(
                f"an operator can only be raised to an integer power 0..{MAX_OPERATOR_POWER}"
            )
        result = OpSum.scalar(1.0)
        for _ in range(int(p)):
            result = result * base
        return result


def evaluate(text: str | float | int | Expr, env: dict) -> OpSum:
    """Parse (if needed) and evaluate an expression in ``env`` (names → numbers or matrices)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return OpSum.scalar(_number(text))  # a plain number needs no syntax tree
    expr = text if isinstance(text, Expr) else parse(text)
    return expr.evaluate(env)


def degree(text: str | float | int | Expr, weights: dict[str, int]) -> int:
    """The largest total weight of the names in any product term of the expanded expression:
    a name weighs ``weights[name]`` (others, parameters and ``t`` weigh 0), a product adds its
    factors' degrees, a sum takes the largest, an integer power multiplies. With the weight of an
    operator the most it changes a charge by, no term moves a state further than this."""
    expr = text if isinstance(text, Expr) else parse(text)

    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.Name):
            return weights.get(node.id, 0)
        if isinstance(node, ast.UnaryOp):
            return walk(node.operand)
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Add | ast.Sub):
                return max(left, right)
            if isinstance(node.op, ast.Mult):
                return left + right
            if isinstance(node.op, ast.Div):
                return left
            if left == 0:  # a scalar power
                return 0
            try:  # an exponent written with parameters counts as the largest allowed
                p = abs(Expr(expr.text, node.right, frozenset()).evaluate({}).constant())
            except ExprError:
                p = MAX_OPERATOR_POWER
            return left * int(min(p, MAX_OPERATOR_POWER))
        return 0  # constants, and calls (their arguments are scalars)

    return walk(expr.tree)


def dependency_order(definitions: dict) -> list[str]:
    """The names of ``definitions`` (name → number or expression) ordered so that each follows
    the names its expression uses; the written order where it already works.

    Raises :class:`ExprError` naming a cycle ("cycle a -> b -> a"). An expression that does not
    parse counts as using nothing: it is reported where it is evaluated, with its field.
    """
    uses: dict[str, list[str]] = {}
    for name, value in definitions.items():
        try:
            names = parse(value).names if isinstance(value, str) else frozenset()
        except ExprError:
            names = frozenset()
        uses[name] = [n for n in definitions if n in names]
    order: list[str] = []
    done: set[str] = set()
    for root in definitions:  # depth first, iteratively: a long chain must not hit recursion
        if root in done:
            continue
        path, stack = [root], [iter(uses[root])]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                done.add(path[-1])
                order.append(path.pop())
            elif child in path:
                cycle = path[path.index(child) :] + [child]
                raise ExprError(f"cycle {' -> '.join(cycle)}")
            elif child not in done:
                path.append(child)
                stack.append(iter(uses[child]))
    return order
