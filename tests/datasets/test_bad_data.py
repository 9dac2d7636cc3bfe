"""Bad mineral data and bad scenarios stop with a clear error naming the file, the field or the code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.errors import DataError, ScenarioError
from supplyshock.network.tables import dataset_dir


@pytest.fixture
def gallium_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "gallium"
    shutil.copytree(dataset_dir("gallium"), folder)
    return folder


def _read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, table: str, df: pd.DataFrame) -> None:
    df.to_csv(folder / f"{table}.csv", index=False)


def test_missing_stage_product(gallium_copy: Path) -> None:
    """Drop the refined-gallium stage from products.csv: the recipes that use it are named."""
    products = _read(gallium_copy, "products")
    _write(gallium_copy, "products", products[products["product"] != "ga_refined"])
    with pytest.raises(DataError, match=r"recipes\.csv: line \d+, field 'product': unknown product 'ga_refined'"):
        ss.load_network(str(gallium_copy))


def test_missing_stage_process(gallium_copy: Path) -> None:
    """Drop the refining process from recipes.csv: the facilities that run it are named."""
    recipes = _read(gallium_copy, "recipes")
    _write(gallium_copy, "recipes", recipes[recipes["process"] != "ga_refining"])
    with pytest.raises(DataError, match=r"facilities\.csv: line \d+, field 'process': unknown process 'ga_refining'"):
        ss.load_network(str(gallium_copy))


def _add_recipe_without_producer(folder: Path, output_t: str) -> None:
    products = _read(folder, "products")
    products.loc[len(products)] = {"product": "ga_tmga", "stage": "precursor", "name": "Trimethylgallium", "unit": "t Ga", "source": "definition"}
    _write(folder, "products", products)
    recipes = _read(folder, "recipes")
    for product, role in (("ga_tmga", "input"), ("ga_wafer", "output")):
        recipes.loc[len(recipes)] = {"process": "ga_epi", "product": product, "role": role, "quantity": "1", "basis": "definition", "source": "test"}
    _write(folder, "recipes", recipes)
    fac = _read(folder, "facilities")
    row = fac.iloc[0].to_dict() | {
        "country": "KOR",
        "process": "ga_epi",
        "output_t": output_t,
        "capacity_t": "5",
        "capacity_source": "reported: test",
    }
    fac.loc[len(fac)] = row
    _write(folder, "facilities", fac)


def test_running_recipe_whose_input_nobody_makes_is_named(gallium_copy: Path) -> None:
    """A running process whose input no country makes or imports: the input, the process and the facility are named."""
    _add_recipe_without_producer(gallium_copy, output_t="2")
    with pytest.raises(DataError, match=r"recipes\.csv: process 'ga_epi' needs input 'ga_tmga'.*KOR/ga_epi \(.*facilities\.csv line \d+"):
        ss.load_network(str(gallium_copy))


def test_idle_recipe_whose_input_nobody_makes_is_an_error(gallium_copy: Path) -> None:
    """An idle process (output 0, capacity 5) whose input nobody makes balances, but can never run: refused."""
    _add_recipe_without_producer(gallium_copy, output_t="0")
    with pytest.raises(DataError, match=r"recipes\.csv: process 'ga_epi' needs input 'ga_tmga', which no country produces") as exc:
        ss.load_network(str(gallium_copy))
    assert "facilities.csv line" in str(exc.value) and "Add a producer of 'ga_tmga'" in str(exc.value)
    # also with the balance check off (as the commands that only show data load it)
    with pytest.raises(DataError, match="ga_tmga"):
        ss.load_network(str(gallium_copy), check=False)


def test_input_with_an_idle_producer_runs_into_the_balance(gallium_copy: Path) -> None:
    """The input can be made (an idle producer has capacity) but nobody makes it at baseline: the balance names the node."""
    _add_recipe_without_producer(gallium_copy, output_t="2")
    recipes = _read(gallium_copy, "recipes")
    recipes.loc[len(recipes)] = {
        "process": "ga_tmga_synthesis",
        "product": "ga_tmga",
        "role": "output",
        "quantity": "1",
        "basis": "definition",
        "source": "test",
    }
    _write(gallium_copy, "recipes", recipes)
    fac = _read(gallium_copy, "facilities")
    fac.loc[len(fac)] = fac.iloc[0].to_dict() | {
        "country": "JPN",
        "process": "ga_tmga_synthesis",
        "output_t": "0",
        "capacity_t": "5",
        "capacity_source": "reported: test",
    }
    _write(gallium_copy, "facilities", fac)
    with pytest.raises(DataError, match=r"baseline does not balance for 2 \(country, product\) pair\(s\); first: KOR/"):
        ss.load_network(str(gallium_copy))


def test_missing_source_is_named(gallium_copy: Path) -> None:
    trade = _read(gallium_copy, "trade")
    trade.loc[2, "source"] = ""
    _write(gallium_copy, "trade", trade)
    with pytest.raises(DataError, match=r"trade\.csv: line 4, field 'source' is empty"):
        ss.load_network(str(gallium_copy))


def _scenario(tmp_path: Path, dataset: str, products: str, exporter: str = "CHN") -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(
        f"""name: bad
dataset: {dataset}
start: 2025-01-01
horizon_days: 30
events:
  - type: export_ban
    exporter: {exporter}
    products: {products}
    destinations: all
    start: 2025-01-10
""",
        encoding="utf-8",
    )
    return path


def test_unknown_product_in_a_scenario(tmp_path: Path) -> None:
    _, problems = ss.validate_file(str(_scenario(tmp_path, "gallium", "[ga_primary, ga_unobtainium]")))
    text = "\n".join(str(p) for p in problems)
    assert "events[0].products[1]" in text and "ga_unobtainium" in text


def test_product_of_another_mineral_in_a_scenario(tmp_path: Path) -> None:
    """An antimony product on the gallium dataset is unknown there (and named)."""
    with pytest.raises(ScenarioError, match="sb_metal"):
        ss.load_scenario(str(_scenario(tmp_path, "gallium", "[sb_metal]")))


def test_unknown_country_in_a_scenario(tmp_path: Path) -> None:
    _, problems = ss.validate_file(str(_scenario(tmp_path, "tungsten", "[w_apt]", exporter="XXX")))
    assert any("events[0].exporter" in str(p) and "XXX" in str(p) for p in problems)


def test_unknown_dataset_in_a_scenario(tmp_path: Path) -> None:
    _, problems = ss.validate_file(str(_scenario(tmp_path, "hafnium", "[hf_metal]")))
    assert any("hafnium" in str(p) for p in problems)


def test_unknown_dataset_in_a_combined_scenario(tmp_path: Path) -> None:
    _, problems = ss.validate_file(str(_scenario(tmp_path, "[gallium, hafnium]", "[ga_primary]")))
    assert any("hafnium" in str(p) for p in problems)


def test_combining_a_dataset_with_itself_names_the_clash(gallium_copy: Path) -> None:
    with pytest.raises(DataError, match="ga_primary"):
        ss.load_network(["gallium", str(gallium_copy)])
