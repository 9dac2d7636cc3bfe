"""Controls that follow the exporter's material: no re-export, and rules on foreign products containing it.

A three-country chain: AAA (the controlling country) mines ore and sells it to BBB, which also
mines some ore of its own, refines metal and sells part of it to CCC. CCC has no supplier but BBB.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import supplyshock as ss
from supplyshock.engine.run import prepare
from supplyshock.network import DatasetMeta, SupplyNetwork
from supplyshock.scenario import Scenario

START = "2025-01-01"


DERIVED = "derived: output / utilisation"


def _chain(bbb_own_ore: float) -> SupplyNetwork:
    """AAA exports 40 t/yr of ore to BBB; BBB mines ``bbb_own_ore`` more, refines it all and sells 10 t of metal to CCC."""
    metal_bbb = (40.0 + bbb_own_ore) / 2.0
    records: dict[str, list[dict[str, Any]]] = {
        "countries": [
            {"country": "AAA", "name": "Controller", "mrio_region": "R1", "market": "inside"},
            {"country": "BBB", "name": "Refiner", "mrio_region": "R2", "market": "outside"},
            {"country": "CCC", "name": "User", "mrio_region": "R2", "market": "outside"},
        ],
        "products": [
            {"product": "ore", "stage": "mining", "name": "Ore", "unit": "t"},
            {"product": "metal", "stage": "refining", "name": "Metal", "unit": "t"},
        ],
        "sectors": [{"sector": "industry", "name": "Industry", "mrio_sector": "MAN", "product": "metal"}],
        "recipes": [
            {"process": "mine", "product": "ore", "role": "output", "quantity": 1.0},
            {"process": "refine", "product": "ore", "role": "input", "quantity": 2.0},
            {"process": "refine", "product": "metal", "role": "output", "quantity": 1.0},
        ],
        "facilities": [
            {"country": "AAA", "process": "mine", "output_t": 40.0, "capacity_t": 0.0, "capacity_source": DERIVED},
            {"country": "BBB", "process": "refine", "output_t": metal_bbb, "capacity_t": 0.0, "capacity_source": DERIVED},
            *(
                [
                    {
                        "country": "BBB",
                        "process": "mine",
                        "output_t": bbb_own_ore,
                        "capacity_t": 0.0,
                        "capacity_source": DERIVED,
                    }
                ]
                if bbb_own_ore
                else []
            ),
        ],
        "trade": [
            {"exporter": "AAA", "importer": "BBB", "product": "ore", "flow_t": 40.0, "transit_days": 10.0},
            {"exporter": "BBB", "importer": "CCC", "product": "metal", "flow_t": 10.0, "transit_days": 10.0},
        ],
        "demand": [
            {"country": "BBB", "sector": "industry", "product": "metal", "demand_t": metal_bbb - 10.0},
            {"country": "CCC", "sector": "industry", "product": "metal", "demand_t": 10.0},
        ],
        "values": [{"country": c, "sector": "industry", "value_usd_per_t": 1000.0} for c in ("BBB", "CCC")],
        "stocks": [{"country": c, "product": p, "cover_days": 20.0} for c in ("AAA", "BBB", "CCC") for p in ("ore", "metal")],
        "prices": [{"product": "metal", "price_usd_per_t": 10_000.0}],
        "parameters": [
            {"name": "utilisation", "value": 0.8, "unit": "share", "description": "test"},
            {"name": "leakage_max", "value": 0.0, "unit": "share", "description": "test: isolate the control"},
        ],
    }
    net = SupplyNetwork.from_records("chain", records, meta=DatasetMeta(name="chain", title="Three-country chain"))
    net.check()
    return net


def _scenario(event: dict[str, Any], days: int = 120) -> Scenario:
    return Scenario.model_validate({"name": "t", "dataset": "chain", "start": START, "horizon_days": days, "events": [event]})


def _ban(**kw: Any) -> dict[str, Any]:
    return {"type": "export_ban", "exporter": "AAA", "products": ["ore", "metal"], "destinations": ["CCC"], "start": START, **kw}


def _link(net: SupplyNetwork, sc: Scenario, exporter: str, importer: str, product: str) -> tuple[int, Any]:
    prep = prepare(sc, network=net)
    lk = prep.links
    ci, pi = net.countries.index, net.products.index
    idx = np.flatnonzero((lk.exporter == ci(exporter)) & (lk.importer == ci(importer)) & (lk.product == pi(product)))
    assert idx.size == 1
    return int(idx[0]), prep.policy


@pytest.mark.parametrize("own_ore", [0.0, 40.0])
def test_extraterritorial_ban_covers_foreign_exports_by_origin_share(own_ore: float) -> None:
    """BBB's metal is made from AAA's ore in proportion 40 / (40 + own ore): that share of BBB -> CCC is banned."""
    net = _chain(own_ore)
    i, pol = _link(net, _scenario(_ban(extraterritorial=True)), "BBB", "CCC", "metal")
    assert pol.ban[10, i] == pytest.approx(40.0 / (40.0 + own_ore))
    i0, pol0 = _link(net, _scenario(_ban()), "BBB", "CCC", "metal")
    assert pol0.ban[10, i0] == 0.0  # without the rule the ban only covers AAA's own links (none to CCC)


def test_extraterritorial_ban_starves_the_third_country() -> None:
    net = _chain(0.0)
    plain = ss.run(_scenario(_ban()), network=net, check=True)
    rule = ss.run(_scenario(_ban(extraterritorial=True)), network=net, check=True)
    short = {k: float(d["shortfall"].sel(country="CCC").sum()) for k, d in (("plain", plain), ("rule", rule))}
    assert short["plain"] == pytest.approx(0.0, abs=1e-9)
    assert short["rule"] > 1.0  # 20 days of cover, then no metal for 100 days (10 t/yr)
    # the controlling country's own exports are not controlled (its ore to BBB is not destined for
    # CCC); BBB orders less ore only because it may no longer sell metal to CCC
    i, pol = _link(net, _scenario(_ban(extraterritorial=True)), "AAA", "BBB", "ore")
    assert pol.ban[:, i].max() == 0.0
    aaa = (rule["link_exporter"] == "AAA").values
    assert rule["trade"].values[..., aaa].sum() < plain["trade"].values[..., aaa].sum()


def test_quota_cannot_be_extraterritorial() -> None:
    with pytest.raises(ValueError, match="extraterritorial"):
        _scenario({"type": "quota", "exporter": "AAA", "products": ["ore"], "start": START, "share_of_baseline": 0.5, "extraterritorial": True})


def test_no_reexport_blocks_spot_offers_of_controlled_origin() -> None:
    """With no_reexport, BBB's supply made from AAA's ore is not offered to other buyers (reexport_block = origin share)."""
    net = _chain(40.0)
    licence = {"type": "licence", "exporter": "AAA", "products": ["ore", "metal"], "start": START, "approval": 0.5, "delay_days": 30}
    _, pol = _link(net, _scenario({**licence, "no_reexport": True}), "BBB", "CCC", "metal")
    b, m = net.countries.index("BBB"), net.products.index("metal")
    assert pol.reexport_block[10, b, m] == pytest.approx(0.5)
    assert pol.reexport_block[10, net.countries.index("AAA")].max() == 0.0  # the exporter itself is not re-exporting
    _, pol0 = _link(net, _scenario(licence), "BBB", "CCC", "metal")
    assert pol0.reexport_block.max() == 0.0
