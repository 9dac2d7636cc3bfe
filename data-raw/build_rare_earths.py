"""Build the embedded `rare-earths` dataset (2024 baseline) from ../shared/data.

Run from the repository root::

    python data-raw/build_rare_earths.py [--shared ../shared/data] [--check]

Every figure written carries a ``basis`` (reported | derived | assumption) and a
``source``: the source of a reported figure is the row it was read from; a derived
figure names the figures it was computed from and how; an assumption says so and names
the scenario key that overrides it. ``--check`` rebuilds into memory and fails if the
shipped CSVs differ (used by the test suite when ../shared is present).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "supplyshock" / "data" / "rare_earths"

COUNTRIES = [
    ("CHN", "China", "CHN"),
    ("MML", "Myanmar and Laos", "RoW_agg"),
    ("USA", "United States", "USA"),
    ("AUS", "Australia", "RoW_agg"),
    ("MYS", "Malaysia", "RoW_agg"),
    ("JPN", "Japan", "JPN"),
    ("DEU", "Germany", "DEU"),
    ("EUR", "European Union excluding Germany", "EU_other"),
    ("KOR", "South Korea", "KOR"),
    ("VNM", "Vietnam", "RoW_agg"),
    ("IND", "India", "RoW_agg"),
    ("ROW", "Rest of world", "RoW_agg"),
]
DEPOSITS = ["bastnaesite", "monazite", "ionic"]
PRODUCTS = [
    ("conc_bastnaesite", "mining", "Bastnaesite-type concentrate (light rare earths: Bayan Obo, Sichuan, Mountain Pass, loparite)", "t REO"),
    ("conc_monazite", "mining", "Monazite concentrate (Mount Weld, mineral sands, tin tailings)", "t REO"),
    ("conc_ionic", "mining", "Ion-adsorption clay concentrate and mixed heavy-RE oxides (southern China, Myanmar, Laos)", "t REO"),
    ("ndpr_oxide", "separation", "Separated NdPr oxide (light rare earth, magnet grade)", "t"),
    ("dy_oxide", "separation", "Dysprosium oxide (heavy rare earth; controlled from 4 Apr 2025)", "t"),
    ("tb_oxide", "separation", "Terbium oxide, Tb4O7 (heavy rare earth; controlled from 4 Apr 2025)", "t"),
    ("sm_oxide", "separation", "Samarium oxide (medium rare earth; controlled from 4 Apr 2025)", "t"),
    ("gd_oxide", "separation", "Gadolinium oxide (heavy rare earth; controlled from 4 Apr 2025)", "t"),
    ("y_oxide", "separation", "Yttrium oxide (heavy rare earth; controlled from 4 Apr 2025)", "t"),
    ("lu_oxide", "separation", "Lutetium oxide (heavy rare earth; controlled from 4 Apr 2025)", "t"),
    (
        "sc_oxide",
        "separation",
        "Scandium oxide (rare earth; a by-product of nickel, titanium and uranium processing; controlled from 4 Apr 2025)",
        "t",
    ),
    ("ho_oxide", "separation", "Holmium oxide (heavy rare earth; listed on 9 Oct 2025)", "t"),
    ("er_oxide", "separation", "Erbium oxide (heavy rare earth; listed on 9 Oct 2025)", "t"),
    ("tm_oxide", "separation", "Thulium oxide (heavy rare earth; listed on 9 Oct 2025)", "t"),
    ("eu_oxide", "separation", "Europium oxide (medium rare earth; listed on 9 Oct 2025)", "t"),
    ("yb_oxide", "separation", "Ytterbium oxide (heavy rare earth; listed on 9 Oct 2025)", "t"),
    ("ndpr_metal", "metal", "NdPr metal and alloy (light rare earth)", "t"),
    ("dy_metal", "metal", "Dysprosium metal and Dy-Fe alloy (heavy rare earth; controlled from 4 Apr 2025)", "t"),
    ("tb_metal", "metal", "Terbium metal (heavy rare earth; controlled from 4 Apr 2025)", "t"),
    ("sm_metal", "metal", "Samarium metal (medium rare earth; controlled from 4 Apr 2025)", "t"),
    ("ndfeb_magnet", "magnet", "Sintered NdFeB permanent magnets", "t"),
    ("smco_magnet", "magnet", "Samarium-cobalt permanent magnets (controlled from 4 Apr 2025)", "t"),
    ("y_coating", "coating", "Yttria and yttria-stabilised zirconia coating powders (t Y2O3 content)", "t Y2O3"),
    ("pm_motor", "component", "Permanent-magnet traction motors and e-axle drive units (t NdFeB content)", "t"),
    ("pm_device", "component", "Smartphones and other consumer electronics with NdFeB magnets (t NdFeB content)", "t"),
    ("pm_auto_part", "component", "Automotive parts with NdFeB magnets other than drive units: EPS, pumps, small motors (t NdFeB content)", "t"),
]
# sector, name, WIOD sector, product, priority (1 = served first within a country)
SECTORS = [
    ("ev_traction", "EV traction motors", "TRN", "ndfeb_magnet", 2),
    ("other_automotive", "Other automotive (EPS, pumps, sensors, ICE vehicles)", "TRN", "ndfeb_magnet", 2),
    ("wind", "Wind turbine generators", "ELE", "ndfeb_magnet", 2),
    ("industrial_appliances", "Industrial motors and appliances (incl. inverter air-conditioners, elevators)", "ELE", "ndfeb_magnet", 2),
    ("consumer_electronics", "Consumer electronics", "ELE", "ndfeb_magnet", 2),
    ("defence_aerospace", "Defence and aerospace (NdFeB)", "TRN", "ndfeb_magnet", 1),
    ("other", "Other uses (sensors, speakers, medical and other equipment)", "ELE", "ndfeb_magnet", 2),
    ("smco_defence", "Defence and aerospace (SmCo: guided munitions, aircraft actuators, satellites)", "TRN", "smco_magnet", 1),
    ("smco_industrial", "Industrial, medical and automotive uses of SmCo magnets (high-temperature motors and sensors)", "ELE", "smco_magnet", 2),
    ("sm_other", "Other samarium uses (Sm-153 radiopharmaceuticals, catalysts, ceramics)", "OMF", "sm_oxide", 2),
    ("dy_other", "Other dysprosium uses (capacitor dopants, Terfenol-D, lamps, nuclear)", "ELE", "dy_oxide", 2),
    ("tb_other", "Other terbium uses (green phosphors, Terfenol-D)", "ELE", "tb_oxide", 2),
    ("y_turbine_coatings", "Thermal-barrier coatings of jet-engine and gas-turbine blades (YSZ)", "TRN", "y_coating", 2),
    ("y_semiconductor", "Yttria coatings of semiconductor plasma-etch chambers", "ELE", "y_coating", 2),
    ("y_other", "Other yttrium uses (YAG lasers, phosphors, oxygen sensors and ceramics, alloys)", "ELE", "y_oxide", 2),
    ("gd_medical", "MRI contrast agents (gadolinium)", "OMF", "gd_oxide", 2),
    ("gd_other", "Other gadolinium uses (magnet alloys, nuclear burnable absorbers, phosphors)", "ELE", "gd_oxide", 2),
    ("lu_medical", "PET scintillators (LSO/LYSO) and Lu-177 radiopharmaceuticals", "ELE", "lu_oxide", 2),
    ("lu_other", "Other lutetium uses (catalysts)", "OMF", "lu_oxide", 2),
    ("sc_sofc", "Solid-oxide fuel cells (scandia-stabilised zirconia)", "ELE", "sc_oxide", 2),
    ("sc_alloys", "Aluminium-scandium alloys (aerospace, defence)", "TRN", "sc_oxide", 2),
    ("sc_rf", "ScAlN RF filters (5G front ends)", "ELE", "sc_oxide", 2),
    ("ho_users", "Holmium uses (Ho-Fe magnet additive, Ho:YAG medical lasers, control rods)", "ELE", "ho_oxide", 2),
    ("er_fibre", "Erbium-doped fibre amplifiers and fibre lasers (telecoms, submarine cables)", "ELE", "er_oxide", 2),
    ("er_other", "Other erbium uses (glass colourant, IR optics)", "OMF", "er_oxide", 2),
    ("tm_users", "Thulium uses (medical lasers, X-ray sources)", "ELE", "tm_oxide", 2),
    ("eu_users", "Europium uses (red phosphors, control rods)", "ELE", "eu_oxide", 2),
    ("yb_users", "Ytterbium uses (fibre lasers, catalysts, nuclear-medicine targets)", "ELE", "yb_oxide", 2),
    ("ev_drive_units", "EV traction motors and e-axles bought from other countries (t NdFeB content)", "TRN", "pm_motor", 2),
    ("electronics_devices", "Smartphones and consumer electronics bought from other countries (t NdFeB content)", "ELE", "pm_device", 2),
    (
        "auto_parts",
        "Automotive parts with magnets (EPS, pumps, small motors) bought from other countries (t NdFeB content)",
        "TRN",
        "pm_auto_part",
        2,
    ),
]
#: IUPAC 2021 standard atomic weights
ATOMIC = {"O": 15.999, "Nd": 144.242, "Pr": 140.908, "Sm": 150.36, "Tb": 158.925, "Dy": 162.500}


class Shared:
    """Look-ups into ../shared/data that return a value and its source string."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, list[dict[str, str]]] = {}

    def rows(self, name: str) -> list[dict[str, str]]:
        if name not in self._cache:
            with open(self.root / name, newline="", encoding="utf-8") as fh:
                self._cache[name] = list(csv.DictReader(fh))
        return self._cache[name]

    def get(self, name: str, value_col: str, **filters: str) -> tuple[float, str]:
        hits = [r for r in self.rows(name) if all(r.get(k) == v for k, v in filters.items())]
        if len(hits) != 1:
            raise SystemExit(f"{name}: expected one row for {filters}, found {len(hits)}")
        row = hits[0]
        return float(row[value_col]), f"{row['source']} [{name}: {', '.join(f'{k}={v}' for k, v in filters.items())}]"

    def get_range(self, name: str, **filters: str) -> tuple[float, float, float, str]:
        """(value, low, high, source) of a row with value_low/value_high columns (the value where no range is given)."""
        v, src = self.get(name, "value", **filters)
        row = next(r for r in self.rows(name) if all(r.get(k) == x for k, x in filters.items()))
        lo = float(row["value_low"]) if row.get("value_low", "").strip() else v
        hi = float(row["value_high"]) if row.get("value_high", "").strip() else v
        return v, lo, hi, src


def r(x: float, nd: int = 9) -> float:
    return round(x, nd)


FACTS = ROOT / "data-raw" / "fidelity" / "facts.csv"


def fact(index: int) -> tuple[float, float, float, str]:
    """(value, low, high, source) of a row of data-raw/fidelity/facts.csv (by its 0-based row index)."""
    rows = list(csv.DictReader(FACTS.read_text(encoding="utf-8").splitlines()))
    row = rows[index]

    def num(key: str) -> float:
        return float(row[key]) if row[key].strip() else float("nan")

    src = f"{row['source']} [data-raw/fidelity/facts.csv row {index}: {row['subject']}, {row['metric']}]"
    return num("value"), num("value_low"), num("value_high"), src


ELEMENT_FACTS = ROOT / "data-raw" / "minerals" / "rare_earth_elements" / "facts.csv"


def element_fact(index: int) -> tuple[float, float, float, str]:
    """(value, low, high, source) of a row of data-raw/minerals/rare_earth_elements/facts.csv (0-based)."""
    rows = list(csv.DictReader(ELEMENT_FACTS.read_text(encoding="utf-8").splitlines()))
    row = rows[index]

    def num(key: str) -> float:
        return float(row[key]) if row[key].strip() else float("nan")

    src = f"{row['source']} [data-raw/minerals/rare_earth_elements/facts.csv row {index}: {row['subject']}, {row['metric']}]"
    return num("value"), num("value_low"), num("value_high"), src


def fact_by(subject: str, metric: str | None = None) -> tuple[float, float, float, str]:
    """(value, low, high, source) of the one row of data-raw/fidelity/facts.csv with this subject (and metric)."""
    rows = list(csv.DictReader(FACTS.read_text(encoding="utf-8").splitlines()))
    hits = [i for i, row in enumerate(rows) if row["subject"] == subject and (metric is None or row["metric"] == metric)]
    if len(hits) != 1:
        raise SystemExit(f"{FACTS}: expected one row with subject {subject!r}, found {len(hits)}")
    return fact(hits[0])


def element_fact_by(subject: str, metric: str | None = None) -> tuple[float, float, float, str]:
    """(value, low, high, source) of the one row of rare_earth_elements/facts.csv with this subject (and metric)."""
    rows = list(csv.DictReader(ELEMENT_FACTS.read_text(encoding="utf-8").splitlines()))
    hits = [i for i, row in enumerate(rows) if row["subject"] == subject and (metric is None or row["metric"] == metric)]
    if len(hits) != 1:
        raise SystemExit(f"{ELEMENT_FACTS}: expected one row with subject {subject!r}, found {len(hits)}")
    return element_fact(hits[0])


def build(shared_root: Path) -> dict[str, list[dict[str, Any]]]:
    sh = Shared(shared_root)
    tables: dict[str, list[dict[str, Any]]] = {}
    params: list[dict[str, Any]] = []

    def param(name: str, value: float, unit: str, basis: str, source: str, description: str) -> float:
        params.append({"name": name, "value": value, "unit": unit, "basis": basis, "source": source, "description": description})
        return value

    # ------------------------------------------------------------------ mining by deposit type (t REO, 2024)
    def mine(country: str) -> tuple[float, str]:
        return sh.get("rare_earth_production.csv", "value_t_reo", country=country, year="2024", metric="mine_production", preferred="yes")

    # (country, deposit) -> (t REO, basis, source)
    mining: dict[tuple[str, str], tuple[float, str, str]] = {}
    chn_total, s_chn = mine("China")
    ionic_q, ionic_lo, _ionic_hi, s_ionic_q = fact_by("China mining quota for ion-adsorption (medium/heavy) clay ores, full year 2024 (derived)")
    _light_q, _, _, s_light_q = fact_by("China mining quota for hard-rock (light) ores, full year 2024 (derived)")
    _, _, _, s_types = fact_by("rare-earth minerals exploited commercially, by country (qualitative)")
    _, _, _, s_minor_types = fact_by("deposit type of minor producers' 2024 output (qualitative)")
    param(
        "ionic_quota_t",
        ionic_q,
        "t REO",
        "derived",
        f"derived: China's 2024 quota for ion-adsorption clay ores, twice the first batch (range {ionic_lo:.0f}-{ionic_q:.0f}) [{s_ionic_q}]; "
        "rebuild data-raw/build_rare_earths.py to change it (it splits China's mining between ionic and hard-rock ores)",
        "China's 2024 mining of ion-adsorption (HREE-bearing) clays, t REO; the rest of China's quota is hard-rock bastnaesite ore",
    )
    mining[("CHN", "ionic")] = (ionic_q, "derived", f"derived: China's 2024 ionic-clay quota (parameter ionic_quota_t) [{s_ionic_q}]")
    mining[("CHN", "bastnaesite")] = (
        chn_total - ionic_q,
        "derived",
        f"derived: China's 2024 mine production {chn_total:.0f} t (the state quota) [{s_chn}] minus the ionic-clay quota {ionic_q:.0f} t: "
        f"hard-rock ores of Bayan Obo (bastnaesite-monazite) and Sichuan/Shandong (bastnaesite) [{s_light_q}; {s_types}]",
    )
    for code, usgs, dep, why in [
        ("USA", "United States", "bastnaesite", "Mountain Pass bastnaesite"),
        ("AUS", "Australia", "monazite", "Mount Weld monazite-rich laterite (Lynas) and mineral sands"),
        ("MML", "Burma", "ionic", "Kachin ion-adsorption clays; Myanmar ships mixed heavy-RE oxides and carbonates to China"),
        ("IND", "India", "monazite", "IREL beach-sand monazite"),
        ("VNM", "Vietnam", "bastnaesite", "bastnaesite-type carbonatite ore (Dong Pao)"),
        ("MYS", "Malaysia", "monazite", "monazite and xenotime from tin tailings"),
    ]:
        v, s = mine(usgs)
        type_src = s_types if code in ("USA", "AUS", "MML") else s_minor_types
        if code == "MML":
            _, _, _, s_mm = fact_by("China mixed rare-earth oxide imports 2023 by origin: Myanmar")
            type_src += f"; {s_mm}"
        mining[(code, dep)] = (v, "reported", f"{s} (deposit type: {why} [{type_src}])")
    # ROW by deposit type
    _, _, _, s_mdg = fact_by("China monazite imports 2023 by origin: Madagascar")
    _, _, _, s_lao = fact_by("China mixed rare-earth carbonate imports 2023 by origin: Laos")
    row_parts = {
        "monazite": (["Madagascar", "Nigeria", "Thailand"], f"monazite shipped to China [{s_mdg}]"),
        "bastnaesite": (["Russia"], f"Lovozero loparite (light rare earths, treated as bastnaesite-type) [{s_types}]"),
        "ionic": (["Brazil", "Other countries"], f"ion-adsorption clays (Brazil; 'Other countries' mainly Laos) [{s_lao}; {s_minor_types}]"),
    }
    for dep, (names, why) in row_parts.items():
        tot = sum(mine(n)[0] for n in names)
        mining[("ROW", dep)] = (
            tot,
            "derived",
            "derived: sum of USGS MCS2026 2024 mine production of " + ", ".join(names) + f" [rare_earth_production.csv, preferred=yes]; {why}",
        )
    world_mine = sum(v for v, _, _ in mining.values())

    # ------------------------------------------------------------------ element content of each deposit type
    ndpr_in_magnet, s_ndpr = sh.get("end_use_demand.csv", "value", metric="NdPr content of NdFeB")
    ndpr_in_magnet /= 100.0
    _, s_refined = sh.get("end_use_demand.csv", "value", metric="refined RE supply")
    magnet_share_refined = 0.27  # stated in the note of that row
    # stoichiometry (IUPAC 2021 standard atomic weights): oxide -> metal
    s_stoich = (
        "derived: stoichiometry R2O3 -> 2R (Tb4O7 -> 4Tb) with IUPAC 2021 standard atomic weights "
        "(Nd 144.242, Pr 140.908, Sm 150.36, Tb 158.925, Dy 162.500, O 15.999)"
    )
    ndpr = 0.5 * (ATOMIC["Nd"] + ATOMIC["Pr"])  # equal-weight Nd/Pr mean (assumption on the Nd:Pr ratio; effect < 0.3%)
    oxide_per_metal = {
        "ndpr": (2 * ndpr + 3 * ATOMIC["O"]) / (2 * ndpr),
        "dy": (2 * ATOMIC["Dy"] + 3 * ATOMIC["O"]) / (2 * ATOMIC["Dy"]),
        "tb": (4 * ATOMIC["Tb"] + 7 * ATOMIC["O"]) / (4 * ATOMIC["Tb"]),
        "sm": (2 * ATOMIC["Sm"] + 3 * ATOMIC["O"]) / (2 * ATOMIC["Sm"]),
    }
    # world NdPr oxide as calibrated before the feed was split by deposit: 27% of refined supply are magnet elements,
    # split NdPr:Dy 30:2 by magnet composition, applied to all mined REO
    dy_ref, s_dy_ref = sh.get("end_use_demand.csv", "value", metric="Dy content of NdFeB", sector="NdFeB magnet composition")
    world_ndpr_oxide = world_mine * magnet_share_refined * ndpr_in_magnet / (ndpr_in_magnet + dy_ref / 100.0)
    ionic_ndpr, ionic_ndpr_lo, ionic_ndpr_hi, s_ionic_ndpr = fact_by(
        "ionic-clay concentrate (southern China and Myanmar mix): NdPr oxide share of TREO"
    )
    ionic_ndpr /= 100.0
    ionic_total = sum(v for (_c, d), (v, _, _) in mining.items() if d == "ionic")
    light_ndpr = (world_ndpr_oxide - ionic_ndpr * ionic_total) / (world_mine - ionic_total)
    # product -> deposit -> (t oxide per t REO in the feed, basis, source); heavy and minor elements are recovered only in China
    content: dict[str, dict[str, tuple[float, str, str]]] = {
        "ndpr_oxide": {
            "ionic": (
                ionic_ndpr,
                "assumption",
                f"assumption: NdPr {ionic_ndpr:.0%} of TREO ({ionic_ndpr_lo:.0f}-{ionic_ndpr_hi:.0f}%) [{s_ionic_ndpr}]",
            ),
            **{
                d: (
                    light_ndpr,
                    "derived",
                    f"derived: world NdPr oxide kept at its calibration ({world_ndpr_oxide:.0f} t = {magnet_share_refined:.0%} of world mine output "
                    f"{world_mine:.0f} t as magnet elements [{s_refined}], split NdPr:Dy {ndpr_in_magnet:.2f}:{dy_ref / 100:.2f} [{s_ndpr}; {s_dy_ref}]); "
                    f"bastnaesite and monazite carry what the ionic clays ({ionic_ndpr:.0%} NdPr) do not",
                )
                for d in ("bastnaesite", "monazite")
            },
        },
    }
    element_rows = {
        "dy_oxide": (
            "Dy2O3",
            {
                "ionic": "ionic-clay (HREE-rich, Longnan type) concentrate: Dy2O3 share of TREO",
                "bastnaesite": "bastnaesite (Bayan Obo, Mountain Pass, Mianning): Dy2O3 share of TREO",
                "monazite": "monazite (Australia, India, Malaysia): Dy2O3 share of TREO",
            },
        ),
        "tb_oxide": (
            "Tb4O7",
            {
                "ionic": "ionic-clay (HREE-rich) concentrate: Tb4O7 share of TREO",
                "bastnaesite": "bastnaesite: Tb4O7 share of TREO",
                "monazite": "monazite: Tb4O7 share of TREO",
            },
        ),
    }
    deposit_label = {"bastnaesite": "bastnaesite", "monazite": "monazite", "ionic": "ionic-clay (southern China and Myanmar mix)"}
    for prod, ox in [
        ("sm_oxide", "Sm2O3"),
        ("eu_oxide", "Eu2O3"),
        ("gd_oxide", "Gd2O3"),
        ("ho_oxide", "Ho2O3"),
        ("er_oxide", "Er2O3"),
        ("tm_oxide", "Tm2O3"),
        ("yb_oxide", "Yb2O3"),
        ("lu_oxide", "Lu2O3"),
    ]:
        element_rows[prod] = (ox, {d: f"{deposit_label[d]} concentrate: {ox} share of TREO" for d in DEPOSITS})
    for prod, (ox, rows_by_dep) in element_rows.items():
        content[prod] = {}
        for d, subject in rows_by_dep.items():
            v, lo, hi, s_c = fact_by(subject)
            content[prod][d] = (v / 100.0, "assumption", f"assumption: {ox} {v:g}% ({lo:g}-{hi:g}%) of TREO [{s_c}]")
    # yttrium: Mountain Pass bastnaesite (USGS) for bastnaesite, the assumed monazite share, and the ionic clays' share derived
    # from world yttrium output (after the feed volumes are known, below)
    y_bast, _, _, s_y_bast = element_fact(0)
    y_mon, y_mon_lo, y_mon_hi, s_y_mon = fact_by("monazite: Y2O3 share of TREO")
    content["y_oxide"] = {
        "bastnaesite": (
            y_bast / 100.0,
            "reported",
            f"reported: Y {y_bast:g}% of REE in Mountain Pass bastnaesite, taken for all bastnaesite-type ore [{s_y_bast}]",
        ),
        "monazite": (y_mon / 100.0, "assumption", f"assumption: Y2O3 {y_mon:g}% ({y_mon_lo:g}-{y_mon_hi:g}%) of TREO [{s_y_mon}]"),
    }

    # ------------------------------------------------------------------ separation (t REO of concentrate processed)
    us_ndpr_oxide, s_us_ndpr = sh.get("inventory_leadtimes.csv", "value", metric="NdPr oxide produced")
    mys_share, s_mys = sh.get(
        "supply_chain_stage_shares.csv", "share_pct", material="rare earths", stage="separation_refining", year="2023", country="Malaysia"
    )
    # (country, deposit) -> (t REO processed, source); heavy rare earths are recovered only in China in 2024
    sep_feed: dict[tuple[str, str], tuple[float, str]] = {}
    sep_feed[("USA", "bastnaesite")] = (
        us_ndpr_oxide / light_ndpr,
        f"derived: MP Materials 2024 NdPr oxide output {us_ndpr_oxide:.0f} t / NdPr yield {light_ndpr:.4f} [{s_us_ndpr}]",
    )
    sep_feed[("MYS", "monazite")] = (
        mys_share / 100.0 * world_mine,
        f"derived: Malaysia {mys_share:.0f}% of refined output (IEA, 2023; held for 2024) x world mine production {world_mine:.0f} t [{s_mys}]",
    )
    sep_feed[("IND", "monazite")] = (mining[("IND", "monazite")][0], "assumption: India separates its own output (IREL); no trade figure found")
    sep_feed[("ROW", "bastnaesite")] = (
        mining[("ROW", "bastnaesite")][0],
        "assumption: Russia separates its own loparite output (Solikamsk); other ROW output goes to China",
    )

    # concentrate trade
    trade: list[dict[str, Any]] = []

    def link(exp: str, imp: str, prod: str, flow: float, basis: str, source: str, transit: float, transit_source: str, note: str = "") -> None:
        trade.append(
            {
                "exporter": exp,
                "importer": imp,
                "product": prod,
                "flow_t": r(flow),
                "transit_days": transit,
                "basis": basis,
                "source": source,
                "transit_source": transit_source,
                "note": note,
            }
        )

    sea_eu, s_sea = sh.get("inventory_leadtimes.csv", "value", metric="transit time")
    sea_eu_days = sea_eu * 7
    T_EU = (sea_eu_days, f"reported: container shipping China->Europe {sea_eu:.0f} weeks (4-6) [{s_sea}]")
    T_PAC = (30.0, "assumption: trans-Pacific sea freight (no source in data); override with overrides.transit_days")
    T_ASIA = (10.0, "assumption: intra-Asia sea freight (no source in data); override with overrides.transit_days")
    T_OTHER = (30.0, "assumption: long-haul sea freight (no source in data); override with overrides.transit_days")
    T_EUROPE = (5.0, "assumption: road freight inside the EU (no source in data); override with overrides.transit_days")

    def transit(exp: str, imp: str) -> tuple[float, str]:
        asia = {"CHN", "MML", "MYS", "JPN", "KOR", "VNM", "IND"}
        europe = {"DEU", "EUR"}
        if (exp in asia and imp in europe) or (exp in europe and imp in asia):
            return T_EU
        if exp in europe and imp in europe:
            return T_EUROPE
        if {exp, imp} & {"USA"}:
            return T_PAC
        if exp in asia and imp in asia:
            return T_ASIA
        if {exp, imp} <= asia | {"AUS"}:
            return T_ASIA
        return T_OTHER

    def add(exp: str, imp: str, prod: str, flow: float, basis: str, source: str, note: str = "") -> None:
        t, ts = transit(exp, imp)
        link(exp, imp, prod, flow, basis, source, t, ts, note)

    add(
        "MML",
        "CHN",
        "conc_ionic",
        mining[("MML", "ionic")][0],
        "derived",
        "derived: all Myanmar output is exported to China (USGS estimates it from China's import data) [" + mining[("MML", "ionic")][2] + "]",
    )
    us_sep = sep_feed[("USA", "bastnaesite")][0]
    _, _, _, s_mp = fact_by("China bastnaesite imports 2023 by origin: United States (MP Materials)")
    add(
        "USA",
        "CHN",
        "conc_bastnaesite",
        mining[("USA", "bastnaesite")][0] - us_sep,
        "derived",
        f"derived: US mine production minus US separation feed: MP Materials ships the rest to China as bastnaesite concentrate [{s_mp}]",
    )
    aus_to_mys = sep_feed[("MYS", "monazite")][0] - mining[("MYS", "monazite")][0]
    add(
        "AUS",
        "MYS",
        "conc_monazite",
        aus_to_mys,
        "derived",
        "derived: Lynas Malaysia separation feed minus Malaysian mine output (Mt Weld concentrate to Kuantan)",
    )
    add(
        "AUS",
        "CHN",
        "conc_monazite",
        mining[("AUS", "monazite")][0] - aus_to_mys,
        "assumption",
        "assumption: Australian output not separated in Malaysia goes to China (no trade figure found)",
    )
    add(
        "ROW",
        "CHN",
        "conc_monazite",
        mining[("ROW", "monazite")][0],
        "derived",
        f"derived: Madagascar, Nigeria and Thailand ship their monazite to China [{s_mdg}]",
    )
    add(
        "ROW",
        "CHN",
        "conc_ionic",
        mining[("ROW", "ionic")][0],
        "derived",
        f"derived: Laos and Brazil ship their ionic-clay products to China [{s_lao}]",
    )
    add(
        "VNM",
        "CHN",
        "conc_bastnaesite",
        mining[("VNM", "bastnaesite")][0],
        "derived",
        "derived: USGS estimates Vietnam's output from China's import data [" + mining[("VNM", "bastnaesite")][2] + "]",
    )
    for d in DEPOSITS:
        own = mining.get(("CHN", d), (0.0, "", ""))[0]
        imports = sum(t["flow_t"] for t in trade if t["importer"] == "CHN" and t["product"] == f"conc_{d}")
        sep_feed[("CHN", d)] = (own + imports, f"derived: China's own {d} mining plus its {d} concentrate imports")

    # separated oxide outputs (heavy and minor elements only in China)
    y_world, y_lo, y_hi, s_y_world = element_fact(79)  # kt/yr
    y_world *= 1000.0
    feed_chn = {d: sep_feed[("CHN", d)][0] for d in DEPOSITS}
    y_other_types = sum(feed_chn[d] * content["y_oxide"][d][0] for d in ("bastnaesite", "monazite"))
    y_ionic = (y_world - y_other_types) / feed_chn["ionic"]
    _, _, _, s_longnan_y = fact(135)
    _, _, _, s_medy = fact(138)
    content["y_oxide"]["ionic"] = (
        y_ionic,
        "derived",
        f"derived: world yttrium output {y_world:.0f} t ({y_lo:g}-{y_hi:g} kt) [{s_y_world}] less the Y of China's bastnaesite and monazite "
        f"feed ({y_other_types:.0f} t), over China's ionic feed ({feed_chn['ionic']:.0f} t); within the sourced span from medium-Y clays "
        f"(over 20%) [{s_medy}] to Longnan-type clays (64.8%) [{s_longnan_y}]",
    )
    # samarium: what is separated is what is used (SmCo magnets and other uses); the rest of the Sm in the feed stays in mixed
    # SEG/heavy fractions and stocks (the balance problem: Sm oxide sold for USD 2/kg in 2024)
    smco_cn_2019, _, _, s_smco_cn = element_fact_by("samarium-cobalt magnets", "China SmCo magnet output")
    smco_growth = param(
        "smco_growth_per_year",
        0.04,
        "share/yr",
        "assumption",
        f"assumption: China's SmCo output grew 4% in 2019 [{s_smco_cn}], held for 2020-24 (range 0-0.08)",
        "Growth of SmCo magnet output from 2019 to 2024 (documentation; the build derives 2024 SmCo output with it)",
    )
    smco_cn_share, smco_cn_lo, smco_cn_hi, s_smco_share = element_fact(44)
    smco_cn = smco_cn_2019 * (1 + smco_growth) ** 5
    smco_world = smco_cn / (smco_cn_share / 100.0)
    s_smco_world = (
        f"derived: China's 2019 SmCo output {smco_cn_2019:.0f} t [{s_smco_cn}] grown {smco_growth:.0%}/yr to 2024 (parameter smco_growth_per_year), "
        f"over China's {smco_cn_share:g}% ({smco_cn_lo:g}-{smco_cn_hi:g}%) of SmCo production [{s_smco_share}]"
    )
    sm5, _, _, s_sm5 = element_fact(63)
    sm217, sm217_lo, sm217_hi, s_sm217 = element_fact(64)
    sm_in_smco = param(
        "smco_sm_content",
        0.27,
        "share",
        "assumption",
        f"assumption: Sm content of SmCo magnets, mostly Sm2Co17 grades ({sm217:g}%, {sm217_lo:g}-{sm217_hi:g}%) [{s_sm217}] with some SmCo5 "
        f"({sm5:g}%) [{s_sm5}]; range 0.23-0.36",
        "Sm metal per t of SmCo magnet (documentation; rebuild to change)",
    )
    sm_smco_share = param(
        "sm_smco_share",
        0.8,
        "share",
        "assumption",
        "assumption (no end-use split of samarium found): SmCo magnets take most separated Sm (Sm-153 radiopharmaceuticals, catalysts and "
        "ceramics the rest); range 0.6-0.9",
        "Share of separated Sm oxide used in SmCo magnets (documentation; rebuild to change)",
    )
    sm_oxide_world = smco_world * sm_in_smco * oxide_per_metal["sm"] / sm_smco_share
    sm_content = sum(feed_chn[d] * content["sm_oxide"][d][0] for d in DEPOSITS)
    sm_recovery = sm_oxide_world / sm_content
    for d in DEPOSITS:
        q, _, s = content["sm_oxide"][d]
        content["sm_oxide"][d] = (
            q * sm_recovery,
            "derived",
            f"derived: {s.removeprefix('assumption: ')} x recovery {sm_recovery:.3f}: Sm is separated as far as it is used "
            f"({sm_oxide_world:.0f} t Sm2O3 = world SmCo output {smco_world:.0f} t x Sm content {sm_in_smco} x oxide per metal / "
            f"SmCo share of Sm use {sm_smco_share}); the rest stays in mixed fractions (Sm oxide sold at USD 2/kg in 2024, the balance problem)",
        )

    OXIDES = [
        "ndpr_oxide",
        "dy_oxide",
        "tb_oxide",
        "sm_oxide",
        "eu_oxide",
        "gd_oxide",
        "ho_oxide",
        "er_oxide",
        "tm_oxide",
        "yb_oxide",
        "lu_oxide",
        "y_oxide",
    ]

    def oxide_out(c: str, d: str, prod: str) -> float:
        if prod != "ndpr_oxide" and c != "CHN":
            return 0.0
        return sep_feed[(c, d)][0] * content[prod][d][0]

    ndpr_oxide: dict[str, float] = {}
    for c, d in sep_feed:
        ndpr_oxide[c] = ndpr_oxide.get(c, 0.0) + oxide_out(c, d, "ndpr_oxide")
    world_oxide = {p: sum(oxide_out("CHN", d, p) for d in DEPOSITS) for p in OXIDES if p != "ndpr_oxide"}
    world_ndpr_metal = sum(ndpr_oxide.values()) / oxide_per_metal["ndpr"]
    world_magnet = world_ndpr_metal / ndpr_in_magnet

    # Dy and Tb: most goes into magnets; the magnet content follows from what the feed carries
    dy_magnet_share = param(
        "dy_magnet_share",
        0.9,
        "share",
        "assumption",
        "assumption (no end-use split of dysprosium found): NdFeB magnets take most Dy (Eheliyagoda et al. 2023: Dy used mainly in "
        "NdFeB); the rest goes to capacitor dopants, Terfenol-D, lamps and nuclear uses; range 0.8-0.97",
        "Share of separated Dy oxide used in NdFeB magnets (documentation; rebuild to change)",
    )
    tb_magnet_share = param(
        "tb_magnet_share",
        0.8,
        "share",
        "assumption",
        f"assumption (no end-use split of terbium found): grain-boundary diffusion in magnets takes most Tb, green phosphors "
        f"(35 t Tb in EU lamps in 2010 [{element_fact(123)[3]}]) and Terfenol-D the rest; range 0.6-0.9",
        "Share of separated Tb oxide used in NdFeB magnets (documentation; rebuild to change)",
    )
    dy_in_magnet = world_oxide["dy_oxide"] * dy_magnet_share / oxide_per_metal["dy"] / world_magnet
    tb_in_magnet = world_oxide["tb_oxide"] * tb_magnet_share / oxide_per_metal["tb"] / world_magnet
    s_dy = (
        f"derived: Dy content of NdFeB = Dy oxide separated in China ({world_oxide['dy_oxide']:.0f} t, each deposit type's Dy content x "
        f"China's feed of it) x parameter dy_magnet_share / oxide per metal / world magnet output {world_magnet:.0f} t; compare "
        f"{dy_ref:g}% Dy reported for magnets on average [{s_dy_ref}]"
    )
    s_tb = (
        f"derived: Tb content of NdFeB = Tb oxide separated in China ({world_oxide['tb_oxide']:.0f} t) x parameter tb_magnet_share / oxide "
        f"per metal / world magnet output {world_magnet:.0f} t"
    )

    util = param(
        "utilisation",
        0.85,
        "share",
        "assumption",
        "assumption: no capacity figures by stage and country were found; capacity = 2024 output / utilisation",
        "Capacity utilisation in 2024 at every stage; sets spare capacity for rerouting",
    )
    # magnet production shares (2024)
    chn_mag_share, s_chn_mag = sh.get(
        "supply_chain_stage_shares.csv", "share_pct", material="NdFeB magnets", stage="magnet_manufacturing", year="2024", country="China"
    )
    eu_mag_share, s_eu_mag = sh.get(
        "supply_chain_stage_shares.csv", "share_pct", material="NdFeB magnets", stage="magnet_manufacturing", year="2010", country="Europe"
    )
    magnets = {
        "CHN": (
            world_magnet * chn_mag_share / 100,
            "derived",
            f"derived: China {chn_mag_share:.0f}% of magnet manufacturing (IEA 2024) x world magnet output {world_magnet:.0f} t [{s_chn_mag}]",
        ),
        "DEU": (
            world_magnet * eu_mag_share / 100,
            "assumption",
            f"assumption: EU share of sintered NdFeB output 1.3% (2010) held for 2024, all in Germany (VAC) [{s_eu_mag}]",
        ),
    }
    # Shin-Etsu's Vietnamese plant (SMMV): a Japanese maker's output, so it comes out of Japan's residual
    smmv_cap, smmv_lo, _, s_smmv = element_fact_by("sintered NdFeB magnets (Shin-Etsu Magnetic Materials Vietnam)")
    magnets["VNM"] = (
        smmv_cap * util,
        "derived",
        f"derived: Shin-Etsu Magnetic Materials Vietnam capacity {smmv_cap:.0f} t/yr ({smmv_lo:.0f} t before the 2018 expansion) [{s_smmv}] "
        "x parameter utilisation",
    )
    magnets["JPN"] = (
        world_magnet - magnets["CHN"][0] - magnets["DEU"][0] - magnets["VNM"][0],
        "derived",
        "derived: residual of world magnet output after China (94%), the EU (1.3%) and Shin-Etsu's Vietnamese plant; consistent with "
        "Argus 'Japan below 9%' (2022, counting Japanese makers)",
    )

    # metal needs
    ndpr_metal_need = {c: v[0] * ndpr_in_magnet for c, v in magnets.items()}
    dy_metal_need = {c: v[0] * dy_in_magnet for c, v in magnets.items()}
    tb_metal_need = {c: v[0] * tb_in_magnet for c, v in magnets.items()}
    # Japan makes its own metal from imported oxide; Germany imports metal from China.
    jpn_ndpr_oxide_need = (ndpr_metal_need["JPN"] + ndpr_metal_need["VNM"]) * oxide_per_metal["ndpr"]
    add(
        "IND",
        "JPN",
        "ndpr_oxide",
        ndpr_oxide["IND"],
        "assumption",
        "assumption: India's separated NdPr goes to Japan (IREL / Toyota Tsusho offtake); no trade figure found",
    )
    mys_to_jpn = jpn_ndpr_oxide_need - ndpr_oxide["IND"]
    add(
        "MYS",
        "JPN",
        "ndpr_oxide",
        mys_to_jpn,
        "assumption",
        "assumption: Lynas Malaysia NdPr supplies Japan's metal makers first (Japanese offtake); amount set to close Japan's balance",
    )
    add("MYS", "CHN", "ndpr_oxide", ndpr_oxide["MYS"] - mys_to_jpn, "assumption", "assumption: the rest of Lynas Malaysia NdPr goes to China")
    add(
        "USA",
        "CHN",
        "ndpr_oxide",
        ndpr_oxide["USA"],
        "assumption",
        "assumption: MP Materials' 2024 NdPr oxide is sold to China (no US metal making until 2025)",
    )
    add("ROW", "CHN", "ndpr_oxide", ndpr_oxide["ROW"], "assumption", "assumption: Russia's separated NdPr goes to China")
    add(
        "CHN",
        "DEU",
        "ndpr_metal",
        ndpr_metal_need["DEU"],
        "derived",
        "derived: Germany's magnet output x NdPr content; Germany has no metal making (assumption)",
    )
    for el, need in (("dy", dy_metal_need), ("tb", tb_metal_need)):
        name = {"dy": "Dy", "tb": "Tb"}[el]
        add(
            "CHN",
            "DEU",
            f"{el}_metal",
            need["DEU"],
            "derived",
            f"derived: Germany's magnet output x {name} content; from China, the only heavy-RE metal maker (assumption)",
        )
        add(
            "CHN",
            "JPN",
            f"{el}_oxide",
            (need["JPN"] + need["VNM"]) * oxide_per_metal[el],
            "derived",
            f"derived: Japan's and Shin-Etsu Vietnam's magnet output x {name} content x oxide per metal; China is the only heavy-RE "
            "separator in 2024",
        )
    for el, need in (("ndpr", ndpr_metal_need), ("dy", dy_metal_need), ("tb", tb_metal_need)):
        add(
            "JPN",
            "VNM",
            f"{el}_metal",
            need["VNM"],
            "assumption",
            f"assumption: Shin-Etsu's Vietnamese magnet plant takes its {el.capitalize() if el != 'ndpr' else 'NdPr'} metal from the group's "
            "Japanese chain (no trade figure found); Vietnam's magnet output x content",
        )

    # SmCo magnets: China makes most; Japan, the US and Germany make the rest from Chinese Sm metal
    smco_makers = {"JPN": 0.4, "USA": 0.3, "DEU": 0.3}
    smco_prod = {"CHN": smco_world * smco_cn_share / 100.0}
    for c, w in smco_makers.items():
        smco_prod[c] = smco_world * (1 - smco_cn_share / 100.0) * w
        param(
            f"smco_maker_share.{c}",
            w,
            "share",
            "assumption",
            "assumption: split of the SmCo output outside China (Proterial and Shin-Etsu in Japan; Arnold and Electron Energy in the US; "
            f"VAC in Germany) [{element_fact_by('sintered samarium-cobalt magnets (market value)')[3]}]; no tonnage by firm found",
            f"Share of the SmCo magnets made outside China that {c} makes (documentation; rebuild to change)",
        )
    sm_metal_need = {c: v * sm_in_smco for c, v in smco_prod.items()}
    for c in smco_makers:
        _, _, _, s_sm_all = element_fact(39)
        add(
            "CHN",
            c,
            "sm_metal",
            sm_metal_need[c],
            "derived",
            f"derived: {c}'s SmCo output x Sm content (parameter smco_sm_content); China makes essentially all Sm metal [{s_sm_all}]",
        )

    # magnet exports from China by destination (2024 total, 2020 destination shares)
    total_2024, s_tot = sh.get("china_exports_monthly_2025.csv", "value", series="china_magnet_exports_total_annual", period="2024")
    world_2020, _ = sh.get("trade_flows.csv", "quantity", year="2020", exporter="China", importer="World", hs_code="85051110")
    named = {"DEU": "Germany", "USA": "United States", "KOR": "South Korea", "VNM": "Vietnam", "ROW": "Thailand", "EUR": "Italy"}
    mag_exports: dict[str, float] = {}
    named_sum = 0.0
    for code, partner in named.items():
        q, s = sh.get("trade_flows.csv", "quantity", year="2020", exporter="China", importer=partner, hs_code="85051110")
        named_sum += q
        flow = total_2024 * q / world_2020
        mag_exports[code] = mag_exports.get(code, 0.0) + flow
        add(
            "CHN",
            code,
            "ndfeb_magnet",
            flow,
            "derived",
            f"derived: China's 2024 magnet exports {total_2024:.0f} t [{s_tot}] x {partner}'s share of China's 2020 exports "
            f"({q:.1f} of {world_2020:.1f} t) [{s}]",
            note="Thailand counted in ROW" if partner == "Thailand" else ("Italy counted in EUR" if partner == "Italy" else ""),
        )
    residual = total_2024 * (1 - named_sum / world_2020)
    split = {"JPN": 0.25, "EUR": 0.25, "IND": 0.10, "MYS": 0.05, "ROW": 0.35}
    for code, w in split.items():
        param(
            f"residual_magnet_export_share.{code}",
            w,
            "share",
            "assumption",
            "assumption: no destination split found for the 42% of China's 2020 magnet exports not itemised by Argus",
            f"Share of the unitemised residual of China's magnet exports going to {code}",
        )
        add(
            "CHN",
            code,
            "ndfeb_magnet",
            residual * w,
            "assumption",
            f"assumption: {w:.0%} of the residual {residual:.0f} t of China's 2024 magnet exports not itemised in the 2020 destination list "
            f"(parameter residual_magnet_export_share.{code})",
        )
        mag_exports[code] = mag_exports.get(code, 0.0) + residual * w
    exports_chn_magnet = sum(mag_exports.values())

    # magnet exports of the makers outside China (the makers' Dy/Tb, and part of their NdPr, is Chinese-origin: see their imports
    # above). No customs figure by destination was found for Japan's, Germany's or Vietnam's magnet exports: each flow is a share
    # of the maker's output, a parameter (assumption) with its range.
    third_magnet_flows = {
        ("JPN", "USA"): (0.08, "0.03-0.15", "Japanese makers (Proterial, Shin-Etsu, TDK, Daido) supply US motor and HDD makers"),
        ("JPN", "DEU"): (0.04, "0.01-0.10", "Japanese makers supply German car and motor makers"),
        ("JPN", "EUR"): (0.04, "0.01-0.10", "Japanese makers supply other EU motor makers"),
        ("JPN", "KOR"): (0.04, "0.01-0.10", "Japanese makers supply Korean motor makers"),
        ("DEU", "EUR"): (0.30, "0.15-0.50", "VAC (Hanau) supplies motor makers across the EU single market"),
        ("DEU", "USA"): (0.10, "0.05-0.20", "VAC supplies US customers (its US plant for GM starts in 2025, after the baseline)"),
        ("VNM", "JPN"): (0.50, "0.30-0.70", "Shin-Etsu Vietnam's magnets go to the group's customers, in Japan first"),
        ("VNM", "ROW"): (0.50, "0.30-0.70", "and to machining plants elsewhere in Southeast Asia (reported) and their customers"),
    }
    third_exports: dict[str, float] = {}
    third_imports: dict[str, float] = {}
    for (exp, imp), (w, rng, why) in third_magnet_flows.items():
        w = param(
            f"magnet_export_share.{exp}-{imp}",
            w,
            "share",
            "assumption",
            f"assumption: share of {exp}'s magnet output exported to {imp} (range {rng}): {why}; no customs figure by destination found"
            + (f" [{s_smmv}]" if exp == "VNM" else ""),
            f"Share of {exp}'s sintered NdFeB output exported to {imp} (documentation; rebuild to change)",
        )
        flow = magnets[exp][0] * w
        add(
            exp,
            imp,
            "ndfeb_magnet",
            flow,
            "assumption",
            f"assumption: {exp}'s magnet output {magnets[exp][0]:.0f} t x parameter magnet_export_share.{exp}-{imp} {w:g} ({why})",
        )
        third_exports[exp] = third_exports.get(exp, 0.0) + flow
        third_imports[imp] = third_imports.get(imp, 0.0) + flow

    # ------------------------------------------------------------------ uses of the other elements
    # Direct users of separated oxides (and of SmCo magnets, yttria coatings, scandium) by country: China's share of world use
    # and a common key for the rest (assumptions: no element-level consumption by country was found, fidelity/README.md gaps)
    outside_share = param(
        "element_use_outside_china",
        0.3,
        "share",
        "assumption",
        "assumption (no consumption by country found for the minor rare earths): share of world use of each minor rare earth outside "
        "China; US yttrium use was 300-600 t Y2O3 in 2015-2019 [" + element_fact(15)[3] + "], about 4% of world output; range 0.15-0.5",
        "Share of the world's direct use of each minor rare earth (Sm, Dy, Tb, Gd, Y, Lu, Ho, Er, Tm, Eu, Yb) located outside China (documentation; rebuild to change)",
    )
    japan_share_exports = 2 * 9898 * 0.796 / 55431
    key_outside = {"JPN": 0.35, "USA": 0.25, "DEU": 0.10, "EUR": 0.15, "KOR": 0.10, "ROW": 0.05}
    for c, w in key_outside.items():
        param(
            f"element_use_key.{c}",
            w,
            "share",
            "assumption",
            "assumption: split of the minor rare earths' use outside China; Japan's imports from China were about "
            f"{japan_share_exports:.0%} of China's rare-earth exports in 2024 (derived: 2 x 9,898 t in H1 2024 x 79.6% from China "
            f"[{element_fact(117)[3]}] / China's 2024 exports of 55,431 t [shared china_exports_monthly_2025.csv]), taken up to 35% for the "
            "heavy elements (Japan's separated-oxide users); the rest by assumption",
            f"Share of the minor rare earths used outside China that {c} uses (documentation; rebuild to change)",
        )

    def by_country(total: float) -> dict[str, float]:
        out = {"CHN": total * (1 - outside_share)}
        for c, w in key_outside.items():
            out[c] = total * outside_share * w
        return out

    # direct end uses: product -> [(sector, share of the product's direct use, basis/source of the share)]
    y_coating_share = param(
        "y_coating_share",
        0.3,
        "share",
        "assumption",
        "assumption (USGS lists ceramics incl. jet-engine coatings, metallurgy and phosphors with no percentages ["
        + element_fact(16)[3]
        + "]): thermal-barrier and plasma-etch chamber coatings' share of yttrium use; range 0.15-0.5",
        "Share of yttrium oxide used in coatings (documentation; rebuild to change)",
    )
    direct_split: dict[str, list[tuple[str, float, str]]] = {
        "sm_oxide": [("sm_other", 1.0, "all Sm oxide not made into SmCo magnets (parameter sm_smco_share)")],
        "dy_oxide": [("dy_other", 1.0, "all Dy oxide not used in magnets (parameter dy_magnet_share)")],
        "tb_oxide": [("tb_other", 1.0, "all Tb oxide not used in magnets (parameter tb_magnet_share)")],
        "y_oxide": [("y_other", 1.0, "all yttrium oxide not made into coatings (parameter y_coating_share)")],
        "gd_oxide": [
            (
                "gd_medical",
                0.3,
                "assumption: MRI contrast agents the largest visible Gd use [" + element_fact(150)[3] + "]; share 0.3 (0.2-0.5) assumed",
            ),
            ("gd_other", 0.7, "assumption: magnet alloys (Gd-Fe), nuclear burnable absorbers, phosphors [" + element_fact(150)[3] + "]"),
        ],
        "lu_oxide": [
            (
                "lu_medical",
                0.7,
                "assumption: LSO/LYSO PET scintillators and Lu-177 targets the main uses [" + element_fact(151)[3] + "]; share 0.7 (0.5-0.9) assumed",
            ),
            ("lu_other", 0.3, "assumption: catalysts and other uses [" + element_fact(151)[3] + "]"),
        ],
        "er_oxide": [
            ("er_fibre", 0.4, "assumption: erbium-doped fibre amplifiers and lasers [" + element_fact(152)[3] + "]; share 0.4 (0.2-0.6) assumed"),
            ("er_other", 0.6, "assumption: glass colourant and IR optics [" + element_fact(152)[3] + "]"),
        ],
        "ho_oxide": [("ho_users", 1.0, "qualitative uses: magnets (Dy substitute), lasers, control rods [" + element_fact(152)[3] + "]")],
        "tm_oxide": [("tm_users", 1.0, "qualitative uses: X-ray sources, lasers, microwave ceramics [" + element_fact(152)[3] + "]")],
        "eu_oxide": [("eu_users", 1.0, "qualitative uses: phosphors, control rods [" + element_fact(152)[3] + "]")],
        "yb_oxide": [("yb_users", 1.0, "qualitative uses: fibre lasers, catalysts, nuclear medicine [" + element_fact(152)[3] + "]")],
    }
    direct_total = {
        "sm_oxide": sm_oxide_world * (1 - sm_smco_share),
        "dy_oxide": world_oxide["dy_oxide"] * (1 - dy_magnet_share),
        "tb_oxide": world_oxide["tb_oxide"] * (1 - tb_magnet_share),
        "y_oxide": world_oxide["y_oxide"] * (1 - y_coating_share),
        **{p: world_oxide[p] for p in ("gd_oxide", "lu_oxide", "er_oxide", "ho_oxide", "tm_oxide", "eu_oxide", "yb_oxide")},
    }
    element_demand: list[tuple[str, str, str, float, str]] = []  # (country, sector, product, t, source)
    for prod, splits in direct_split.items():
        for c, t in by_country(direct_total[prod]).items():
            for sec, w, why in splits:
                element_demand.append(
                    (
                        c,
                        sec,
                        prod,
                        t * w,
                        f"assumption: world direct use of {prod} {direct_total[prod]:.1f} t (separated in China, less its other uses) x {c}'s share "
                        f"(parameters element_use_outside_china, element_use_key.*) x {w:g} for this sector ({why})",
                    )
                )
            if c != "CHN":
                add(
                    "CHN",
                    c,
                    prod,
                    t,
                    "assumption",
                    f"assumption: {c}'s direct use of {prod}, all imported from China (China separates all of it in 2024)",
                )
    # yttria coatings: made where they are used, from (imported) yttrium oxide
    coating_total = world_oxide["y_oxide"] * y_coating_share
    coating_use = by_country(coating_total)
    tbc_share = 2.0 / 3.0
    for c, t in coating_use.items():
        for sec, w in (("y_turbine_coatings", tbc_share), ("y_semiconductor", 1 - tbc_share)):
            element_demand.append(
                (
                    c,
                    sec,
                    "y_coating",
                    t * w,
                    f"assumption: world yttria coatings {coating_total:.0f} t Y2O3 (parameter y_coating_share) x {c}'s share x {w:.3f} "
                    "(turbine thermal-barrier coatings two thirds, semiconductor chamber coatings one third; no split found) "
                    f"[{element_fact(81)[3]}; {element_fact(83)[3]}]",
                )
            )
        if c != "CHN":
            add(
                "CHN",
                c,
                "y_oxide",
                t,
                "assumption",
                f"assumption: yttrium oxide for {c}'s coating makers, imported from China (China ~90% of Y supply)",
            )
    # SmCo magnets: use by country and sector
    smco_outside = param(
        "smco_use_outside_china",
        0.6,
        "share",
        "assumption",
        f"assumption: most SmCo magnets are used outside China, by aerospace, defence and industrial users in the US, Europe and Japan "
        f"(the three largest markets: China, North America, Europe [{element_fact_by('sintered samarium-cobalt magnets (market value)')[3]}]); range 0.4-0.8",
        "Share of SmCo magnet use outside China (documentation; rebuild to change)",
    )
    smco_key = {"USA": 0.35, "JPN": 0.20, "DEU": 0.10, "EUR": 0.15, "KOR": 0.05, "ROW": 0.15}
    smco_def_share, _, _, s_smco_def = element_fact_by("samarium-cobalt magnets: aerospace and defence")
    smco_def_share /= 100.0
    smco_use = {"CHN": smco_world * (1 - smco_outside), **{c: smco_world * smco_outside * w for c, w in smco_key.items()}}
    for c, t in smco_use.items():
        for sec, w in (("smco_defence", smco_def_share), ("smco_industrial", 1 - smco_def_share)):
            element_demand.append(
                (
                    c,
                    sec,
                    "smco_magnet",
                    t * w,
                    f"assumption: world SmCo use {smco_world:.0f} t [{s_smco_world}] x {c}'s share (parameter smco_use_outside_china; "
                    f"split outside China US 35%, Japan 20%, EU 25%, Korea 5%, ROW 15% by assumption) x {w:.2f} "
                    + (
                        f"(aerospace and defence over 35% of SmCo applications [{s_smco_def}])"
                        if sec == "smco_defence"
                        else "(industrial, medical, automotive)"
                    ),
                )
            )
        imports = t - smco_prod.get(c, 0.0)
        if c != "CHN" and imports > 0:
            add(
                "CHN",
                c,
                "smco_magnet",
                imports,
                "derived",
                f"derived: {c}'s SmCo use less its own output; China makes {smco_cn_share:g}% of SmCo magnets [{s_smco_share}]",
            )
    # scandium: a by-product of nickel, titanium and uranium processing (not of rare-earth separation)
    sc_world, sc_lo, sc_hi, s_sc_world = element_fact(85)
    us_sc, _, _, s_us_sc = element_fact(34)
    jp_share, _, _, s_jp_sc = element_fact(35)
    cn_share_us, _, _, s_cn_sc = element_fact(36)
    sc_rest_key = {"CHN": 0.6, "JPN": 0.1, "DEU": 0.05, "EUR": 0.1, "KOR": 0.05, "ROW": 0.1}
    sc_use = {"USA": us_sc, **{c: (sc_world - us_sc) * w for c, w in sc_rest_key.items()}}
    sc_prod = {
        "JPN": us_sc * jp_share / 100 + sc_use["JPN"],
        "ROW": sc_use["ROW"],
    }
    sc_prod["CHN"] = sc_world - sc_prod["JPN"] - sc_prod["ROW"]
    sc_split = [("sc_sofc", 0.6), ("sc_alloys", 0.3), ("sc_rf", 0.1)]
    _, _, _, s_sofc = element_fact(87)
    for c, t in sc_use.items():
        for sec, w in sc_split:
            element_demand.append(
                (
                    c,
                    sec,
                    "sc_oxide",
                    t * w,
                    (
                        f"derived: US scandium oxide imports {us_sc:g} t in 2024 (no US output) [{s_us_sc}]"
                        if c == "USA"
                        else f"assumption: world Sc2O3 {sc_world:g} t ({sc_lo:g}-{sc_hi:g}) [{s_sc_world}] less US use, split CHN 60%, JPN 10%, EU 15%, "
                        "KOR 5%, ROW 10% by assumption"
                    )
                    + f"; x {w:g} for this use (SOFC the largest use, Al-Sc alloys second [{s_sofc}]; RF filters 0.1 assumed)",
                )
            )
    add(
        "JPN",
        "USA",
        "sc_oxide",
        us_sc * jp_share / 100,
        "reported",
        f"reported: Japan {jp_share:g}% of US scandium oxide imports (2021-24) [{s_jp_sc}]",
    )
    add("CHN", "USA", "sc_oxide", us_sc * cn_share_us / 100, "reported", f"reported: China {cn_share_us:g}% of US scandium oxide imports [{s_cn_sc}]")
    for c in ("DEU", "EUR", "KOR"):
        add("CHN", c, "sc_oxide", sc_use[c], "assumption", f"assumption: {c}'s scandium oxide from China")

    # ------------------------------------------------------------------ facilities
    facilities: list[dict[str, Any]] = []

    def fac(country: str, process: str, output: float, basis: str, source: str) -> None:
        if output <= 0:
            return
        facilities.append(
            {
                "country": country,
                "process": process,
                "output_t": r(output),
                "capacity_t": r(output / util),
                "basis": basis,
                "source": source,
                "capacity_source": "derived: output / utilisation (parameter utilisation, an assumption)",
            }
        )

    for (c, d), (v, b, s) in mining.items():
        fac(c, f"mining_{d}", v, b, s)
    for (c, d), (v, s) in sep_feed.items():
        fac(c, f"separation_{d}", v, "assumption" if s.startswith("assumption") else "derived", s + " (activity in t REO of concentrate processed)")
    fac(
        "CHN",
        "ndpr_metal",
        ndpr_metal_need["CHN"] + ndpr_metal_need["DEU"],
        "derived",
        "derived: NdPr metal for China's and Germany's magnet output (China makes ~94% of metal; LOW confidence)",
    )
    fac(
        "JPN",
        "ndpr_metal",
        ndpr_metal_need["JPN"] + ndpr_metal_need["VNM"],
        "derived",
        "derived: NdPr metal for Japan's and Shin-Etsu Vietnam's magnet output, made from imported oxide",
    )
    for el, need in (("dy", dy_metal_need), ("tb", tb_metal_need)):
        name = {"dy": "Dy", "tb": "Tb"}[el]
        fac("CHN", f"{el}_metal", need["CHN"] + need["DEU"], "derived", f"derived: {name} metal for China's and Germany's magnet output")
        fac(
            "JPN",
            f"{el}_metal",
            need["JPN"] + need["VNM"],
            "derived",
            f"derived: {name} metal for Japan's and Shin-Etsu Vietnam's magnet output, made from oxide imported from China",
        )
    for c, (v, b, s) in magnets.items():
        fac(c, "magnet", v, b, s)
    fac(
        "CHN",
        "sm_metal",
        sum(sm_metal_need.values()),
        "derived",
        f"derived: Sm metal for the world's SmCo magnets (China makes essentially all Sm metal [{element_fact(39)[3]}])",
    )
    for c, v in smco_prod.items():
        fac(
            c,
            "smco_magnet",
            v,
            "derived" if c == "CHN" else "assumption",
            f"derived: world SmCo output x China's share [{s_smco_world}]"
            if c == "CHN"
            else f"assumption: {c}'s part (parameter smco_maker_share.{c}) of the {100 - smco_cn_share:g}% of SmCo output made outside China [{s_smco_world}]",
        )
    for c, t in coating_use.items():
        fac(c, "y_coating", t, "assumption", f"assumption: yttria and YSZ coating powders are made where they are used ({c}'s coating use)")
    for c, v in sc_prod.items():
        fac(
            c,
            "sc_refining",
            v,
            "derived" if c != "ROW" else "assumption",
            {
                "JPN": f"derived: Japan (refining Philippine scandium, Sumitomo Metal Mining) supplies {jp_share:g}% of US imports [{s_jp_sc}] and its own use",
                "ROW": "assumption: Russia (RUSAL) supplies ROW's own use",
                "CHN": f"derived: world scandium oxide {sc_world:g} t [{s_sc_world}] less Japan's and Russia's output",
            }[c],
        )

    # ------------------------------------------------------------------ recipes
    recipes: list[dict[str, Any]] = []
    for d in DEPOSITS:
        recipes.append(
            {
                "process": f"mining_{d}",
                "product": f"conc_{d}",
                "role": "output",
                "quantity": 1.0,
                "basis": "definition",
                "source": f"definition: activity measured in t REO of {d} concentrate mined",
            }
        )
    for d in DEPOSITS:
        recipes.append(
            {
                "process": f"separation_{d}",
                "product": f"conc_{d}",
                "role": "input",
                "quantity": 1.0,
                "basis": "definition",
                "source": "definition: activity measured in t REO processed",
            }
        )
        for prod in OXIDES:
            q, b, s = content[prod][d]
            recipes.append({"process": f"separation_{d}", "product": prod, "role": "output", "quantity": q, "basis": b, "source": s})
    for el in ("ndpr", "dy", "tb", "sm"):
        recipes += [
            {
                "process": f"{el}_metal",
                "product": f"{el}_oxide",
                "role": "input",
                "quantity": oxide_per_metal[el],
                "basis": "derived",
                "source": s_stoich,
            },
            {"process": f"{el}_metal", "product": f"{el}_metal", "role": "output", "quantity": 1.0, "basis": "definition", "source": "definition"},
        ]
    recipes += [
        {"process": "magnet", "product": "ndpr_metal", "role": "input", "quantity": ndpr_in_magnet, "basis": "reported", "source": s_ndpr},
        {"process": "magnet", "product": "dy_metal", "role": "input", "quantity": dy_in_magnet, "basis": "derived", "source": s_dy},
        {"process": "magnet", "product": "tb_metal", "role": "input", "quantity": tb_in_magnet, "basis": "derived", "source": s_tb},
        {"process": "magnet", "product": "ndfeb_magnet", "role": "output", "quantity": 1.0, "basis": "definition", "source": "definition"},
        {
            "process": "smco_magnet",
            "product": "sm_metal",
            "role": "input",
            "quantity": sm_in_smco,
            "basis": "assumption",
            "source": "assumption: parameter smco_sm_content (cobalt, iron, copper and zirconium, the rest of the magnet, are not modelled)",
        },
        {"process": "smco_magnet", "product": "smco_magnet", "role": "output", "quantity": 1.0, "basis": "definition", "source": "definition"},
        {
            "process": "motor_assembly",
            "product": "ndfeb_magnet",
            "role": "input",
            "quantity": 1.0,
            "basis": "definition",
            "source": "definition: motors and drive units measured in t of NdFeB content",
        },
        {
            "process": "motor_assembly",
            "product": "pm_motor",
            "role": "output",
            "quantity": 1.0,
            "basis": "definition",
            "source": "definition: motors and drive units measured in t of NdFeB content",
        },
        {
            "process": "device_assembly",
            "product": "ndfeb_magnet",
            "role": "input",
            "quantity": 1.0,
            "basis": "definition",
            "source": "definition: devices measured in t of NdFeB content",
        },
        {
            "process": "device_assembly",
            "product": "pm_device",
            "role": "output",
            "quantity": 1.0,
            "basis": "definition",
            "source": "definition: devices measured in t of NdFeB content",
        },
        {
            "process": "auto_part_assembly",
            "product": "ndfeb_magnet",
            "role": "input",
            "quantity": 1.0,
            "basis": "definition",
            "source": "definition: auto parts measured in t of NdFeB content",
        },
        {
            "process": "auto_part_assembly",
            "product": "pm_auto_part",
            "role": "output",
            "quantity": 1.0,
            "basis": "definition",
            "source": "definition: auto parts measured in t of NdFeB content",
        },
        {
            "process": "y_coating",
            "product": "y_oxide",
            "role": "input",
            "quantity": 1.0,
            "basis": "definition",
            "source": "definition: coatings measured in t Y2O3 content",
        },
        {
            "process": "y_coating",
            "product": "y_coating",
            "role": "output",
            "quantity": 1.0,
            "basis": "definition",
            "source": "definition: coatings measured in t Y2O3 content",
        },
        {
            "process": "sc_refining",
            "product": "sc_oxide",
            "role": "output",
            "quantity": 1.0,
            "basis": "definition",
            "source": "definition: scandium oxide recovered as a by-product of nickel (HPAL), titanium, uranium and alumina processing; its feed is not modelled",
        },
    ]
    # thrifting potential: only Dy and Tb in magnets can be cut (grain-boundary diffusion, new grades);
    # the other quantities are set by chemistry (oxide -> metal) or by the magnet itself (NdPr)
    gbd, gbd_lo, gbd_hi, s_gbd = element_fact(58)
    _, _, _, s_leaf = fact(18)
    thrift_dy = r(1 - gbd / 100, 3)
    for row in recipes:
        row["thrift_max"] = ""
        if row["process"] == "magnet" and row["product"] in ("dy_metal", "tb_metal"):
            row["thrift_max"] = thrift_dy
            row["source"] += (
                f"; thrift_max {thrift_dy}: assumption: magnets with grain-boundary diffusion use {gbd:.0f}% "
                f"({gbd_lo:.0f}-{gbd_hi:.0f}%) of the Dy/Tb of conventional grades [{s_gbd}]; the 2010-12 crisis cut Dy in a "
                f"leading EV magnet by 40% [{s_leaf}]: the share still to save is taken as the GBD saving on conventional grades"
            )
    _, s_hree = sh.get(
        "supply_chain_stage_shares.csv",
        "share_pct",
        material="heavy rare earths (medium/heavy)",
        stage="separation_refining",
        year="2024",
        country="China",
    )
    country_recipe_override = [
        {
            "country": c,
            "process": f"separation_{d}",
            "product": prod,
            "quantity": 0.0,
            "basis": "reported",
            "source": s_hree + " (China ~100% of heavy and minor separation in 2024; those elements in feed separated elsewhere are not recovered)",
        }
        for (c, d) in sep_feed
        if c != "CHN"
        for prod in OXIDES
        if prod != "ndpr_oxide"
    ]

    # ------------------------------------------------------------------ demand by sector
    nev_t, _ = sh.get("end_use_demand.csv", "value", metric_type="NdFeB_demand_by_sector", sector="new energy vehicles")
    nev_share, s_nevsh = sh.get("end_use_demand.csv", "value", metric_type="share_of_NdFeB_demand", sector="new energy vehicles", year="2024")
    wind_t, s_wind = sh.get("end_use_demand.csv", "value", metric_type="NdFeB_demand_by_sector", sector="wind turbines")
    ac_t, s_ac = sh.get("end_use_demand.csv", "value", metric_type="NdFeB_demand_by_sector", sector="inverter air conditioners")
    total_creia = nev_t / (nev_share / 100)
    s18: dict[str, float] = {}
    src18 = ""
    for sec in ["traditional (ICE) automobiles", "industrial (tools, robots, pumps)", "consumer electronics", "energy-saving elevators"]:
        v, src18 = sh.get("end_use_demand.csv", "value", metric_type="share_of_NdFeB_demand", year="2018", sector=sec)
        s18[sec] = v
    s18_other = 100 - 96.7  # the 2018 shares sum to 96.7% (remainder other), per the source note
    s18_total = sum(s18.values()) + s18_other
    rest = 1 - (nev_t + wind_t + ac_t) / total_creia
    defence, s_def = sh.get("end_use_demand.csv", "value", metric_type="share_of_RE_demand", sector="defense (US DoD)")
    shares = {
        "ev_traction": (nev_t / total_creia, f"reported: NEV {nev_share:.0f}% of global NdFeB demand, 2024 [{s_nevsh}]"),
        "wind": (
            wind_t / total_creia,
            f"derived: CREIA 2024 wind {wind_t:.0f} t / implied total {total_creia:.0f} t (NEV {nev_t:.0f} t = 35%) [{s_wind}]",
        ),
        "industrial_appliances": (
            (ac_t + 0) / total_creia + rest * (s18["industrial (tools, robots, pumps)"] + s18["energy-saving elevators"]) / s18_total,
            f"derived: inverter air-conditioners {ac_t:.0f} t / implied total [{s_ac}] plus industrial and elevator shares of the 2018 split applied to the remaining {rest:.1%} [{src18}]",
        ),
        "other_automotive": (
            rest * s18["traditional (ICE) automobiles"] / s18_total,
            f"derived: ICE-automobile share of the 2018 split applied to the remaining {rest:.1%} [{src18}]",
        ),
        "consumer_electronics": (
            rest * s18["consumer electronics"] / s18_total,
            f"derived: consumer-electronics share of the 2018 split applied to the remaining {rest:.1%} [{src18}]; conflicts with 'almost 30%' (Heim & Vander Wal 2023)",
        ),
        "defence_aerospace": (defence / 100, f"derived: US DoD < 0.1% of global REE demand (upper bound), taken as the magnet share [{s_def}]"),
    }
    shares["other"] = (
        rest * s18_other / s18_total - defence / 100,
        f"derived: 'other' of the 2018 split (100-96.7%) applied to the remaining {rest:.1%}, less defence",
    )

    regional_total = {c: 0.0 for c, _, _ in COUNTRIES}
    for c, (v, _, _) in magnets.items():
        regional_total[c] += v
    regional_total["CHN"] -= exports_chn_magnet
    for c, v in mag_exports.items():
        regional_total[c] += v
    for c, v in third_exports.items():
        regional_total[c] -= v
    for c, v in third_imports.items():
        regional_total[c] += v
    demand = []
    for c, _, _ in COUNTRIES:
        for s, _, _, p, _ in SECTORS:
            if p != "ndfeb_magnet" or regional_total[c] <= 0:
                continue
            share, ssrc = shares[s]
            demand.append(
                {
                    "country": c,
                    "sector": s,
                    "product": "ndfeb_magnet",
                    "demand_t": r(regional_total[c] * share),
                    "basis": "assumption",
                    "source": f"assumption: {c} magnet use (production + imports - exports = {regional_total[c]:.0f} t) split by world sector shares; share {share:.4f} {ssrc}",
                }
            )

    # ------------------------------------------------------------------ permanent-magnet motors and e-axles (embedded magnets)
    # Traction motors cross borders inside drive units: the exporter's EV magnets go into motors for the importer's car plants.
    # World trade in EV traction motors is reported by value; the unit value and the split by route are parameters (assumptions).
    motor_trade_usd, _, _, s_motor_trade = element_fact_by("EV traction motors (HS 8501.32/33 for 8703.40-80 vehicles)")
    motor_usd = param(
        "traction_motor_unit_value_usd",
        1500.0,
        "USD/unit",
        "assumption",
        "assumption (no unit value of a traded traction motor found): USD 1,500 per motor or e-axle drive unit, range 800-3,000; "
        "turns the reported value of world trade in EV traction motors into units",
        "Unit value of a traded EV traction motor or drive unit; sets the number of motors traded and the price of pm_motor",
    )
    motor_kg, _, _, s_motor_kg = sh.get_range(
        "end_use_demand.csv", metric="implied NdFeB per motor (Adamas: 48,000 t ~ 25-30 million traction motors)"
    )
    motor_trade_t = motor_trade_usd * 1e9 / motor_usd * motor_kg / 1000.0
    s_motor_t = (
        f"derived: world trade in EV traction motors USD {motor_trade_usd:g} bn (2022) [{s_motor_trade}] / parameter "
        f"traction_motor_unit_value_usd {motor_usd:,.0f} x {motor_kg:g} kg NdFeB per motor [{s_motor_kg}] = {motor_trade_t:,.0f} t of magnets"
    )
    # route: (share of world traction-motor trade, range, why); no split of that trade by route was found
    motor_routes = {
        ("CHN", "EUR"): (0.20, "0.10-0.35", "Chinese motor and e-axle makers supply EU car plants"),
        ("CHN", "DEU"): (0.10, "0.05-0.20", "Chinese motor and e-axle makers supply German car plants"),
        ("CHN", "KOR"): (0.05, "0.02-0.10", "Chinese motor makers supply Korean car plants"),
        ("CHN", "JPN"): (0.05, "0.02-0.10", "Chinese motor makers supply Japanese car plants"),
        ("JPN", "USA"): (0.15, "0.05-0.25", "Japanese drive-unit makers supply car plants in the US"),
        ("JPN", "EUR"): (0.05, "0.02-0.10", "Japanese drive-unit makers supply EU car plants"),
        # net of the rest of the EU's deliveries to Germany (0.10, 0.05-0.20): two-way trade of one
        # product between two of the model's countries is netted, since each country is one node
        # and a two-way loop of one product amplifies rounding under fast time constants
        ("DEU", "EUR"): (0.10, "0.00-0.25", "German drive-unit makers supply car plants elsewhere in the EU, net of the EU's deliveries to Germany"),
        ("KOR", "USA"): (0.10, "0.05-0.20", "Korean motor makers supply car plants in the US"),
    }
    ev_row = {d["country"]: d for d in demand if d["sector"] == "ev_traction"}
    motor_out: dict[str, float] = {}
    motor_in: dict[str, float] = {}
    for (exp, imp), (w, rng, why) in motor_routes.items():
        w = param(
            f"motor_trade_share.{exp}-{imp}",
            w,
            "share",
            "assumption",
            f"assumption: share of world EV traction-motor trade on the route {exp} -> {imp} (range {rng}): {why}; no split by route found",
            f"Share of world trade in EV traction motors and drive units going from {exp} to {imp} (documentation; rebuild to change)",
        )
        flow = motor_trade_t * w
        add(exp, imp, "pm_motor", flow, "assumption", f"assumption: ({s_motor_t}) x parameter motor_trade_share.{exp}-{imp} {w:g} ({why})")
        motor_out[exp] = motor_out.get(exp, 0.0) + flow
        motor_in[imp] = motor_in.get(imp, 0.0) + flow
    for c, t in motor_out.items():
        row = ev_row[c]
        if t >= row["demand_t"]:
            raise SystemExit(f"{c}: motor exports {t:.0f} t exceed its EV traction magnet use {row['demand_t']:.0f} t; lower motor_trade_share.{c}-*")
        row["demand_t"] = r(row["demand_t"] - t)
        row["source"] += f"; less {t:.0f} t of magnets that leave in exported motors and drive units (trade.csv, pm_motor)"
    for c, t in motor_in.items():
        demand.append(
            {
                "country": c,
                "sector": "ev_drive_units",
                "product": "pm_motor",
                "demand_t": r(t),
                "basis": "assumption",
                "source": f"assumption: {c}'s car plants use the motors and drive units it imports (trade.csv, pm_motor: {t:.0f} t of NdFeB content); "
                "its own EV traction magnet use (production + imports - exports of magnets) is unchanged",
            }
        )
    for c, t in motor_out.items():
        fac(
            c,
            "motor_assembly",
            t,
            "assumption",
            f"assumption: {c}'s traction motors and drive units for export (trade.csv, pm_motor), in t of NdFeB content; motors for its own car "
            "plants are in its EV traction magnet use",
        )

    for c, s, p, t, why in element_demand:
        if t > 0:
            demand.append({"country": c, "sector": s, "product": p, "demand_t": r(t), "basis": "assumption", "source": why})

    # ------------------------------------------------------------------ prices (2024)
    prices = []

    def price(product: str, usd_per_kg: float, basis: str, source: str) -> None:
        prices.append({"product": product, "price_usd_per_t": r(usd_per_kg * 1000, 1), "basis": basis, "source": source})

    v, s = sh.get("prices.csv", "value", date="2024", element="NdPr", edition="MCS2026")
    price("ndpr_oxide", v, "reported", s)
    dy_usd, s = sh.get("prices.csv", "value", date="2024", element="Dy", statistic="annual_average", edition="MCS2025")
    price("dy_oxide", dy_usd, "reported", s)
    v, s = sh.get("prices.csv", "value", date="2024", element="Tb", statistic="annual_average", edition="MCS2025")
    price("tb_oxide", v, "reported", s)
    for el, prod in (("Sm", "sm_oxide"), ("Gd", "gd_oxide"), ("Eu", "eu_oxide")):
        v, s = sh.get("prices.csv", "value", date="2024", element=el, edition="MCS2026")
        price(prod, v, "reported", s)
    v, _, _, s = element_fact(17)
    price("y_oxide", v, "reported", f"reported: below USD {v:g}/kg at the end of 2024 (upper bound) [{s}]")
    v, _, _, s = element_fact(22)
    price("sc_oxide", v, "reported", f"reported: ex-works China, 2024 [{s}]")
    # the others: China domestic quotations (with VAT) relative to Dy oxide on the same day, times the USGS FOB Dy price
    for prod, row_el, row_dy in (("ho_oxide", 47, 44), ("er_oxide", 111, 108)):
        el_cny, _, _, s_el = fact(row_el)
        dy_cny, _, _, s_dyq = fact(row_dy)
        price(
            prod,
            dy_usd * el_cny / dy_cny,
            "derived",
            f"derived: SMM China quotation {el_cny:g} CNY/kg [{s_el}] / Dy oxide {dy_cny:g} CNY/kg the same day [{s_dyq}] x Dy oxide USD {dy_usd:g}/kg (2024)",
        )
    for prod, row_el, row_dy in (("lu_oxide", 98, 101), ("yb_oxide", 102, 101)):
        el_cny, _, _, s_el = element_fact(row_el)
        dy_cny, _, _, s_dyq = element_fact(row_dy)
        price(
            prod,
            dy_usd * el_cny / dy_cny,
            "derived",
            f"derived: China Southern list price {el_cny:g} CNY/kg (July 2020) [{s_el}] / its Dy oxide list price {dy_cny:g} [{s_dyq}] "
            f"x Dy oxide USD {dy_usd:g}/kg (2024): relative levels only",
        )
    val, s_val = sh.get("china_exports_monthly_2025.csv", "value", series="china_magnet_exports_value_annual")
    prices.append(
        {
            "product": "ndfeb_magnet",
            "price_usd_per_t": r(val / total_2024, 0),
            "basis": "derived",
            "source": f"derived: China's 2024 magnet export value / tonnes [{s_val}]",
        }
    )
    prices.append(
        {
            "product": "pm_motor",
            "price_usd_per_t": r(motor_usd / motor_kg * 1000, 0),
            "basis": "assumption",
            "source": f"assumption: parameter traction_motor_unit_value_usd USD {motor_usd:,.0f} per motor / {motor_kg:g} kg NdFeB per motor "
            f"[{s_motor_kg}] (USD per t of NdFeB content)",
        }
    )
    smco_usd, _, _, s_smco_usd = element_fact_by("sintered samarium-cobalt magnets (market value)")
    prices.append(
        {
            "product": "smco_magnet",
            "price_usd_per_t": r(smco_usd * 1e6 / smco_world, 0),
            "basis": "derived",
            "source": f"derived: SmCo market value USD {smco_usd:g} m (2024, LOW confidence) [{s_smco_usd}] / world SmCo output {smco_world:.0f} t",
        }
    )

    # ------------------------------------------------------------------ value of output per tonne: unit value / content per unit
    eur_usd = param(
        "eur_usd",
        1.08,
        "USD/EUR",
        "assumption",
        "assumption: euro-dollar rate used to turn a euro price into dollars (about the 2024 average; range 1.05-1.12); no rate is in the facts",
        "Exchange rate for the one euro-denominated unit value (documentation; rebuild to change)",
    )
    dep = param(
        "value_dependence_share",
        1.0,
        "share",
        "assumption",
        "assumption (upper bound): a unit that misses its magnets (or its yttria coating, ...) is not made at all: no magnet, no car",
        "Share of a unit's value lost when the material it contains is missing",
    )
    ev_mag, ev_lo, ev_hi, s_ev_mag = sh.get_range(
        "end_use_demand.csv", metric="implied NdFeB per motor (Adamas: 48,000 t ~ 25-30 million traction motors)"
    )
    _, s_ev_voltbridge = sh.get("end_use_demand.csv", "value", metric="RE magnet mass per EV drive motor")
    ev_usd, _, _, s_ev_usd = element_fact_by("unit value: new electric vehicle (US average transaction price)")
    ice_mag, _, _, s_ice_mag = element_fact(62)
    ice_ree, _, _, s_ice_ree = element_fact(116)
    car_usd, _, _, s_car_usd = element_fact_by("unit value: new light vehicle (US average transaction price)")
    wind_t_mw, _, _, s_wind_mw = sh.get_range("end_use_demand.csv", metric="magnet per MW (average used for analysis)")
    wind_eur, wind_eur_lo, _, s_wind_eur = element_fact_by("unit value: wind turbine (Vestas average selling price of order intake)")
    ac_kg, _, _, s_ac_kg = element_fact_by("NdFeB in an inverter air-conditioner compressor")
    phone_g, phone_lo, phone_hi, s_phone = sh.get_range("end_use_demand.csv", metric="NdFeB per device", sector="smartphone linear vibration motor")
    phone_usd, _, _, s_phone_usd = element_fact_by("unit value: smartphone (global average selling price)")
    f35_ree, f35_lo, f35_hi, s_f35_ree = sh.get_range("end_use_demand.csv", metric="REE-bearing material per aircraft (Adamas re-estimate)")
    f35_smco, f35_smco_lo, f35_smco_hi, s_f35_smco = element_fact(38)
    f35_usd, _, f35_usd_hi, s_f35_usd = element_fact_by("unit value: F-35A fighter (unit recurring flyaway cost)")
    re_share, _, _, s_re_share = element_fact(56)
    ac_usd = param(
        "ac_unit_value_usd",
        500.0,
        "USD/unit",
        "assumption",
        "assumption (no price found): wholesale value of an inverter air-conditioner (indoor and outdoor unit); range 300-1,000",
        "Value of one inverter air-conditioner, the unit of industrial_appliances (documentation; rebuild to change)",
    )
    ice_kg = param(
        "ice_vehicle_ndfeb_kg",
        0.25,
        "kg/vehicle",
        "assumption",
        f"assumption between two sourced points: {ice_mag:g} kg NdFeB per ICE car (2010, magnet maker, low confidence) [{s_ice_mag}] and "
        f"{ice_ree:g} kg of rare earths per ICE vehicle (IEA via a secondary) [{s_ice_ree}], i.e. {ice_ree / (re_share / 100):.2f} kg of magnet at "
        f"{re_share:g}% rare earths [{s_re_share}]; range 0.10-0.83",
        "NdFeB per light vehicle outside the traction drive (EPS, pumps, micro-motors, sensors) (documentation; rebuild to change)",
    )

    # ------------------------------------------------------------------ consumer electronics and auto parts (embedded magnets)
    # Devices and automotive parts cross borders with their magnets inside, like the motors above. Each exporter's reported export
    # value (smartphones 2022, HS 8708 auto parts 2017) is turned into t of NdFeB content; the split by destination is a parameter
    # (assumption) with its range. The magnets leave the exporter's own use of the sector and serve the importer's new sector.
    def embedded_trade(
        product: str,
        process: str,
        own_sector: str,
        new_sector: str,
        t_per_busd: float,
        s_t: str,
        exporter_value: dict[str, tuple[float, str]],
        routes: dict[tuple[str, str], tuple[float, str, str]],
        share_param: str,
        what: str,
    ) -> None:
        own_row = {d["country"]: d for d in demand if d["sector"] == own_sector}
        out: dict[str, float] = {}
        into: dict[str, float] = {}
        for (exp, imp), (w, rng, why) in routes.items():
            w = param(
                f"{share_param}.{exp}-{imp}",
                w,
                "share",
                "assumption",
                f"assumption: share of {exp}'s {what} exports going to {imp} (range {rng}): {why}",
                f"Share of {exp}'s exports of {what} going to {imp} (documentation; rebuild to change)",
            )
            usd_bn, s_usd = exporter_value[exp]
            flow = usd_bn * t_per_busd * w
            add(
                exp,
                imp,
                product,
                flow,
                "assumption",
                f"assumption: {exp}'s {what} exports USD {usd_bn:g} bn [{s_usd}] x {t_per_busd:.3g} t NdFeB per USD bn ({s_t}) x parameter "
                f"{share_param}.{exp}-{imp} {w:g} ({why})",
            )
            out[exp] = out.get(exp, 0.0) + flow
            into[imp] = into.get(imp, 0.0) + flow
        for c, t in out.items():
            row = own_row[c]
            if t >= row["demand_t"]:
                raise SystemExit(
                    f"{c}: {what} exports {t:.0f} t exceed its {own_sector} magnet use {row['demand_t']:.0f} t; lower {share_param}.{c}-*"
                )
            row["demand_t"] = r(row["demand_t"] - t)
            row["source"] += f"; less {t:.0f} t of magnets that leave in exported {what} (trade.csv, {product})"
            fac(
                c,
                process,
                t,
                "assumption",
                f"assumption: {c}'s {what} for export (trade.csv, {product}), in t of NdFeB content; those for its own market are in its "
                f"{own_sector} magnet use",
            )
        for c, t in into.items():
            demand.append(
                {
                    "country": c,
                    "sector": new_sector,
                    "product": product,
                    "demand_t": r(t),
                    "basis": "assumption",
                    "source": f"assumption: {c}'s users buy the {what} it imports (trade.csv, {product}: {t:.0f} t of NdFeB content); its own "
                    f"{own_sector} magnet use (production + imports - exports of magnets) is unchanged",
                }
            )

    # (a) smartphones and other consumer electronics: 4 g NdFeB per phone at the world average selling price
    phones = "smartphones (wireless phone devices)"
    world_phone_usd, _, _, s_world_phone = element_fact_by(phones, "world export value")
    chn_phone_usd, _, _, s_chn_phone = element_fact_by(phones, "China export value")
    vnm_phone_usd, _, _, s_vnm_phone = element_fact_by(phones, "Vietnam export value")
    ind_phone_pct, _, _, s_ind_phone = element_fact_by(phones, "India share of world exports")
    vnm_us_pct, _, _, s_vnm_us = element_fact_by("phones and components (Vietnam exports by destination)")
    device_t_per_busd = 1e9 / phone_usd * phone_g / 1e6
    s_device_t = f"{phone_g:g} g NdFeB per smartphone [{s_phone}] / USD {phone_usd:,.0f} world average selling price [{s_phone_usd}]"
    device_routes = {
        ("CHN", "USA"): (0.20, "0.10-0.30", "Chinese assembly plants supply the US market; no split of China's phone exports by destination found"),
        ("CHN", "EUR"): (0.12, "0.06-0.20", "Chinese assembly plants supply the EU market"),
        ("CHN", "DEU"): (0.05, "0.02-0.10", "Chinese assembly plants supply the German market"),
        ("CHN", "JPN"): (0.06, "0.03-0.10", "Chinese assembly plants supply the Japanese market"),
        ("CHN", "KOR"): (0.02, "0.01-0.05", "Chinese assembly plants supply the Korean market"),
        ("VNM", "USA"): (
            r(vnm_us_pct / 100, 4),
            "0.15-0.35",
            f"reported US share of Vietnam's exports of phones and components, January 2024 [{s_vnm_us}], held for 2022 smartphones",
        ),
        ("VNM", "EUR"): (0.15, "0.10-0.25", "Vietnam's phone plants (Samsung) supply the EU market; no EU share found"),
        ("VNM", "KOR"): (0.06, "0.03-0.10", f"South Korea third buyer of Vietnam's phones and components, 6% in January 2024 [{s_vnm_us}]"),
        ("IND", "USA"): (0.35, "0.20-0.50", "India's phone exports go largely to the US (Apple's suppliers); no share found"),
        ("IND", "EUR"): (0.25, "0.10-0.35", "and to the EU; no share found"),
    }
    embedded_trade(
        "pm_device",
        "device_assembly",
        "consumer_electronics",
        "electronics_devices",
        device_t_per_busd,
        s_device_t,
        {
            "CHN": (chn_phone_usd, s_chn_phone),
            "VNM": (vnm_phone_usd, s_vnm_phone),
            "IND": (
                r(ind_phone_pct / 100 * world_phone_usd, 2),
                f"derived: India's share {ind_phone_pct:g}% [{s_ind_phone}] x world smartphone exports USD {world_phone_usd:g} bn [{s_world_phone}]",
            ),
        },
        device_routes,
        "device_trade_share",
        "smartphones and consumer electronics",
    )
    prices.append(
        {
            "product": "pm_device",
            "price_usd_per_t": r(phone_usd / phone_g * 1e6, 0),
            "basis": "derived",
            "source": f"derived: smartphone average selling price USD {phone_usd:,.0f} [{s_phone_usd}] / {phone_g:g} g NdFeB per phone [{s_phone}] "
            "(USD per t of NdFeB content)",
        }
    )

    # (b) automotive parts other than drive units (EPS, pumps, small motors): magnets per dollar of parts = magnets per dollar of car
    parts = "automotive parts (HS 8708)"
    intensity = param(
        "auto_part_magnet_intensity",
        1.0,
        "1",
        "assumption",
        "assumption (no magnet content of traded auto parts found): NdFeB per USD of traded HS 8708 parts relative to NdFeB per USD of a whole "
        "light vehicle (parameter ice_vehicle_ndfeb_kg / US average price); 1 = the same; range 0.5-3 (EPS gears and pump modules are "
        "denser in magnets than bodies and trim, bodies and trim dilute them)",
        "Magnet intensity of traded auto parts relative to the whole vehicle; sizes the pm_auto_part trade (documentation; rebuild to change)",
    )
    part_t_per_busd = 1e9 * ice_kg / car_usd * intensity / 1000.0
    s_part_t = (
        f"parameter ice_vehicle_ndfeb_kg {ice_kg:g} kg / USD {car_usd:,.0f} per light vehicle [{s_car_usd}] x parameter "
        f"auto_part_magnet_intensity {intensity:g}"
    )
    part_value = {
        code: (element_fact_by(parts, metric)[0], element_fact_by(parts, metric)[3])
        for code, metric in (
            ("DEU", "Germany export value"),
            ("JPN", "Japan export value"),
            ("CHN", "China export value"),
            ("KOR", "South Korea export value"),
            ("ROW", "Mexico export value"),
        )
    }
    part_value["EUR"] = (
        element_fact_by(
            parts, "EU exporters other than Germany among the top 15 (France, Czech Republic, Italy, Poland, Spain, Romania) export value"
        )[0],
        element_fact_by(
            parts, "EU exporters other than Germany among the top 15 (France, Czech Republic, Italy, Poland, Spain, Romania) export value"
        )[3],
    )
    part_routes = {
        # net of the rest of the EU's deliveries to Germany (0.30 of its USD 74.4 bn, range 0.20-0.40,
        # against 0.45 of Germany's USD 62.5 bn): two-way trade of one product between two of the
        # model's countries is netted (each country is one node; a two-way loop of one product
        # amplifies rounding under fast time constants)
        ("DEU", "EUR"): (
            0.09,
            "0.00-0.30",
            "German suppliers serve car plants across the EU single market, net of other EU suppliers' deliveries to Germany",
        ),
        ("DEU", "USA"): (0.10, "0.05-0.15", "German suppliers serve car plants in the US"),
        ("JPN", "USA"): (0.30, "0.20-0.40", "Japanese suppliers (JTEKT, NSK, Denso) serve car plants in the US"),
        ("JPN", "EUR"): (0.08, "0.04-0.15", "Japanese suppliers serve EU car plants"),
        ("CHN", "USA"): (0.20, "0.10-0.30", "Chinese suppliers serve car plants and the aftermarket in the US"),
        ("CHN", "JPN"): (0.08, "0.04-0.15", "Chinese suppliers serve Japanese car plants"),
        ("CHN", "EUR"): (0.12, "0.06-0.20", "Chinese suppliers serve EU car plants"),
        ("KOR", "USA"): (0.35, "0.25-0.45", "Korean suppliers (Hyundai Mobis, Mando) serve car plants in the US"),
        ("ROW", "USA"): (0.80, "0.70-0.90", "Mexico's parts plants serve car plants in the US (USMCA)"),
    }
    embedded_trade(
        "pm_auto_part",
        "auto_part_assembly",
        "other_automotive",
        "auto_parts",
        part_t_per_busd,
        s_part_t,
        part_value,
        part_routes,
        "auto_part_trade_share",
        "automotive parts with magnets (EPS, pumps, small motors)",
    )
    prices.append(
        {
            "product": "pm_auto_part",
            "price_usd_per_t": r(1e9 / part_t_per_busd, 0),
            "basis": "assumption",
            "source": f"assumption: USD of traded auto parts per t of their NdFeB content, the inverse of ({s_part_t})",
        }
    )
    f35_ndfeb = f35_ree - f35_smco
    # sector -> (unit, kg of the sector's product per unit, low, high, basis, content source, USD per unit, low, high, value basis, value source)
    content_rows: dict[str, tuple[str, float, float, float, str, str, float, float, float, str, str]] = {
        "ev_traction": (
            "electric car (traction drive)",
            ev_mag,
            1.0,
            2.5,
            "reported",
            f"reported: {ev_mag:g} kg NdFeB per traction motor ({ev_lo:g}-{ev_hi:g}) [{s_ev_mag}], one motor per car; other estimates 1-2 kg [{s_ev_voltbridge}]",
            ev_usd,
            25000.0,
            60000.0,
            "reported",
            f"reported: US average transaction price of a new EV, January 2024 [{s_ev_usd}]; the low end is an assumption for China's cheaper EVs",
        ),
        "other_automotive": (
            "light vehicle (EPS, pumps, micro-motors, sensors)",
            ice_kg,
            0.10,
            0.83,
            "assumption",
            "assumption: parameter ice_vehicle_ndfeb_kg",
            car_usd,
            25000.0,
            50000.0,
            "reported",
            f"reported: US average transaction price of a new vehicle, November 2024 [{s_car_usd}]; the low end is an assumption for the world fleet",
        ),
        "wind": (
            "MW of permanent-magnet wind turbine",
            wind_t_mw * 1000,
            500.0,
            1300.0,
            "reported",
            f"reported: {wind_t_mw:g} t of magnet per MW of PM generator (average) [{s_wind_mw}]; direct-drive up to 1.3 t/MW",
            wind_eur * 1e6 * eur_usd,
            wind_eur_lo * 1e6 * 1.05,
            1.1e6 * 1.12,
            "derived",
            f"derived: Vestas average selling price EUR {wind_eur:g} m per MW (order intake Q3 2018, held for 2024: an assumption) [{s_wind_eur}] x "
            f"parameter eur_usd; the turbine only, not the installed project",
        ),
        "industrial_appliances": (
            "inverter air-conditioner (compressor motor)",
            ac_kg,
            0.06,
            0.25,
            "reported",
            f"reported: {ac_kg:g} kg NdFeB per inverter compressor [{s_ac_kg}]; air-conditioners are 71% of the sector's magnets (the rest "
            "industrial motors and elevators, taken at the same value per tonne)",
            ac_usd,
            300.0,
            1000.0,
            "assumption",
            "assumption: parameter ac_unit_value_usd",
        ),
        "consumer_electronics": (
            "smartphone",
            phone_g / 1000,
            phone_lo / 1000,
            phone_hi / 1000,
            "reported",
            f"reported: {phone_g:g} g NdFeB in a smartphone's vibration motor ({phone_lo:g}-{phone_hi:g} g) [{s_phone}]; speakers not counted",
            phone_usd,
            200.0,
            900.0,
            "reported",
            f"reported: global smartphone average selling price 2024 [{s_phone_usd}]; range to Apple's ASP",
        ),
        "defence_aerospace": (
            "F-35A fighter (NdFeB)",
            f35_ndfeb,
            f35_lo - f35_smco_hi,
            f35_hi - f35_smco_lo,
            "derived",
            f"derived: {f35_ree:g} kg of rare-earth-bearing material per F-35 ({f35_lo:g}-{f35_hi:g}) [{s_f35_ree}] less {f35_smco:g} kg of "
            f"SmCo magnets [{s_f35_smco}]; the older 417 kg figure counts other materials",
            f35_usd * 1e6,
            f35_usd * 1e6,
            f35_usd_hi * 1e6,
            "reported",
            f"reported: F-35A unit flyaway cost, lots 15-17 [{s_f35_usd}]",
        ),
        "smco_defence": (
            "F-35A fighter (SmCo)",
            f35_smco,
            f35_smco_lo,
            f35_smco_hi,
            "reported",
            f"reported: about 50 lb of SmCo magnets per F-35 [{s_f35_smco}]; guided munitions not found (fidelity README gaps)",
            f35_usd * 1e6,
            f35_usd * 1e6,
            f35_usd_hi * 1e6,
            "reported",
            f"reported: F-35A unit flyaway cost, lots 15-17 [{s_f35_usd}]",
        ),
    }
    values_per_t = {s: uv / (kg / 1000.0) for s, (_u, kg, _l, _h, _b, _s, uv, *_r) in content_rows.items()}
    # sectors with no sourced unit: the value per tonne of a sourced sector that uses the same kind of magnet
    analog = {
        "ev_drive_units": (
            "ev_traction",
            "assumption: a car whose imported traction motor is missing stops like one whose magnet is missing: valued per t of NdFeB "
            "content like EV traction (one motor of 1.75 kg per car)",
        ),
        "electronics_devices": (
            "consumer_electronics",
            "assumption: a device bought from abroad is valued per t of NdFeB content like one assembled at home (one smartphone)",
        ),
        "auto_parts": (
            "other_automotive",
            "assumption: a car whose imported EPS unit, pump or small motor is missing stops like one whose magnets are missing: valued "
            "per t of NdFeB content like other automotive uses",
        ),
        "other": (
            "industrial_appliances",
            "assumption: sensors, speakers and medical equipment valued like industrial appliances (no unit found); range from wind to consumer electronics",
        ),
        "smco_industrial": (
            "industrial_appliances",
            "assumption: industrial SmCo uses (high-temperature motors and sensors) valued like industrial NdFeB appliances (no unit found); range from wind to consumer electronics",
        ),
    }
    values = []
    contents = []
    for s_code, (unit, kg, lo, hi, b, src_c, uv, uv_lo, uv_hi, ub, src_v) in content_rows.items():
        contents.append(
            {
                "sector": s_code,
                "unit": unit,
                "content_kg": r(kg, 6),
                "content_low_kg": r(lo, 6),
                "content_high_kg": r(hi, 6),
                "content_source": src_c,
                "unit_value_usd": r(uv, 0),
                "unit_value_low_usd": r(uv_lo, 0),
                "unit_value_high_usd": r(uv_hi, 0),
                "price_year": 2024,
                "basis": "assumption" if "assumption" in (b, ub) else ("derived" if "derived" in (b, ub) else "reported"),
                "source": f"content: {src_c}; unit value: {src_v}",
            }
        )
    dem_sectors = {(d["country"], d["sector"]) for d in demand}
    for c, _, _ in COUNTRIES:
        for s_code, _, _, prod, _ in SECTORS:
            if (c, s_code) not in dem_sectors:
                continue
            if s_code in values_per_t:
                unit, kg = content_rows[s_code][0], content_rows[s_code][1]
                v = values_per_t[s_code]
                src_v = (
                    f"derived: value of one {unit} USD {content_rows[s_code][6]:,.0f} / its {kg:g} kg of {prod} (contents.csv row {s_code}); "
                    "the same unit value in every country (US or world prices)"
                )
                b = "derived"
            elif s_code in analog:
                ref, why = analog[s_code]
                v, src_v, b = values_per_t[ref], f"{why}: USD {values_per_t[ref]:,.0f}/t", "assumption"
            else:
                continue  # no sourced content per unit: not valued (README, gaps)
            values.append({"country": c, "sector": s_code, "value_usd_per_t": r(v, 0), "price_year": 2024, "basis": b, "source": src_v})

    # the other sectors (coatings, the minor elements' users): no content per unit was found, so each tonne is valued at a
    # multiple of the material's price, the median multiple of the magnet sectors valued from their content
    magnet_price = next(row["price_usd_per_t"] for row in prices if row["product"] == "ndfeb_magnet")
    smco_price = next(row["price_usd_per_t"] for row in prices if row["product"] == "smco_magnet")
    multiples = sorted(v / (smco_price if content_rows[k][0].endswith("(SmCo)") else magnet_price) for k, v in values_per_t.items())
    median_multiple = float(np.median(multiples))
    multiple = param(
        "element_value_multiple",
        r(median_multiple, 0),
        "1",
        "assumption",
        "assumption (no content per unit found for these uses): output that needs a tonne of the material is worth this multiple of "
        "the material's price: the median of the multiples of the magnet sectors valued from their content per unit "
        f"({', '.join(f'{m:,.0f}' for m in multiples)}; contents.csv and prices.csv); range {multiples[0]:,.0f}-{multiples[-1]:,.0f}",
        "Value of output per tonne of a minor rare earth (or SmCo magnet, yttria coating) as a multiple of its price (documentation; rebuild to change)",
    )
    price_of = {row["product"]: (row["price_usd_per_t"], row["source"]) for row in prices}
    price_of["y_coating"] = price_of["y_oxide"]
    price_of["tm_oxide"] = (price_of["er_oxide"][0], "assumption: thulium priced like erbium, its neighbour (no thulium price found)")
    dem_pairs = {(d["country"], d["sector"]) for d in demand}
    for c, _, _ in COUNTRIES:
        for s, _, _, prod, _ in SECTORS:
            if (c, s) not in dem_pairs or any(v["country"] == c and v["sector"] == s for v in values):
                continue
            pv, _ = price_of[prod]
            priced = {"y_coating": "y_oxide (the coating's Y2O3 content)", "tm_oxide": "er_oxide (no thulium price found)"}.get(prod, prod)
            values.append(
                {
                    "country": c,
                    "sector": s,
                    "value_usd_per_t": r(pv * multiple, 0),
                    "price_year": 2024,
                    "basis": "assumption",
                    "source": f"assumption: price of {priced} USD {pv:,.0f}/t (prices.csv) x parameter element_value_multiple {multiple:g}",
                }
            )

    # ------------------------------------------------------------------ stocks (days of cover)
    mag_inv, s_mag_inv = sh.get("inventory_leadtimes.csv", "value", subject="finished NdFeB magnets held by car makers and suppliers")
    raw_inv, s_raw_inv = sh.get("inventory_leadtimes.csv", "value", subject="RE raw materials held by automakers")
    days_per_month = 365.0 / 12
    chn_cover = param(
        "china_cover_days",
        30.0,
        "days",
        "assumption",
        "assumption: no figure found for stocks held inside China's chain",
        "Days of cover held at every stage inside China",
    )
    mine_cover = param(
        "concentrate_cover_days",
        30.0,
        "days",
        "assumption",
        "assumption: no figure found for concentrate stocks",
        "Days of cover of concentrate held outside China",
    )
    stocks = []
    for c, _, _ in COUNTRIES:
        for p, _, _, _ in PRODUCTS:
            if c == "CHN":
                stocks.append(
                    {"country": c, "product": p, "cover_days": chn_cover, "basis": "assumption", "source": "assumption: parameter china_cover_days"}
                )
            elif p in ("ndfeb_magnet", "smco_magnet", "pm_motor", "pm_device", "pm_auto_part"):
                stocks.append(
                    {
                        "country": c,
                        "product": p,
                        "cover_days": r(mag_inv * days_per_month, 1),
                        "basis": "reported",
                        "source": f"reported: car makers and suppliers held {mag_inv} months of magnets (2-3) [{s_mag_inv}]; "
                        "applies to process use and exports: the stock for end use is held by the users' cohorts (cohorts.csv) "
                        "and by traders (parameter market_cover_days)"
                        + ("; the NdFeB figure is applied to SmCo magnets (no SmCo figure found)" if p == "smco_magnet" else "")
                        + ("; applied to the motors and drive units that carry them (no figure for motors found)" if p == "pm_motor" else "")
                        + ("; applied to the devices and parts that carry them (no figure found)" if p in ("pm_device", "pm_auto_part") else ""),
                    }
                )
            elif p.startswith("conc_"):
                stocks.append(
                    {
                        "country": c,
                        "product": p,
                        "cover_days": mine_cover,
                        "basis": "assumption",
                        "source": "assumption: parameter concentrate_cover_days",
                    }
                )
            else:
                stocks.append(
                    {
                        "country": c,
                        "product": p,
                        "cover_days": r(raw_inv * days_per_month, 1),
                        "basis": "reported",
                        "source": f"reported: automakers typically hold {raw_inv:.0f} months of RE raw materials (2-4) [{s_raw_inv}]; applied to oxide, "
                        "metal and powder stocks outside China",
                    }
                )
    # ------------------------------------------------------------------ end users' stocks (cohorts)
    trader_days, trader_lo, trader_hi, s_trader = fact(184)
    param(
        "market_cover_days",
        15.0,
        "days",
        "assumption",
        f"assumption within the range {trader_lo:.0f}-{trader_hi:.0f} days assumed for traders and distributors "
        f"(midpoint {trader_days:.0f}) [{s_trader}]; set at the low end so that market plus users' stocks total the "
        f"reported {mag_inv} months of magnets [{s_mag_inv}]",
        "Days of end-use demand for magnets held by traders and distributors (the rest sits with the users' cohorts)",
    )
    oem, oem_lo, oem_hi, s_oem = fact(157)  # weeks of critical components at automakers (reported)
    cust, _, _, s_cust = fact(161)  # months of customer stockpiles (reported)
    ind, _, _, s_ind = fact(190)  # days of magnets at Indian automakers (reported)
    tier, tier_lo, tier_hi, s_tier = fact(182)  # tier-1/2 motor makers (assumption)
    defence, def_lo, def_hi, s_def = fact(185)  # defence primes (assumption)
    cohort_defs = {
        # sector: [(cohort, share of demand, days along the chain, basis, why)]
        "*": [
            ("lean", 0.25, 30.0, "assumption", f"lean chains: about a month [{s_oem}; {s_cust}]"),
            ("typical", 0.5, 60.0, "reported", f"customer stockpiles of about {cust:.0f} months [{s_cust}]"),
            ("stocked", 0.25, 90.0, "reported", f"well-stocked users: {ind:.0f} days [{s_ind}]"),
        ],
        "ev_traction": [
            ("oem_jit", 0.25, oem * 7, "reported", f"automakers hold {oem_lo:.0f}-{oem_hi:.0f} weeks of critical components [{s_oem}]"),
            ("tier_suppliers", 0.5, tier, "assumption", f"tier-1/2 motor makers {tier_lo:.0f}-{tier_hi:.0f} days [{s_tier}]"),
            ("stocked", 0.25, ind, "reported", f"well-stocked automakers: {ind:.0f} days [{s_ind}]"),
        ],
        "defence_aerospace": [
            ("primes_low", 0.5, def_lo, "assumption", f"defence primes {def_lo:.0f}-{def_hi:.0f} days [{s_def}]"),
            ("primes_high", 0.5, defence, "assumption", f"defence primes {def_lo:.0f}-{def_hi:.0f} days [{s_def}]"),
        ],
    }
    cohort_defs["other_automotive"] = cohort_defs["ev_traction"]
    cohort_defs["ev_drive_units"] = cohort_defs["ev_traction"]
    cohort_defs["auto_parts"] = cohort_defs["ev_traction"]
    cohort_defs["smco_defence"] = cohort_defs["defence_aerospace"]
    cohorts = [
        {
            "country": "*",
            "sector": sector,
            "cohort": name,
            "share_of_demand": share,
            "cover_days": r(days, 1),
            "basis": basis,
            "source": f"{basis}: {why}; shares of demand are an assumption (no split by firm found)",
        }
        for sector, rows in cohort_defs.items()
        for name, share, days, basis, why in rows
    ]
    jpn_stockpile, s_jpn = sh.get("inventory_leadtimes.csv", "value", metric="stockpile target before 2020 strategy")
    strategic = [
        {
            "country": "JPN",
            "product": p,
            "cover_days": jpn_stockpile,
            "basis": "reported",
            "source": f"reported: JOGMEC rare-metal stockpile target {jpn_stockpile:.0f} days of domestic consumption (raised to up to 180 days in 2020) [{s_jpn}]",
        }
        for p in ["ndpr_oxide", "dy_oxide", "tb_oxide", "ndpr_metal", "dy_metal", "tb_metal"]
    ]

    # ------------------------------------------------------------------ behavioural parameters
    lic, s_lic = sh.get("inventory_leadtimes.csv", "value", metric="statutory review period")
    param("licence_review_working_days", lic, "working days", "reported", s_lic, "MOFCOM statutory licence review period")
    param(
        "inventory_adjustment_days",
        30.0,
        "days",
        "assumption",
        "assumption: cf. BoARIO's inventory restoration time tau",
        "Time over which buyers close a gap to target stock",
    )
    param("production_adjustment_days", 30.0, "days", "assumption", "assumption", "Time over which producers close a gap to target output stock")
    param(
        "switching_lag_days",
        60.0,
        "days",
        "assumption",
        "assumption: qualification of a new magnet supplier takes 24+ months (inventory_leadtimes.csv) but spot buying from qualified alternatives is faster",
        "Time constant over which unfilled orders are redirected to alternative suppliers",
    )
    fit2010 = "fitted: backtest cn-2010-quota (`supplyshock backtest cn-2010-quota`) on dysprosium oxide prices FOB China, January 2009 to August 2011 (data/backtests/dy_oxide_prices_2009_2013.csv), with a weak prior, on the scenario's central case; scored out of sample on December 2011-2013 (MAPE 43.0%, bias +43.0%: prices fall back more slowly than observed); objective 0.0675; refitted on 30 Nov 2026 after import orders stopped counting the output that rebuilds a producer's stock as covering its use and producers without baseline suppliers began planning on the spot imports that arrive (before: 0.323, 30 days, 0 days, 0.50/yr, 0.0385, scored 29.3%; with the first change only 0.319, 30, 0, 0.50, 0.049, scored 20.1%; before producers returned to their usual import share once supply is back 0.323, 30, 0.006, 0.50, 0.041, scored 26.7%; before the third-country magnet trade was added 0.33, 24.3 days, 0.04 days, 0.48/yr, 0.075, scored 16%; before the element-by-element split 0.325, 21.6, 9.9, 0.48, 0.184: the objective is flat along these values); grid points within 0.05 of the best objective (fit before the split) span"
    param("price_flexibility", 0.318, "1", "fitted", f"{fit2010} 0.2-0.8", "Price index = cover_ratio ** (-1 / price_flexibility)")
    param("price_adjustment_days", 30.0, "days", "fitted", f"{fit2010} 1-120 days", "Time constant of price adjustment")
    param(
        "price_foresight_days",
        0.0,
        "days",
        "fitted",
        f"{fit2010} 0-120 days",
        "Horizon over which the market prices the stock it expects at today's flows",
    )
    param(
        "substitution_rate_per_year",
        0.10,
        "share/yr",
        "reported",
        "Sprecher et al. (2017) ES&T 51(7):3860-3870: substitution up to 10% of total demand per year in the 2010-11 crisis (as summarised in shared ANCHORS.md 3.2)",
        "Maximum rate at which price-driven substitution and thrifting cut magnet demand",
    )
    param("substitution_price_threshold", 1.5, "price index", "assumption", "assumption", "Price index above which substitution starts")
    param("trade_elasticity", 2.0, "1", "assumption", "assumption", "Elasticity of supplier shares to tariff-inclusive price")
    param(
        "tariff_demand_elasticity",
        1.0,
        "1",
        "assumption",
        "assumption: buyers defer purchases on tariffed links, drawing on stocks",
        "Orders on a tariffed link are scaled by (1 + tariff) ** -tariff_demand_elasticity",
    )
    param(
        "price_index_max",
        30.0,
        "price index",
        "assumption",
        "assumption: caps the storage-model price response (dysprosium oxide rose about 26-fold in 2009-11, prices.csv)",
        "Ceiling of the price index",
    )
    param("substitution_max", 0.30, "share", "assumption", "assumption", "Ceiling of price-driven substitution (share of demand)")
    param(
        "candidate_transit_days",
        30.0,
        "days",
        "assumption",
        "assumption: long-haul sea freight",
        "Transit time of links with no baseline trade, used when orders are rerouted",
    )
    param(
        "front_loading_days",
        30.0,
        "days",
        "assumption",
        "assumption",
        "Extra days of cover buyers seek between the announcement and the start of a control or tariff",
    )
    param("expectation_days", 7.0, "days", "assumption", "assumption", "Time constant of the exponential smoothing of expected flows")
    _smuggled, smug_lo, smug_hi, s_smug = fact(213)
    param(
        "leakage_max",
        0.050,
        "share",
        "fitted",
        f"{fit2010} 0-0.3; below what 2011 suggests, when rare earths leaving China unrecorded were {smug_lo:.0f}-{smug_hi:.0f}% of recorded exports "
        f"[{s_smug}] (with the quota refusing about 40% of demand, a fifth to a half of the refused flow): the price fit is flat in it, and the uncertain blocks span 0-0.3",
        "Largest share of a controlled flow that reaches buyers outside China through third countries once the price spread is wide",
    )
    param(
        "embedded_supply_max",
        0.1,
        "share",
        "assumption",
        "assumption (no figure found): buyers outside China can shift to imports of finished motors and parts with Chinese "
        "magnets inside (not controlled until October 2025); qualification of new parts takes years (inventory_leadtimes.csv: "
        "over 2 years for automotive magnet suppliers), so only a small share within months; range 0-0.3",
        "Largest share of end-use demand outside China covered by imports of parts with the magnets embedded",
    )
    param(
        "demand_price_elasticity",
        0.1,
        "1",
        "assumption",
        "assumption (no numeric elasticity found, data-raw/fidelity/README.md gaps): magnets are a small share of the cost of "
        "the products that use them, so short-run demand barely responds; range 0-0.3",
        "Short-run price elasticity of end-use magnet demand",
    )
    param(
        "thrifting_rate_per_year",
        0.50,
        "share/yr",
        "fitted",
        f"{fit2010} 0.25-1.5; prior 0.5/yr: the 40% cut of Dy in a leading EV magnet took about two years in 2010-12 [{fact(18)[3]}]",
        "Share of the thrifting potential (recipes.csv thrift_max) realised per year while prices are high",
    )
    growth, _, _, s_growth = fact(22)
    param(
        "demand_growth_per_year",
        r(growth / 100, 4),
        "share/yr",
        "reported",
        f"reported: forecast demand growth of rare-earth magnets {growth}%/yr [{s_growth}]",
        "Growth of magnet demand (and of the chain with it) per year from mid-2024",
    )
    param("export_cover_days_target", 0.0, "days", "definition", "definition", "reserved")

    tables["countries"] = [
        {
            "country": c,
            "name": n,
            "mrio_region": m,
            "market": "china" if c == "CHN" else "outside_china",
            "source": "ISO 3166-1 alpha-3 where one exists; MML, EUR, ROW are supplyshock aggregates; mrio_region maps to the WIOD 2013 aggregated regions; "
            "market: definition (China, the controlling country, is one price market, the rest of the world the other)",
        }
        for c, n, m in COUNTRIES
    ]
    tables["products"] = [{"product": p, "stage": st, "name": n, "unit": u, "source": "definition"} for p, st, n, u in PRODUCTS]
    tables["sectors"] = [
        {
            "sector": s,
            "name": n,
            "mrio_sector": m,
            "product": prod,
            "priority": prio,
            "source": f"definition; mrio_sector is the WIOD aggregated sector whose output depends on {prod}"
            + (
                "; priority 1 (served first within a country): assumption modelled on rated defence orders taking precedence "
                "(US Defense Priorities and Allocations System, 15 CFR part 700)"
                if prio == 1
                else ""
            ),
        }
        for s, n, m, prod, prio in SECTORS
    ]
    tables["cohorts"] = cohorts
    tables["recipes"] = recipes
    tables["recipe_overrides"] = country_recipe_override
    tables["facilities"] = facilities
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for t in trade:
        key = (t["exporter"], t["importer"], t["product"])
        if key in merged:
            m = merged[key]
            m["flow_t"] = r(m["flow_t"] + t["flow_t"])
            m["basis"] = "assumption" if "assumption" in (m["basis"], t["basis"]) else m["basis"]
            m["source"] = f"sum of: ({m['source']}) + ({t['source']})"
            m["note"] = "; ".join(x for x in (m["note"], t["note"]) if x)
        else:
            merged[key] = dict(t)
    tables["trade"] = list(merged.values())
    tables["demand"] = demand
    tables["values"] = values
    tables["contents"] = contents
    tables["stocks"] = stocks
    tables["strategic_stocks"] = strategic
    tables["prices"] = prices
    tables["parameters"] = [p for p in params if p["name"] != "export_cover_days_target"]
    return tables


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: (f"{v:.12g}" if isinstance(v, float) else v) for k, v in row.items()})
    return buf.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    tables = build(Path(args.shared))
    bad = []
    for name, rows in tables.items():
        text = to_csv(rows)
        path = OUT / f"{name}.csv"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                bad.append(name)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if bad:
        print("out of date: " + ", ".join(bad), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
