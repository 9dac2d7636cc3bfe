"""`supplyshock data list`: every embedded dataset, with the built-in scenarios that use it."""

from __future__ import annotations

import json

from click.testing import CliRunner

import supplyshock as ss
from supplyshock.cli import main
from supplyshock.network import list_datasets


def test_data_list_names_every_dataset_and_its_scenarios() -> None:
    res = CliRunner().invoke(main, ["data", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["dataset"]: r for r in json.loads(res.output)}
    assert set(rows) == set(list_datasets())
    for name in ss.builtin_scenarios():
        ds = ss.load_scenario(name).dataset
        for d in ds if isinstance(ds, list) else [ds]:
            assert name in rows[d]["scenarios"].split(", ")
    assert all(r["countries"] > 0 and r["products"] > 0 for r in rows.values())


def test_data_list_table_fits_100_columns() -> None:
    res = CliRunner().invoke(main, ["data", "list"], env={"COLUMNS": "100"}, terminal_width=100)
    assert res.exit_code == 0
    assert max(len(line) for line in res.output.splitlines()) <= 100


def test_sources_accept_every_basis_of_the_schema() -> None:
    res = CliRunner().invoke(main, ["data", "sources", "--basis", "fitted"])
    assert res.exit_code == 0, res.output
    assert "fitted" in res.output.splitlines()[-1]
