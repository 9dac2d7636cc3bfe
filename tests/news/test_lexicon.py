"""Governments and materials: names the press uses, resolved to codes; materials to each dataset's products."""

from __future__ import annotations

import pytest

from supplyshock.network import list_datasets, load_network
from supplyshock.news.datasets import dataset_view
from supplyshock.news.lexicon import material_phrases, nlp
from supplyshock.news.materials import prune_generic, related
from supplyshock.news.mentions import actor_mentions, material_mentions, resolve_actor_text


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Beijing", "CHN"),
        ("China", "CHN"),
        ("MOFCOM", "CHN"),
        ("the Commerce Ministry", "CHN"),
        ("Washington", "USA"),
        ("the White House", "USA"),
        ("the Pentagon", "USA"),
        ("U.S.", "USA"),
        ("US", "USA"),
        ("Tokyo", "JPN"),
        ("the EU", "EU"),
        ("Brussels", "EU"),
        ("Indonesia", "IDN"),
        ("the Democratic Republic of Congo", "COD"),
    ],
)
def test_actor_names(name: str, code: str) -> None:
    assert resolve_actor_text(name) == code


def test_pronoun_us_is_not_the_united_states() -> None:
    assert actor_mentions(nlp().make_doc("He told us nothing.")) == []


def test_eu_maps_to_the_dataset_aggregates() -> None:
    codes, note = dataset_view("rare-earths").countries_for("EU")
    assert set(codes) == {"DEU", "EUR"} and "EU" in note
    assert dataset_view("rare-earths").countries_for("FRA")[0] == ["EUR"]
    assert dataset_view("rare-earths").countries_for("MMR")[0] == ["MML"]


def test_material_phrases() -> None:
    found = material_mentions(nlp().make_doc("rare-earth permanent magnets, NdPr oxide, several critical minerals and coal"))
    assert [m.codes for m in found] == [("rare earth magnets",), ("neodymium", "praseodymium"), ("*",), ("-",)]


def test_material_family() -> None:
    assert prune_generic(["heavy rare earths", "dysprosium", "rare earth magnets"]) == ["dysprosium", "rare earth magnets"]
    assert related(["rare earths"], ["terbium"]) and not related(["gallium"], ["germanium"])


def test_rare_earth_products() -> None:
    view = dataset_view("rare-earths")
    separated = [
        p for p, st in zip(view.net.tables["products"]["product"], view.net.tables["products"]["stage"], strict=True) if st in ("separation", "metal")
    ]
    assert "dy_oxide" in separated and "sm_metal" in separated and "ho_oxide" in separated
    assert view.products(["rare earths"]) == separated
    assert view.products(["dysprosium"]) == ["dy_oxide", "dy_metal"]
    assert view.products(["terbium"]) == ["tb_oxide", "tb_metal"]
    assert view.products(["samarium"]) == ["sm_oxide", "sm_metal", "smco_magnet"]
    assert view.products(["holmium"]) == ["ho_oxide"]
    assert view.products(["erbium"]) == ["er_oxide"] and view.products(["ytterbium"]) == ["yb_oxide"]
    assert view.products(["rare earth magnets"]) == ["ndfeb_magnet", "smco_magnet"]
    assert view.products(["all goods"]) == list(load_network("rare-earths").products)
    assert view.products(["rare earth technology"]) == []


@pytest.mark.parametrize("name", list_datasets())
def test_every_dataset_is_reached_by_the_vocabulary(name: str) -> None:
    """Each embedded dataset has products that a material of the vocabulary maps to (no code change per dataset)."""
    view = dataset_view(name)
    vocabulary = {m for ms in material_phrases().values() for m in ms if m not in ("*", "-", "all goods")}
    assert any(view.products([m]) for m in vocabulary), f"no material of the vocabulary maps to a product of {name}"


def test_new_mineral_datasets_need_no_code() -> None:
    """A dataset added for a mineral is reached through its product names."""
    for name, mineral in (
        ("gallium", "gallium"),
        ("germanium", "germanium"),
        ("antimony", "antimony"),
        ("graphite", "graphite"),
        ("tungsten", "tungsten"),
    ):
        if name in list_datasets():
            assert dataset_view(name).products([mineral]), name
