"""The safe expression language of spec files: arithmetic, operators, and hostile input."""

import numpy as np
import pytest
import scipy.sparse as sp

from qbattery import expr
from qbattery.expr import ExprError, evaluate, parse

X = sp.csr_matrix(np.array([[0, 1], [1, 0]], dtype=complex))
Z = sp.csr_matrix(np.diag([1.0, -1.0]).astype(complex))
ENV = {"X": X, "Z": Z, "w": 2.0, "g": 0.5, "N": 4.0}


def mat(text, t=None):
    return evaluate(text, ENV).matrix(2, t).toarray()


def test_precedence_and_power():
    # '^' is power with the usual precedence, not xor: w*Z + g/N*X^2 = 2Z + 0.125 I
    np.testing.assert_allclose(mat("w*Z + g/N*X^2"), 2 * Z.toarray() + 0.125 * np.eye(2))
    assert evaluate("2^3^2", ENV).constant() == 2**9
    assert evaluate("-2^2", ENV).constant() == -4


def test_scalars_functions_and_imaginary_unit():
    assert evaluate("sqrt(N)*cos(0) + exp(0)", ENV).constant() == pytest.approx(3.0)
    np.testing.assert_allclose(mat("i*X*Z"), 1j * (X @ Z).toarray())


def test_time_dependence_is_kept_symbolic():
    value = evaluate("w*Z + g*cos(2*t)*X", ENV)
    assert value.is_time_dependent
    np.testing.assert_allclose(
        value.matrix(2, t=0.3).toarray(), (2 * Z + 0.5 * np.cos(0.6) * X).toarray()
    )
    static, driven = value.split(2)
    np.testing.assert_allclose(static.toarray(), 2 * Z.toarray())
    assert len(driven) == 1 and driven[0][0](0.0) == pytest.approx(0.5)


def test_names_are_collected():
    assert parse("w*Z + g/sqrt(N)*X").names == {"w", "Z", "g", "N", "X"}


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("__import__('os').system('true')", "not allowed"),
        ("X.T", "attribute access"),
        ("ENV['w']", "Subscript"),
        ("(lambda: 1)()", "not allowed"),
        ("[1, 2]", "List"),
        ("{1: 2}", "Dict"),
        ("w if w else g", "IfExp"),
        ("w == g", "Compare"),
        ("w and g", "BoolOp"),
        ("open('f')", "not allowed"),
        ("sqrt(x=1)", "one positional"),
        ("9^9^9^9", "out of range"),
        ("10^308*10", "overflow"),
        ("X^1000", "integer power"),
        ("X^0.5", "integer power"),
        ("1/X", "division by an operator"),
        ("1/0", "division by zero"),
        ("foo*X", "unknown symbol 'foo'"),
        ("exp(X)", "of an operator"),
        ("'text'", "not a real number"),
        ("True", "not a real number"),
        ("w +", "cannot parse"),
        ("", "empty"),
        ("w" * 5000, "longer than"),
        ("-" * 200 + "1", "nested too deeply"),
        ("(" * 1500 + "1" + ")" * 1500, "parse"),
        ("2^t", "constant number"),
    ],
)
def test_hostile_or_invalid_input_is_rejected_with_a_reason(text, fragment):
    with pytest.raises(ExprError, match=None) as err:
        evaluate(text, ENV)
    assert fragment.lower() in str(err.value).lower()


def test_degree_counts_the_largest_weight_of_a_product_term():
    w = {"Sp": 1, "Sm": 1, "Sx": 1, "a": 1, "ad": 1, "Sz": 0}
    assert expr.degree("A*(Sp*a + Sm*ad) + 2*D*Sz*n", w) == 2
    assert expr.degree("w*Sz + J/N*Sx^2", w) == 2
    assert expr.degree("cos(t)*Sx*(a + ad)^3", w) == 4
    assert expr.degree("-(Sx)/g", w) == 1
    assert expr.degree("3 + g", w) == 0
    assert expr.degree("Sx^p", w) == expr.MAX_OPERATOR_POWER  # an exponent we cannot know here
