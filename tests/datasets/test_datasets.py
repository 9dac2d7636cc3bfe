"""The mineral datasets load, balance, cite a source for every row and label their assumptions."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from datasets_helpers import MINERALS, ROOT

import supplyshock as ss
from supplyshock.network.tables import dataset_dir, list_datasets

BASES = {"reported", "derived", "assumption", "definition"}
PREFIX = {
    "gallium": ("ga_",),
    "germanium": ("ge_",),
    "antimony": ("sb_",),
    "graphite": ("gr_",),
    "tungsten": ("w_",),
    "minor-metals": ("te_", "bi_", "in_", "mo_"),
}


@pytest.fixture(scope="module", params=sorted(MINERALS))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_every_mineral_dataset_is_embedded() -> None:
    assert set(MINERALS) <= set(list_datasets())


def test_loads_and_balances(name: str) -> None:
    net = ss.load_network(name)  # raises DataError if any node does not balance
    bal = net.balance()
    assert bal["ok"].all()
    assert float(bal["relative"].max()) < 1e-9
    assert net.meta is not None and net.meta.base_year == 2024 and net.meta.headlines


def test_every_row_has_a_source_and_a_basis(name: str) -> None:
    net = ss.load_network(name)
    for table, df in net.tables.items():
        if not len(df):
            continue
        assert (df["source"].astype(str).str.strip() != "").all(), table
        if "basis" in df.columns:
            assert set(df["basis"]) <= BASES, (table, set(df["basis"]) - BASES)


def test_assumptions_and_derivations_say_so(name: str) -> None:
    """An assumption's source starts 'assumption' and a derived figure's 'derived'; reported figures cite a facts row."""
    net = ss.load_network(name)
    for table, df in net.tables.items():
        if "basis" not in df.columns or not len(df):
            continue
        for basis, src in zip(df["basis"], df["source"].astype(str), strict=True):
            if basis == "assumption":
                assert src.startswith("assumption"), (table, src[:120])
            elif basis == "derived":
                assert src.startswith("derived"), (table, src[:120])
            elif basis == "reported" and table != "parameters":
                assert "facts.csv" in src, (table, src[:120])


def test_parameter_rows_follow_declared_parameters(name: str) -> None:
    net = ss.load_network(name)
    declared = set(net.tables["parameters"]["name"])
    for src in net.tables["stocks"]["source"]:
        m = re.match(r"assumption: parameter (\S+)", str(src))
        if m:
            assert m.group(1) in declared


def test_codes_carry_the_mineral_prefix(name: str) -> None:
    net = ss.load_network(name)
    prefixes = PREFIX[name]
    for code in [*net.products, *net.sectors, *net.processes]:
        assert code.startswith(prefixes), code
    for p in net.tables["parameters"]["name"]:
        assert p.startswith(prefixes) or p in {"utilisation", "transit_days_long_haul", "transit_days_regional", "transit_days_overland"}, p


def test_codes_are_unique_across_all_embedded_datasets() -> None:
    seen: dict[tuple[str, str], str] = {}
    for name in list_datasets():
        net = ss.load_network(name, check=False)
        for kind, codes in (("product", net.products), ("sector", net.sectors), ("process", net.processes)):
            for code in codes:
                assert (kind, code) not in seen, f"{kind} {code} in {seen.get((kind, code))} and {name}"
                seen[(kind, code)] = name


def test_countries_mean_the_same_in_every_mineral_dataset() -> None:
    names: dict[str, set[str]] = {}
    for name in MINERALS:
        df = ss.load_network(name).tables["countries"]
        for c, n, region, market in zip(df["country"], df["name"], df["mrio_region"], df["market"], strict=True):
            names.setdefault(c, set()).add((n, region, market))
            assert market == ("china" if c == "CHN" else "outside_china")
            assert c in ("EUR", "ROW") or re.fullmatch(r"[A-Z]{3}", c)
    assert {c: v for c, v in names.items() if len(v) > 1} == {}
    # the EU of the risk indicators is DEU + EUR in every dataset
    for name in MINERALS:
        assert {"DEU", "EUR", "ROW", "CHN"} <= set(ss.load_network(name).countries)


def test_shared_parameters_agree_so_datasets_combine() -> None:
    values: dict[str, float] = {}
    for name in MINERALS:
        for k, v in ss.load_network(name).params.items():
            assert values.setdefault(k, v) == v, k


def test_share_of_assumption_rows_is_reported(name: str) -> None:
    """Not a threshold: the share is printed so a reader can follow it (see the READMEs)."""
    net = ss.load_network(name)
    rows = pd.concat([df[["basis"]] for df in net.tables.values() if "basis" in df.columns and len(df)])
    share = float((rows["basis"] == "assumption").mean())
    print(f"{name}: {share:.0%} of {len(rows)} rows are assumptions")
    assert 0 < share < 1


def test_no_event_run_stays_on_the_baseline(name: str) -> None:
    sc = ss.Scenario(name="quiet", dataset=name, start="2025-01-01", horizon_days=120)
    ds = ss.run(sc)
    assert float(ds["shortfall"].sum()) < 1e-6 * float(ds["demand"].sum())
    inv = ds["inventory"].isel(scenario=0, member=0).values
    np.testing.assert_allclose(inv[-1], inv[0], rtol=1e-6, atol=1e-9)


def test_risk_indicators_cover_every_product(name: str) -> None:
    from supplyshock.analysis.risk import eu_supply_risk, load_risk_inputs

    net = ss.load_network(name)
    inputs = load_risk_inputs()
    mapped = set(inputs.material_map["product"])
    unmapped = [p for p in net.products if p not in mapped]
    # synthetic graphite and cells have no EU material (not an EU CRM): the indicators say so
    assert set(unmapped) <= {"gr_synthetic", "gr_cells"}
    eu = eu_supply_risk(net, inputs, on_missing="report")
    assert set(eu["product"]) == set(net.products)
    with_eu_figures = {"gallium", "germanium", "antimony", "graphite", "tungsten"}
    if name in with_eu_figures:
        mapped_rows = eu[eu["material"] != ""]
        assert np.isfinite(mapped_rows["sr"]).all(), mapped_rows[["product", "missing"]]


def test_cli_data_check_and_sources(name: str) -> None:
    out = subprocess.run([sys.executable, "-m", "supplyshock", "data", "check", "--dataset", name], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "balanced:" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "supplyshock", "data", "sources", "--dataset", name, "--basis", "assumption"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr


def test_readme_per_dataset(name: str) -> None:
    text = (dataset_dir(name) / "README.md").read_text(encoding="utf-8")
    for heading in ("## Contents", "## The baseline in numbers", "## Assumptions", "## Known gaps and conflicts"):
        assert heading in text, heading
    assert f"data-raw/build_{MINERALS[name]}.py" in text
    assert (ROOT / "data-raw" / f"build_{MINERALS[name]}.py").is_file()
