"""Power-law fits (qbattery.scaling): exact recovery, windows, errors, standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from qbattery.scaling import fit_offset_power_law, fit_power_law, fit_window, local_exponents


@pytest.mark.parametrize(
    ("alpha", "beta"), [(0.5, 4.3706), (1.5, 0.72), (1.4540, 11.3456), (-0.7, 3.0), (0.0, 2.0)]
)
def test_exact_power_law_is_recovered(alpha, beta):
    x = np.arange(1, 51, dtype=float)
    fit = fit_power_law(x, beta * x**alpha)
    assert fit.alpha == pytest.approx(alpha, abs=1e-12)
    assert fit.beta == pytest.approx(beta, rel=1e-12)
    assert fit.alpha_se < 1e-12 and fit.beta_se < 1e-10
    assert fit.max_residual < 1e-12
    assert fit.n == 50 and fit.x_min == 1 and fit.x_max == 50
    np.testing.assert_allclose(fit(x), beta * x**alpha, rtol=1e-12)


def test_window_selects_points_inclusively():
    x = np.arange(1, 81, dtype=float)
    # a law that changes at x = 20: only the window [20, 80] is a clean power law
    y = np.where(x < 20, 3 * x, 2.0 * x**0.5)
    fit = fit_window(x, y, 20, 80)
    assert fit.n == 61 and fit.x_min == 20 and fit.x_max == 80
    assert fit.alpha == pytest.approx(0.5, abs=1e-12)
    assert fit.beta == pytest.approx(2.0, rel=1e-12)
    assert fit_window(x, y, hi=19).alpha == pytest.approx(1.0, abs=1e-12)
    assert fit_window(x, y).n == 80


def test_standard_errors_match_the_scatter():
    """With ln-normal noise of known size, se(α) is the OLS formula and covers the truth."""
    rng = np.random.default_rng(1)
    x = np.geomspace(1, 100, 40)
    sigma = 0.05
    alphas, ses = [], []
    for _ in range(400):
        y = 2.5 * x**1.3 * np.exp(sigma * rng.standard_normal(len(x)))
        f = fit_power_law(x, y)
        alphas.append(f.alpha)
        ses.append(f.alpha_se)
    lx = np.log(x)
    expected = sigma / np.sqrt(np.sum((lx - lx.mean()) ** 2))
    assert np.std(alphas) == pytest.approx(expected, rel=0.15)
    assert np.mean(ses) == pytest.approx(expected, rel=0.1)
    assert np.mean(alphas) == pytest.approx(1.3, abs=4 * expected / np.sqrt(400))


def test_slope_weights_reproduce_alpha():
    x = np.arange(20, 81, dtype=float)
    y = 4.37 * x**0.5013 * (1 + 0.01 * np.sin(x))
    f = fit_power_law(x, y)
    assert np.dot(f.slope_weights(x), np.log(y)) == pytest.approx(f.alpha, abs=1e-13)
    assert np.sum(f.slope_weights(x)) == pytest.approx(0, abs=1e-13)


def test_two_points_give_nan_errors():
    f = fit_power_law([1, 4], [2, 16])
    assert f.alpha == pytest.approx(1.5) and f.beta == pytest.approx(2)
    assert np.isnan(f.alpha_se) and np.isnan(f.beta_se)


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([1.0], [1.0], "two points"),
        ([1, 2], [1, 2, 3], "differ"),
        ([0, 1, 2], [1, 2, 3], "positive"),
        ([1, 2, 3], [1, -2, 3], "positive"),
        ([1, 2, np.nan], [1, 2, 3], "finite"),
        ([2, 2, 2], [1, 2, 3], "distinct"),
    ],
)
def test_bad_input_is_refused(x, y, match):
    with pytest.raises(ValueError, match=match):
        fit_power_law(x, y)


def test_window_with_too_few_points():
    with pytest.raises(ValueError, match="fewer than two"):
        fit_window([1, 2, 3], [1, 2, 3], 2.5, 2.9)


def test_local_exponents():
    x = np.array([4.0, 1.0, 2.0, 8.0])
    mid, slope = local_exponents(x, 3 * x**1.5)
    np.testing.assert_allclose(slope, 1.5, atol=1e-12)
    np.testing.assert_allclose(mid, [np.sqrt(2), np.sqrt(8), np.sqrt(32)], rtol=1e-12)


def test_offset_power_law_fit_recovers_its_parameters():
    ns = np.array([8, 12, 16, 24, 32, 48, 64])
    d = 4.7 * (ns + 17.0) ** -1.0
    fit = fit_offset_power_law(ns, d)
    assert fit["p"] == pytest.approx(1.0, abs=1e-4)
    assert fit["N0"] == pytest.approx(17.0, abs=1e-2)
    d = 2.0 * (ns + 3.0) ** -0.5
    assert fit_offset_power_law(ns, d)["p"] == pytest.approx(0.5, abs=1e-4)
