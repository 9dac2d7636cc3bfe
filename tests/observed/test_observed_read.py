"""Reading the three observed formats into the tidy frame."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from observed_helpers import HEADER, write

from supplyshock.observed import (
    TIDY_COLUMNS,
    ObservedError,
    detect_format,
    load_observed,
    load_series_map,
    monthly,
    normalise_country,
    normalise_unit,
    parse_period,
    read_observed,
)


def row(df: pd.DataFrame, series: str, period: str) -> pd.Series:
    sub = df[(df["series"] == series) & (df["period"] == period)]
    assert len(sub) == 1, (series, period, sub)
    return sub.iloc[0]


def test_long_format(long_file: Path) -> None:
    assert detect_format(long_file) == "long"
    df = read_observed(long_file)
    assert list(df.columns) == list(TIDY_COLUMNS)
    assert len(df) == 6
    r = row(df, "magnets_world", "2025-05")
    assert (r["freq"], r["exporter"], r["importer"], r["unit"]) == ("M", "CHN", "WLD", "t")
    assert r["value"] == 1238 and r["yoy_reported_pct"] == -74 and r["mom_reported_pct"] == -52.9
    assert r["source"] == "press A" and r["file"].startswith("long_v1.csv sha256:") and len(r["file"].split("sha256:")[1]) == 64
    assert isinstance(r["loaded"], pd.Timestamp)
    assert row(df, "magnets_us", "2025-05")["importer"] == "USA"
    de = row(df, "magnets_de", "2025-05")
    assert de["importer"] == "DEU" and math.isnan(de["value"]) and de["yoy_reported_pct"] == -70
    val = row(df, "magnets_value", "2024")
    assert (val["freq"], val["unit"], val["value"]) == ("A", "USD", pytest.approx(2.86e9))
    ytd = row(df, "magnets_ytd", "2025-01..2025-05")
    assert (ytd["freq"], ytd["unit"], ytd["value"]) == ("R", "t", pytest.approx(19132.0))


def test_shipped_file_and_monthly() -> None:
    df = load_observed()
    assert len(df) == 17
    assert set(df["freq"]) == {"M", "A", "R"}
    assert row(df, "china_magnet_exports_to_japan", "2025-05")["importer"] == "JPN"
    s = monthly(df, "china_magnet_exports_total")
    assert isinstance(s.index, pd.PeriodIndex) and s.index.freqstr == "M"
    assert s[pd.Period("2025-05", "M")] == 1238 and s[pd.Period("2025-01", "M")] == 6357 and len(s) == 3
    s2 = monthly(df, "china_magnet_exports_total", implied=True)
    assert s2[pd.Period("2024-05", "M")] == pytest.approx(1238 / (1 - 0.74))
    assert s2[pd.Period("2025-04", "M")] == pytest.approx(1238 / (1 - 0.529))


def test_series_map_covers_the_magnet_series() -> None:
    smap = load_series_map().set_index("series")
    shipped = set(load_observed()["series"])
    assert set(smap.index) == shipped
    for s, importer in [
        ("china_magnet_exports_total", "all"),
        ("china_magnet_exports_to_us", "USA"),
        ("china_magnet_exports_to_germany", "DEU"),
        ("china_magnet_exports_to_japan", "JPN"),
        ("china_magnet_exports_total_annual", "all"),
    ]:
        assert smap.loc[s, "product"] == "ndfeb_magnet" and smap.loc[s, "importer"] == importer and smap.loc[s, "exporter"] == "CHN"
    assert smap.loc["china_rare_earth_exports_17_elements", "product"] == ""
    assert "does not map" in smap.loc["china_rare_earth_exports_17_elements", "note"]
    products = set(pd.read_csv(Path(__file__).parents[2] / "src/supplyshock/data/rare_earths/products.csv")["product"])
    assert set(smap["product"]) - {""} <= products


def test_comtrade_plus_layout(tmp_path: Path) -> None:
    f = write(
        tmp_path / "comtrade.csv",
        "freqCode,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,flowCode,partnerCode,partnerISO,partnerDesc,"
        "partner2Code,cmdCode,cmdDesc,motCode,customsCode,qtyUnitAbbr,qty,netWgt,primaryValue\n"
        "M,2025,5,202505,156,CHN,China,X,842,USA,USA,0,850511,Permanent magnets,0,C00,kg,46400,46400,2500000\n"
        "M,2025,5,202505,156,CHN,China,X,0,W00,World,0,850511,Permanent magnets,0,C00,kg,1238000,1238000,60000000\n"
        "M,2025,5,202505,156,CHN,China,X,842,USA,USA,0,850511,Permanent magnets,1000,C00,kg,40000,40000,2000000\n"
        "M,2025,5,202505,276,DEU,Germany,M,156,CHN,China,0,850511,Permanent magnets,0,C00,kg,,200000,9000000\n"
        "M,2025,5,202505,276,DEU,Germany,M,156,CHN,China,0,280530,Rare-earth metals,0,C00,kg,,5000,100000\n",
    )
    assert detect_format(f) == "comtrade"
    df = read_observed(f, hs=["8505"])
    us_t = row(df, "comtrade_chn_x_usa_850511_t", "2025-05")
    assert (us_t["value"], us_t["unit"], us_t["freq"], us_t["exporter"], us_t["importer"]) == (pytest.approx(46.4), "t", "M", "CHN", "USA")
    assert row(df, "comtrade_chn_x_usa_850511_usd", "2025-05")["value"] == 2_500_000  # the motCode 1000 breakdown is dropped
    assert row(df, "comtrade_chn_x_wld_850511_t", "2025-05")["importer"] == "WLD"
    de = row(df, "comtrade_deu_m_chn_850511_t", "2025-05")
    assert (de["exporter"], de["importer"], de["value"]) == ("CHN", "DEU", pytest.approx(200.0))
    assert not df["series"].str.contains("280530").any()
    assert de["product"] == "HS 850511: Permanent magnets" and de["source"].startswith("UN Comtrade")


def test_comtrade_legacy_layout(tmp_path: Path) -> None:
    f = write(
        tmp_path / "legacy.csv",
        "Year,Period,Trade Flow Code,Reporter Code,Reporter ISO,Partner Code,Partner ISO,Commodity Code,Commodity,Netweight (kg),Trade Value (US$)\n"
        "2019,2019,2,156,CHN,842,USA,850511,Magnets,4593000,100000000\n"
        "2018,2018,2,156,CHN,842,USA,850511,Magnets,4103000,90000000\n",
    )
    df = read_observed(f, "comtrade")
    r = row(df, "comtrade_chn_x_usa_850511_t", "2019")
    assert (r["freq"], r["value"]) == ("A", pytest.approx(4593.0))
    assert row(df, "comtrade_chn_x_usa_850511_usd", "2018")["value"] == 90_000_000


def test_baci(tmp_path: Path) -> None:
    f = write(
        tmp_path / "BACI_HS17_Y2022_V202401.csv",
        "t,i,j,k,v,q\n2022,156,842,850511,350000.5,7000.25\n2022,156,276,850511,300000,         NA\n2022,156,999,10121,1.5,2\n",
    )
    write(
        tmp_path / "country_codes_V202401.csv",
        "country_code,country_name,country_iso2,country_iso3\n156,China,CN,CHN\n842,USA,US,USA\n276,Germany,DE,DEU\n",
    )
    assert detect_format(f) == "baci"
    df = read_observed(f)
    assert row(df, "baci_chn_usa_850511_usd", "2022")["value"] == pytest.approx(350_000_500.0)
    t = row(df, "baci_chn_usa_850511_t", "2022")
    assert (t["value"], t["unit"], t["freq"], t["exporter"], t["importer"]) == (pytest.approx(7000.25), "t", "A", "CHN", "USA")
    assert "baci_chn_deu_850511_t" not in set(df["series"])  # quantity NA
    assert row(df, "baci_chn_999_010121_usd", "2022")["product"] == "HS 010121"


@pytest.mark.parametrize(
    ("line", "field", "needle"),
    [
        ("2025-05,s,China,World,p,10,pounds,,,src,\n", "unit", "unknown unit 'pounds'"),
        ("May 2025,s,China,World,p,10,t,,,src,\n", "period", "cannot parse period"),
        ("2025-13,s,China,World,p,10,t,,,src,\n", "period", "month 13"),
        ("2025-05,s,China,World,p,ten,t,,,src,\n", "value", "not a number"),
        ("2025-05,s,China,World,p,,t,,,src,\n", "value", "neither a value"),
    ],
)
def test_bad_cells_name_file_line_and_field(tmp_path: Path, line: str, field: str, needle: str) -> None:
    f = write(tmp_path / "bad.csv", HEADER + "2025-04,s,China,World,p,10,t,,,src,\n" + line)
    with pytest.raises(ObservedError) as info:
        read_observed(f)
    msg = str(info.value)
    assert "bad.csv" in msg and "line 3" in msg and f"'{field}'" in msg and needle in msg


def test_helpers() -> None:
    assert parse_period("2025-05") == ("2025-05", "M")
    assert parse_period("202505") == ("2025-05", "M")
    assert parse_period("2024") == ("2024", "A")
    assert parse_period("2025-01..2025-05") == ("2025-01..2025-05", "R")
    with pytest.raises(ValueError):
        parse_period("2025-05..2025-01")
    assert normalise_unit("USD thousand") == ("USD", 1000.0)
    assert normalise_unit("kg") == ("t", 0.001)
    assert normalise_unit(" Tonnes ") == ("t", 1.0)
    assert [normalise_country(x) for x in ("China", "United States", "Germany", "Japan", "World", "W00", "0", "842", "Narnia")] == [
        "CHN",
        "USA",
        "DEU",
        "JPN",
        "WLD",
        "WLD",
        "WLD",
        "USA",
        "Narnia",
    ]


def test_unknown_format(tmp_path: Path) -> None:
    f = write(tmp_path / "x.csv", "a,b\n1,2\n")
    with pytest.raises(ObservedError, match="cannot tell the format"):
        read_observed(f)
    with pytest.raises(ObservedError, match=r"no shipped observed file|does not exist"):
        load_observed("no-such-name")
