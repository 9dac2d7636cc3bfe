"""The seeded synthetic MRIO generator."""

from __future__ import annotations

import numpy as np
import pytest

from supplyshock.economy import ARIOModel, critical_supplier_shock, synthetic_mrio
from supplyshock.errors import ScenarioError


def test_deterministic_and_seed_dependent() -> None:
    a = synthetic_mrio(6, 10, seed=3).mrio
    b = synthetic_mrio(6, 10, seed=3).mrio
    c = synthetic_mrio(6, 10, seed=4).mrio
    np.testing.assert_array_equal(a.Z, b.Z)
    assert not np.allclose(a.Z, c.Z)


def test_balanced_and_valid() -> None:
    case = synthetic_mrio(6, 10, seed=1, n_fd_categories=2)
    m = case.mrio
    assert m.n_industries == 60 and len(m.fd_categories) == 2
    np.testing.assert_allclose(m.Z.sum(1) + m.Y.sum(1), m.x, rtol=1e-10)
    va_share = m.value_added / m.x
    assert va_share.min() >= 0.35 - 1e-9 and va_share.max() <= 0.65 + 1e-9


def test_dominant_supplier_of_critical_product() -> None:
    case = synthetic_mrio(8, 12, seed=5, critical_share=0.7, critical_users=0.5)
    m = case.mrio
    r, s = m.n_regions, m.n_sectors
    z = m.Z.reshape(r, s, r, s)
    crit = z[:, 0].sum(axis=2)  # supplier region x buyer region, product 0
    # dominant region 0 supplies 70 % of every other region and all of its own
    shares = crit / np.where(crit.sum(0) > 0, crit.sum(0), 1)[None, :]
    used = crit.sum(0) > 0
    assert used.all()
    np.testing.assert_allclose(shares[0, 1:][used[1:]], 0.7, rtol=1e-9)
    assert shares[0, 0] == pytest.approx(1.0)
    assert case.dominant_region == "r00_dominant" and case.critical_sector == "s000_critical"


def test_reference_shock_bites() -> None:
    case = synthetic_mrio(5, 8, seed=7, critical_users=0.5)
    res = ARIOModel(case.mrio).run(200, shocks=[critical_supplier_shock(case)])
    assert res.production[0].min(axis=0).min() < 0.99 * res.baseline_production.max()
    assert (res.production[0].min(0) / res.baseline_production).min() < 0.9


def test_bad_arguments() -> None:
    with pytest.raises(ScenarioError):
        synthetic_mrio(2, 10)
    with pytest.raises(ScenarioError):
        synthetic_mrio(5, 10, critical_share=0.99)


@pytest.mark.parametrize(("regions", "sectors"), [(3, 2), (6, 10), (4, 3)])
def test_small_tables_are_valid(regions: int, sectors: int) -> None:
    for seed in range(5):
        m = synthetic_mrio(regions, sectors, seed=seed).mrio
        assert np.isfinite(m.Z).all() and (m.value_added > 0).all()
