"""Build the embedded `graphite` dataset (2024 baseline) from data-raw/minerals/graphite/facts.csv.

Run from the repository root::

    python data-raw/build_graphite.py            # write src/supplyshock/data/graphite/
    python data-raw/build_graphite.py --check    # fail if the shipped files differ from the build

Chain (t of graphite; cells in GWh): natural graphite concentrate (flake and amorphous) ->
spheronising and purification (SPG) -> coated natural anode material; synthetic graphite
(from needle and petroleum coke, not modelled) -> synthetic anode material; anode active
material (AAM) -> lithium-ion cells. Natural graphite also goes to refractories, foundries,
lubricants and brake linings. China's 2023 licensing covers natural flake and spherical
graphite (and high-purity bulk synthetic graphite, not anode powder): the products
``gr_natural`` and ``gr_spherical`` here.
"""

from __future__ import annotations

from mineral_build import Dataset, Facts, main

FAMILY = "graphite"


def build(overrides: dict[str, float]) -> Dataset:
    f = Facts(FAMILY)
    ds = Dataset("graphite", "graphite", "gr", overrides)
    ds.meta = {
        "title": "Graphite chain (natural flake and synthetic graphite to spherical graphite, anode material and Li-ion cells), 2024 baseline",
        "base_year": 2024,
        "headlines": [
            {
                "id": "china_spg_exports",
                "label": "China's spherical graphite exports",
                "exporter": "CHN",
                "product": "gr_spherical",
                "importers": ["KOR", "JPN", "USA"],
            },
            {
                "id": "china_flake_exports",
                "label": "China's natural graphite exports",
                "exporter": "CHN",
                "product": "gr_natural",
                "importers": ["KOR", "JPN", "DEU", "USA"],
            },
            {
                "id": "china_anode_exports",
                "label": "China's anode material exports",
                "exporter": "CHN",
                "product": "gr_anode",
                "importers": ["KOR", "USA", "EUR"],
            },
        ],
    }
    ds.countries(["CHN", "MOZ", "MDG", "TZA", "BRA", "CAN", "KOR", "JPN", "USA", "DEU", "EUR", "ROW"])
    ds.product("gr_natural", "mining", "Natural graphite concentrate (flake and amorphous)", "t")
    ds.product("gr_spherical", "spheronising", "Spherical purified graphite (SPG, uncoated)", "t")
    ds.product("gr_synthetic", "synthetic", "Synthetic graphite for anodes (from needle and petroleum coke)", "t")
    ds.product("gr_anode", "anode", "Anode active material (coated spherical and synthetic graphite)", "t")
    ds.product("gr_cells", "cells", "Lithium-ion battery cells", "GWh")
    ds.sector("gr_refractories_other", "Refractories, foundry, lubricants, brake linings, expanded graphite (natural graphite)", "MET", "gr_natural")
    ds.sector("gr_battery_cells", "Lithium-ion cells for EVs, energy storage and electronics (no sourced split)", "ELE", "gr_cells")

    # ------------------------------------------------------------------ recipes
    y = f.get("yield_flake_to_spherical", country="WLD", year="2024")
    yld = ds.param(
        "gr_spherical_yield",
        y.value / 100,
        "share",
        "assumption",
        f"assumption in the facts, range {y.low:g}-{y.high:g}% (no public figure) [{y.src}]",
        "t of spherical graphite per t of flake concentrate (rebuild to change)",
    )
    k = f.get("graphite_per_kWh_model", country="WLD", year="2024")
    per_gwh = ds.param(
        "gr_anode_t_per_gwh",
        k.value * 1000,
        "t/GWh",
        "assumption",
        f"assumption in the facts: {k.value:g} kg of anode graphite per kWh, range {k.low:g}-{k.high:g} [{k.src}]",
        "t of anode material per GWh of cells (rebuild to change)",
    )
    ds.recipe("gr_mining", "gr_natural", "output", 1, "definition", "definition: activity = t of concentrate")
    ds.recipe(
        "gr_spheronising",
        "gr_natural",
        "input",
        1 / yld,
        "assumption",
        "assumption: parameter gr_spherical_yield (1 / yield t of flake per t of SPG)",
    )
    ds.recipe("gr_spheronising", "gr_spherical", "output", 1, "definition", "definition: activity = t of SPG")
    ds.recipe(
        "gr_synthetic_making",
        "gr_synthetic",
        "output",
        1,
        "definition",
        "definition: activity = t of synthetic graphite (the coke feed is not modelled)",
    )
    ds.recipe(
        "gr_anode_natural", "gr_spherical", "input", 1, "assumption", "assumption: coating and carbonising add and lose little mass (no figure)"
    )
    ds.recipe("gr_anode_natural", "gr_anode", "output", 1, "definition", "definition: activity = t of natural-graphite anode material")
    ds.recipe(
        "gr_anode_synthetic",
        "gr_synthetic",
        "input",
        1,
        "assumption",
        "assumption: no mass loss from synthetic graphite to anode material (no figure)",
    )
    ds.recipe("gr_anode_synthetic", "gr_anode", "output", 1, "definition", "definition: activity = t of synthetic anode material")
    ds.recipe("gr_cell_making", "gr_anode", "input", per_gwh, "assumption", "assumption: parameter gr_anode_t_per_gwh")
    ds.recipe("gr_cell_making", "gr_cells", "output", 1, "definition", "definition: activity = GWh of cells")

    # ------------------------------------------------------------------ mining (MCS2026 revised 2024)
    rows = [row for row in f.rows if row["metric"] == "mine_production" and row["year"] == "2024" and row["note"].startswith("MCS2026")]

    def mine(c: str):
        return f.get("mine_production", country=c, year="2024", note=next(row["note"] for row in rows if row["country"] == c))

    named = ("CHN", "MDG", "BRA", "MOZ", "TZA", "CAN", "KOR", "DEU")
    for c in named:
        m = mine(c)
        ds.facility(c, "gr_mining", m.value, "reported", m.src)
    ds.facility("EUR", "gr_mining", mine("AUT").value, "reported", f"Austria {mine('AUT').src}")
    row_parts = [row["country"] for row in rows if row["country"] not in (*named, "AUT", "WLD", "USA")]
    row_mine = sum(mine(c).value for c in row_parts)
    ds.facility("ROW", "gr_mining", row_mine, "derived", f"derived: sum of USGS MCS2026 2024 output of {', '.join(row_parts)} [{mine('IND').src}]")

    # ------------------------------------------------------------------ China's exports of spherical and natural graphite (2024)
    sp8 = f.get("exports_jan_aug", country="CHN", year="2024", subject="spherical")
    cn_sp = sp8.value * 12 / 8
    sp_sh = {c: f.get(f"share_of_china_exports_to_{c}", country="CHN", year="2024", subject="spherical graphite") for c in ("KOR", "JPN", "USA")}
    for c in ("KOR", "JPN", "USA"):
        ds.link(
            "CHN",
            c,
            "gr_spherical",
            cn_sp * sp_sh[c].value / 100,
            "derived",
            f"derived: China's spherical exports Jan-Aug 2024 {sp8.value:g} t x 12/8 [{sp8.src}] x {c}'s share {sp_sh[c].value:g}% [{sp_sh[c].src}]",
        )
    rest_sp = 100 - sum(s.value for s in sp_sh.values())
    ds.link(
        "CHN",
        "ROW",
        "gr_spherical",
        cn_sp * rest_sp / 100,
        "derived",
        f"derived: the {rest_sp:g}% of China's spherical exports not going to KOR, JPN, USA [{sp8.src}]",
    )
    hs = f.get("exports_to_WLD", country="CHN", year="2024", subject="HS 250410")
    cn_nat = hs.value - cn_sp
    us_cn = f.get("imports_from_CHN", country="USA", year="2024", subject="HS 250410")
    us_sp = cn_sp * sp_sh["USA"].value / 100
    us_nat_cn = us_cn.value - us_sp
    ds.link(
        "CHN",
        "USA",
        "gr_natural",
        us_nat_cn,
        "derived",
        f"derived: US-reported imports of HS 250410 from China {us_cn.value:g} t [{us_cn.src}] less the spherical share ({us_sp:.1f} t, above)",
    )
    fl_sh = {
        c: f.get(f"share_of_china_exports_to_{c}", country="CHN", year="2024", subject="natural flake graphite") for c in ("KOR", "JPN", "DEU", "USA")
    }
    nld = f.get("exports_jan_feb_to_NLD", country="CHN", year="2024")
    nld_share = 11.74  # share of China's total stated in the note of that row
    rest_nat = cn_nat - us_nat_cn
    non_us = 100 - fl_sh["USA"].value
    s_nat = f"China's HS 250410 exports {hs.value:g} t [{hs.src}] less spherical ({cn_sp:.0f} t) and the US ({us_nat_cn:.0f} t) = {rest_nat:.0f} t"
    for c in ("KOR", "JPN", "DEU"):
        ds.link(
            "CHN",
            c,
            "gr_natural",
            rest_nat * fl_sh[c].value / non_us,
            "derived",
            f"derived: {s_nat}, x {c}'s flake share {fl_sh[c].value:g}% / {non_us:g}% [{fl_sh[c].src}]",
        )
    ds.link(
        "CHN",
        "EUR",
        "gr_natural",
        rest_nat * nld_share / non_us,
        "derived",
        f"derived: {s_nat}, x the Netherlands' share of Jan-Feb 2024 flake exports {nld_share:g}% / {non_us:g}% (the only EU share besides Germany) [{nld.src}]",
    )
    rest_share = non_us - sum(fl_sh[c].value for c in ("KOR", "JPN", "DEU")) - nld_share
    ds.link("CHN", "ROW", "gr_natural", rest_nat * rest_share / non_us, "derived", f"derived: {s_nat}, x the rest ({rest_share:g}% / {non_us:g}%)")

    # ------------------------------------------------------------------ US imports (MCS2026 revised 2024)
    us_imp = next(
        f.get("imports_for_consumption", country="USA", year="2024", note=row["note"])
        for row in f.rows
        if row["metric"] == "imports_for_consumption" and row["year"] == "2024" and "revised" in row["note"]
    )
    us_exp = next(
        f.get("exports", country="USA", year="2024", note=row["note"])
        for row in f.rows
        if row["metric"] == "exports" and row["country"] == "USA" and row["year"] == "2024" and "revised" in row["note"]
    )
    src_sh = {c: f.get("share_of_US_imports_2021_2024", country=c, year="2024") for c in ("CAN", "MOZ", "MEX", "OTHER")}
    others = us_imp.value - us_cn.value
    tot_sh = sum(s.value for s in src_sh.values())
    for c, code in (("CAN", "CAN"), ("MOZ", "MOZ"), ("MEX", "ROW"), ("OTHER", "ROW")):
        ds.link(
            code,
            "USA",
            "gr_natural",
            others * src_sh[c].value / tot_sh,
            "derived",
            f"derived: US imports {us_imp.value:g} t [{us_imp.src}] less those from China ({us_cn.value:g} t) x {c}'s 2021-24 share {src_sh[c].value:g}% / {tot_sh:g}% [{src_sh[c].src}]",
            note={"MEX": "Mexico counted in ROW", "OTHER": "OTHER counted in ROW"}.get(c, ""),
        )
    ds.link(
        "USA", "ROW", "gr_natural", us_exp.value, "assumption", f"assumption: destinations of US exports not found; reported total [{us_exp.src}]"
    )

    # ------------------------------------------------------------------ flake to China and elsewhere
    imp22 = f.get("imports_jan_oct", country="CHN", year="2022")
    s_cn_imp = f"China imported {imp22.value:g} t of flake in Jan-Oct 2022, mainly from Mozambique and Madagascar [{imp22.src}]"
    for c in ("MDG", "TZA"):
        ds.link(c, "CHN", "gr_natural", mine(c).value, "assumption", f"assumption: all of {c}'s output goes to Chinese spheronisers; {s_cn_imp}")
    ds.link(
        "MOZ",
        "CHN",
        "gr_natural",
        ds.available("MOZ", "gr_natural"),
        "assumption",
        f"assumption: Mozambique's output not sent to the US goes to China; {s_cn_imp}",
    )
    ds.link("BRA", "EUR", "gr_natural", mine("BRA").value, "assumption", "assumption: Brazilian output goes to Europe (no destination found)")

    # ------------------------------------------------------------------ anode material and spheronising
    syn = f.get("shipments", country="WLD", year="2024", subject="synthetic graphite anode")
    nat = f.get("shipments", country="WLD", year="2024", subject="natural graphite anode")
    posco = f.get("company_shipments_POSCO_Future_M", country="KOR", year="2024")
    kor_sp = ds.node_terms()[("KOR", "gr_spherical")]["imports"]
    for c in ("KOR", "JPN", "USA", "ROW"):
        sp = ds.node_terms()[(c, "gr_spherical")]["imports"]
        ds.facility(
            c,
            "gr_anode_natural",
            sp,
            "derived",
            f"derived: {c}'s anode makers coat the spherical graphite it imports from China ({sp:.1f} t); no national tonnage found",
        )
    ds.facility(
        "KOR",
        "gr_synthetic_making",
        posco.value - kor_sp,
        "assumption",
        f"assumption: POSCO Future M shipped {posco.value:g} t of anode material in 2024 [{posco.src}], more than the spherical graphite Korea imports "
        f"({kor_sp:.1f} t); the rest is synthetic anode from its own line (feed not modelled)",
    )
    ds.facility("KOR", "gr_anode_synthetic", posco.value - kor_sp, "assumption", "assumption: see gr_synthetic_making in KOR")
    ex_nat = sum(ds.node_terms()[(c, "gr_spherical")]["imports"] for c in ("KOR", "JPN", "USA", "ROW"))
    cn_nat_aam = nat.value - ex_nat
    cn_syn = syn.value - (posco.value - kor_sp)
    ds.facility(
        "CHN",
        "gr_anode_natural",
        cn_nat_aam,
        "derived",
        f"derived: world natural-graphite anode shipments {nat.value:g} t [{nat.src}] less those of KOR, JPN, USA, ROW ({ex_nat:.1f} t); the top-10 suppliers are all Chinese",
    )
    ds.facility(
        "CHN",
        "gr_synthetic_making",
        cn_syn,
        "derived",
        f"derived: world synthetic anode shipments {syn.value:g} t [{syn.src}] less Korea's; made in China (feed not modelled)",
    )
    ds.facility("CHN", "gr_anode_synthetic", cn_syn, "derived", "derived: as gr_synthetic_making in CHN")
    cn_sp_out = cn_nat_aam + cn_sp
    ds.facility(
        "CHN",
        "gr_spheronising",
        cn_sp_out,
        "derived",
        f"derived: China's natural anode making ({cn_nat_aam:.1f} t) plus its spherical exports ({cn_sp:.1f} t); China makes 98-99% of SPG "
        f"[{f.get('share_of_world', country='CHN', year='2023', subject='spherical graphite / anode').src}]",
    )
    vid = f.get("capacity_Vidalia_LA", country="USA", year="2024")
    ds.facility(
        "USA",
        "gr_spheronising",
        0.0,
        "assumption",
        "assumption: 2024 output of the Vidalia plant not found (commercial production from Feb 2024); baseline output taken as 0",
        capacity=vid.value,
        capacity_source=f"reported: {vid.src}",
    )

    # ------------------------------------------------------------------ cells
    world_aam = sum(ds.node_terms()[(c, "gr_anode")]["production"] for c in ds.country_codes)
    world_gwh = world_aam / per_gwh
    cn_cap = f.get("share_of_world_capacity", country="CHN", year="2022")
    cn_gwh = world_gwh * cn_cap.value / 100
    ds.facility(
        "CHN",
        "gr_cell_making",
        cn_gwh,
        "assumption",
        f"assumption: world cells = world anode output ({world_aam:.0f} t, ex-silicon) / parameter gr_anode_t_per_gwh = {world_gwh:.1f} GWh, China's share "
        f"= its 2022 share of cell capacity {cn_cap.value:g}% [{cn_cap.src}]",
    )
    cells = {"KOR": 0.20, "JPN": 0.15, "USA": 0.25, "EUR": 0.25, "ROW": 0.15}
    cw = {
        c: ds.param(
            f"gr_cell_share.{c}",
            v,
            "share",
            "assumption",
            "assumption: Poland is second by cell capacity (less than one-tenth of China); Korea, Japan and the US are the other makers, no shares found (facts README)",
            f"Share of the cells made outside China made in {c}",
        )
        for c, v in cells.items()
    }
    cwt = sum(cw.values())
    ex_gwh = world_gwh - cn_gwh
    for c, v in cw.items():
        g = ex_gwh * v / cwt
        ds.facility(
            c,
            "gr_cell_making",
            g,
            "assumption",
            f"assumption: cells made outside China ({ex_gwh:.1f} GWh) x parameter gr_cell_share.{c} ({v / cwt:.3f})",
        )
        need = g * per_gwh - ds.node_terms()[(c, "gr_anode")]["production"]
        ds.link(
            "CHN",
            c,
            "gr_anode",
            need,
            "derived",
            f"derived: {c}'s anode need ({g:.1f} GWh x {per_gwh:g} t/GWh) less its own anode output; from China, which makes ~all anode material "
            f"[{f.get('shipments', country='CHN', year='2024', subject='anode active material').src}]",
            note="US-reported HS 380110 imports from China were 85,898 t in 2024 (includes non-battery synthetic graphite)" if c == "USA" else "",
        )
    for c in ("CHN", *cells):
        ds.close(c, "gr_cells", {"gr_battery_cells": (1.0, "one sector")}, "cells made; cell trade is not modelled")

    # ------------------------------------------------------------------ natural graphite end use (residual)
    for c in ds.country_codes:
        if ds.available(c, "gr_natural") > 1e-9:
            ds.close(
                c,
                "gr_natural",
                {"gr_refractories_other": (1.0, "one sector")},
                "natural graphite not spheronised nor exported: refractories, foundry, lubricants, brakes",
            )

    # ------------------------------------------------------------------ stocks
    cover = ds.param(
        "gr_cover_days",
        60.0,
        "days",
        "assumption",
        "assumption: no inventory data; exports rebounded two to three months after the Dec-2023 licensing start, suggesting buyers held about 2-3 months "
        "(facts README, gap 3, qualitative); lower end taken",
        "Days of cover of graphite, spherical graphite and anode material outside China",
    )
    cell_cover = ds.param(
        "gr_cell_cover_days", 30.0, "days", "assumption", "assumption: no figure for cell inventories", "Days of cover of cells outside China"
    )
    cn_cover = ds.param(
        "gr_china_cover_days",
        30.0,
        "days",
        "assumption",
        "assumption: no stock figure found inside China",
        "Days of cover held at every node inside China",
    )
    for c, p in sorted(ds.node_terms()):
        if c == "CHN":
            ds.stock(c, p, cn_cover, "assumption", "assumption: parameter gr_china_cover_days")
        elif p == "gr_cells":
            ds.stock(c, p, cell_cover, "assumption", "assumption: parameter gr_cell_cover_days")
        else:
            ds.stock(c, p, cover, "assumption", "assumption: parameter gr_cover_days")
    # no strategic stocks: the US holds none (USGS); no other holding found

    # ------------------------------------------------------------------ prices
    fl = next(
        f.get("import_unit_value", country="USA", year="2024", subject="natural flake graphite", note=row["note"])
        for row in f.rows
        if row["metric"] == "import_unit_value" and row["year"] == "2024" and row["subject"] == "natural flake graphite" and "MCS2026" in row["note"]
    )
    ds.price("gr_natural", fl.value, "reported", f"reported: US import unit value of flake graphite [{fl.src}]", "2024")
    spg = f.get("fob_china_price", country="CHN", year="2024-10-31", subject="spherical graphite")
    ds.price("gr_spherical", spg.value, "reported", f"reported: FOB China, uncoated 99.95% C, 15 micron, range midpoint [{spg.src}]", "2024")
    return ds


if __name__ == "__main__":
    raise SystemExit(main(build, __doc__ or ""))
