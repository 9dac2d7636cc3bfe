"""Build the embedded `minor-metals` dataset (2024 baseline) from data-raw/minerals/minor_metals/facts.csv.

Run from the repository root::

    python data-raw/build_minor_metals.py            # write src/supplyshock/data/minor_metals/
    python data-raw/build_minor_metals.py --check    # fail if the shipped files differ from the build

Four chains of the metals China licensed on 4 February 2025 besides tungsten, each in t of
the element:

* tellurium: refined Te (from copper anode slimes) -> CdTe -> thin-film PV; refined Te to
  thermoelectrics, metallurgy and other uses;
* bismuth: refined Bi (lead, tungsten and zinc by-product) -> chemicals and pharmaceuticals,
  metallurgical uses (lead-free brass, steels, fusible alloys, solders);
* indium: refined In (zinc by-product) and In recycled from ITO scrap -> ITO sputtering
  targets -> displays; refined In to solders, alloys and compounds (InP);
* molybdenum: concentrate -> roasted oxide and ferromolybdenum -> steels, chemicals,
  superalloys; oxide -> Mo metal powder (the only Mo item China controls).
"""

from __future__ import annotations

from mineral_build import Dataset, Fact, Facts, main, shares_of

FAMILY = "minor_metals"
LB_PER_T = 2204.62262


def pool(ds: Dataset, product: str, surplus: dict[str, float], deficit: dict[str, float], why: str) -> None:
    """Ship every exporter's surplus to the importers in proportion to their deficits (derived).

    The totals must match (the caller derives one side from the other).
    """
    ts, td = sum(surplus.values()), sum(deficit.values())
    if abs(ts - td) > 1e-6 * max(ts, td, 1.0):
        raise SystemExit(f"pool {product}: surplus {ts} != deficit {td}")
    for e, s in surplus.items():
        for i, d in deficit.items():
            if e != i and s > 0 and d > 0:
                ds.link(
                    e,
                    i,
                    product,
                    s * d / td,
                    "assumption",
                    f"assumption: no bilateral figure; {e}'s surplus ({s:.1f} t) shared among importers in proportion to their deficits ({i}: {d:.1f} of {td:.1f} t); {why}",
                )


def build(overrides: dict[str, float]) -> Dataset:
    f = Facts(FAMILY)
    ds = Dataset("minor-metals", "minor_metals", "mm", overrides)
    # codes carry their element's prefix (te_, bi_, in_, mo_): ds.prefix is set per element below
    ds.meta = {
        "title": "Tellurium, bismuth, indium and molybdenum chains (refined metal to main uses), 2024 baseline",
        "base_year": 2024,
        "headlines": [
            {"id": "china_te_cdte_exports", "label": "China's CdTe exports", "exporter": "CHN", "product": "te_cdte", "importers": ["USA"]},
            {"id": "china_bi_exports", "label": "China's bismuth exports", "exporter": "CHN", "product": "bi_refined", "importers": ["USA", "DEU"]},
            {"id": "china_in_exports", "label": "China's indium exports", "exporter": "CHN", "product": "in_refined", "importers": ["KOR", "USA"]},
            {
                "id": "china_mo_powder_exports",
                "label": "China's molybdenum powder exports",
                "exporter": "CHN",
                "product": "mo_powder",
                "importers": ["USA", "JPN"],
            },
        ],
    }
    ds.countries(["CHN", "USA", "JPN", "KOR", "CAN", "PER", "CHL", "MEX", "DEU", "EUR", "ROW"])

    def refinery(subject: str) -> dict[str, Fact]:
        rows = [
            row
            for row in f.rows
            if row["metric"] in ("refinery_production", "mine_production")
            and row["year"] == "2024"
            and row["note"].startswith("MCS2026")
            and subject in row["subject"]
        ]
        return {row["country"]: f.get(row["metric"], country=row["country"], year="2024", subject=subject, note=row["note"]) for row in rows}

    def share(metric: str, subject: str, country: str = "WLD", year: str = "2024") -> tuple[float, str]:
        x = f.get(metric, country=country, year=year, subject=subject)
        return x.value / 100, f"{x.basis} [{x.src}]"

    def mining_rows(prod: dict[str, Fact], process: str, named: tuple[str, ...], eur: tuple[str, ...]) -> None:
        for c in named:
            if c in prod:
                ds.facility(c, process, prod[c].value, "reported", prod[c].src)
        if eur:
            ds.facility(
                "EUR",
                process,
                sum(prod[c].value for c in eur),
                "derived",
                f"derived: sum of USGS MCS2026 2024 output of {', '.join(eur)} [{prod[eur[0]].src}]",
            )
        rest = [c for c in prod if c not in (*named, *eur, "WLD")]
        ds.facility(
            "ROW",
            process,
            sum(prod[c].value for c in rest),
            "derived",
            f"derived: sum of USGS MCS2026 2024 output of {', '.join(rest)} [{prod[rest[0]].src}]",
        )

    # ================================================================== tellurium
    ds.prefix = "te"
    ds.product("te_refined", "refining", "Refined tellurium (from copper anode slimes)", "t Te")
    ds.product("te_cdte", "compound", "Cadmium telluride (CdTe) for thin-film PV", "t Te")
    sol, s_sol = share("share_of_global_consumption", "solar cells (CdTe)")
    thermo, s_thermo = share("share_of_global_consumption", "thermoelectric")
    metal, s_metal = share("share_of_global_consumption", "tellurium, metallurgy")
    oth, s_oth = share("share_of_global_consumption", "tellurium, other")
    ds.sector("te_solar_cdte", "CdTe thin-film solar modules", "ELE", "te_cdte")
    ds.sector("te_thermoelectric", "Thermoelectric devices (Bi2Te3 coolers and generators)", "ELE", "te_refined")
    ds.sector("te_metallurgy", "Metallurgy (free-machining steels, copper and lead alloys)", "MET", "te_refined")
    ds.sector("te_other", "Other uses of tellurium (rubber vulcanising, chemicals, detectors)", "OMF", "te_refined")
    te_shares = shares_of([("te_thermoelectric", thermo, s_thermo), ("te_metallurgy", metal, s_metal), ("te_other", oth, s_oth)])
    ds.recipe("te_refining", "te_refined", "output", 1, "definition", "definition: activity = t of refined Te (anode slimes not modelled)")
    ds.recipe("te_cdte_making", "te_refined", "input", 1, "assumption", "assumption: Te content conserved in making CdTe")
    ds.recipe("te_cdte_making", "te_cdte", "output", 1, "definition", "definition: activity = t of Te in CdTe")
    te = refinery("refined tellurium")
    mining_rows(te, "te_refining", ("CHN", "JPN", "CAN"), ("SWE", "BGR"))
    cdte = f.get("exports", country="CHN", year="2023", subject="cadmium telluride")
    te_frac = 127.60 / (112.41 + 127.60)  # CdTe stoichiometry, IUPAC 2021 atomic weights
    cdte_te = cdte.value * te_frac
    ds.facility(
        "CHN",
        "te_cdte_making",
        cdte_te,
        "assumption",
        f"assumption: China's CdTe output = its CdTe exports {cdte.value:g} t (2023, held for 2024) [{cdte.src}] x Te content {te_frac:.4f} (stoichiometry); "
        "no CdTe making outside China is in the facts",
    )
    dest = {"USA": 0.4, "ROW": 0.6}
    w = {
        c: ds.param(
            f"te_cdte_export_share.{c}",
            v,
            "share",
            "assumption",
            "assumption: destinations of China's CdTe exports not found; CdTe modules are made in the US and in South-East and South Asia",
            f"Share of China's CdTe exports going to {c}",
        )
        for c, v in dest.items()
    }
    wt = sum(w.values())
    for c, v in w.items():
        ds.link(
            "CHN",
            c,
            "te_cdte",
            cdte_te * v / wt,
            "assumption",
            f"assumption: China's CdTe exports ({cdte_te:.1f} t Te) x parameter te_cdte_export_share.{c} ({v / wt:.3f})",
        )
    us_te = f.get("imports_for_consumption", country="USA", year="2024", subject="tellurium", note="revised")
    te_sh = {c: f.get("share_of_US_imports_2020_2023", country=c, year="2023", subject="tellurium") for c in ("CAN", "PHL", "JPN", "DEU", "OTHER")}
    for c, code in (("CAN", "CAN"), ("JPN", "JPN"), ("DEU", "DEU"), ("PHL", "ROW"), ("OTHER", "ROW")):
        ds.link(
            code,
            "USA",
            "te_refined",
            us_te.value * te_sh[c].value / 100,
            "derived",
            f"derived: US imports {us_te.value:g} t [{us_te.src}] x {c}'s 2020-23 share {te_sh[c].value:g}% [{te_sh[c].src}]",
            note={"PHL": "Philippines counted in ROW", "OTHER": "OTHER counted in ROW"}.get(c, ""),
        )
    ds.link(
        "EUR",
        "DEU",
        "te_refined",
        us_te.value * te_sh["DEU"].value / 100,
        "assumption",
        "assumption: Germany (no refinery) re-exports Te it buys from EU refiners (Sweden, Bulgaria)",
    )
    ds.link(
        "CAN", "ROW", "te_refined", ds.available("CAN", "te_refined"), "assumption", "assumption: destinations of Canada's Te beyond the US not found"
    )
    for c in ("CHN", "JPN", "EUR", "ROW"):
        if ds.available(c, "te_refined") > 1e-9:
            ds.close(c, "te_refined", te_shares, "refined Te left after CdTe making and exports, split by world non-solar shares")
    ds.close("USA", "te_refined", te_shares, "US imports (US refinery output is withheld by USGS: not modelled)")
    for c in ("USA", "ROW"):
        ds.close(c, "te_cdte", {"te_solar_cdte": (sol, s_sol)}, "CdTe imports")

    # ================================================================== bismuth
    ds.prefix = "bi"
    ds.product("bi_refined", "refining", "Refined bismuth metal", "t Bi")
    ds.sector("bi_chemicals_pharma", "Chemicals, pharmaceuticals, cosmetics and pigments", "OMF", "bi_refined")
    ds.sector("bi_metallurgical", "Metallurgical uses (lead-free brass and steels, fusible alloys, solders, ammunition)", "MET", "bi_refined")
    ch = f.get("share_of_global_consumption", country="WLD", year="2024", subject="bismuth, chemicals")
    bi_shares = shares_of(
        [
            ("bi_chemicals_pharma", ch.value / 100, f"assumption in the facts, range {ch.low:g}-{ch.high:g}% [{ch.src}]"),
            ("bi_metallurgical", 1 - ch.value / 100, "derived: the rest"),
        ]
    )
    ds.recipe("bi_refining", "bi_refined", "output", 1, "definition", "definition: activity = t of refined Bi (by-product feed not modelled)")
    ds.recipe("bi_recycling", "bi_refined", "output", 1, "definition", "definition: activity = t of Bi recovered from alloy scrap")
    bi = refinery("bismuth metal (refined)")
    mining_rows(bi, "bi_refining", ("CHN", "KOR", "JPN"), ("BGR",))
    us_bi = f.get("imports_for_consumption", country="USA", year="2024", subject="bismuth", note="revised")
    us_bi_x = f.get("exports", country="USA", year="2024", subject="bismuth", note="revised")
    us_bi_cn = f.get("imports_from_CHN", country="USA", year="2024", subject="bismuth")
    bi_sh = {c: f.get("share_of_US_imports_2021_2024", country=c, year="2024", subject="bismuth") for c in ("KOR", "DEU")}
    ds.link("CHN", "USA", "bi_refined", us_bi_cn.value, "reported", f"reported: US imports from China [{us_bi_cn.src}]")
    for c in ("KOR", "DEU"):
        ds.link(
            c,
            "USA",
            "bi_refined",
            us_bi.value * bi_sh[c].value / 100,
            "derived",
            f"derived: US imports {us_bi.value:g} t [{us_bi.src}] x {c}'s 2021-24 share {bi_sh[c].value:g}% [{bi_sh[c].src}]",
        )
    ds.link(
        "ROW",
        "USA",
        "bi_refined",
        us_bi.value - us_bi_cn.value - us_bi.value * (bi_sh["KOR"].value + bi_sh["DEU"].value) / 100,
        "derived",
        "derived: the rest of US imports (other sources, counted in ROW)",
    )
    ds.link(
        "USA", "ROW", "bi_refined", us_bi_x.value, "assumption", f"assumption: destinations of US exports not found; reported total [{us_bi_x.src}]"
    )
    sec = f.get("secondary_production", country="USA", year="2024", subject="bismuth")
    ds.facility(
        "USA",
        "bi_recycling",
        sec.value,
        "reported",
        f"reported: {sec.src}",
        capacity=sec.value,
        capacity_source="assumption: limited by scrap, so capacity = baseline output",
    )
    cn_x = ds.param(
        "bi_china_export_share",
        0.25,
        "share",
        "assumption",
        "assumption: China's total bismuth exports were not found (facts README); only its sales to the US are known",
        "Share of China's refined bismuth exported",
    )
    cn_exp = bi["CHN"].value * cn_x
    ds.link(
        "CHN",
        "DEU",
        "bi_refined",
        us_bi.value * bi_sh["DEU"].value / 100,
        "assumption",
        "assumption: Germany (no refinery) re-exports to the US bismuth bought from China",
    )
    rest = cn_exp - ds.node_terms()[("CHN", "bi_refined")]["exports"]
    bdest = {"DEU": 0.3, "EUR": 0.3, "JPN": 0.2, "ROW": 0.2}
    bw = {
        c: ds.param(
            f"bi_cn_export_share.{c}",
            v,
            "share",
            "assumption",
            "assumption: no destination split of China's exports beyond the US",
            f"Share of China's other Bi exports going to {c}",
        )
        for c, v in bdest.items()
    }
    bt = sum(bw.values())
    for c, v in bw.items():
        ds.link(
            "CHN",
            c,
            "bi_refined",
            rest * v / bt,
            "assumption",
            f"assumption: China's exports (output x parameter bi_china_export_share = {cn_exp:.0f} t) less the US and Germany's re-exports ({rest:.0f} t) x parameter bi_cn_export_share.{c} ({v / bt:.3f})",
        )
    us_ch = f.get("share_of_US_consumption", country="USA", year="2019", subject="bismuth, chemicals")
    ds.close(
        "USA",
        "bi_refined",
        {"bi_chemicals_pharma": (us_ch.value, f"US share, reported [{us_ch.src}]"), "bi_metallurgical": (100 - us_ch.value, "derived: the rest")},
        "US imports - exports + secondary",
    )
    for c in ("CHN", "KOR", "JPN", "DEU", "EUR", "ROW"):
        ds.close(c, "bi_refined", bi_shares, "refined Bi left after exports")

    # ================================================================== indium
    ds.prefix = "in"
    ds.product("in_refined", "refining", "Refined indium (primary and from ITO scrap)", "t In")
    ds.product("in_ito", "target", "ITO sputtering targets", "t In")
    ito, s_ito = share("share_of_global_consumption", "indium, ITO (displays")
    ds.sector("in_displays", "Flat-panel displays, touch panels and PV transparent conductors (ITO)", "ELE", "in_ito")
    ds.sector("in_solders_alloys", "Solders, low-melting alloys and thermal-interface materials", "ELE", "in_refined")
    ds.sector("in_compounds_semis", "Compounds and semiconductors (InP substrates, photonics)", "ELE", "in_refined")
    in_rest = shares_of(
        [
            ("in_solders_alloys", 0.5, "assumption: even split of the non-ITO remainder (no figure)"),
            ("in_compounds_semis", 0.5, "assumption: even split of the non-ITO remainder (no figure)"),
        ]
    )
    ds.recipe("in_refining", "in_refined", "output", 1, "definition", "definition: activity = t of refined In (zinc-smelter feed not modelled)")
    ds.recipe("in_recycling", "in_refined", "output", 1, "definition", "definition: activity = t of In recovered from ITO scrap")
    ds.recipe(
        "in_ito_making",
        "in_refined",
        "input",
        1,
        "assumption",
        "assumption: In content conserved in ITO targets (sputtering scrap returns via recycling)",
    )
    ds.recipe("in_ito_making", "in_ito", "output", 1, "definition", "definition: activity = t of In in ITO targets")
    ind = refinery("refined indium")
    cap = {
        row["country"]: f.get("refinery_capacity", country=row["country"], year="2024", subject="refined indium")
        for row in f.rows
        if row["metric"] == "refinery_capacity" and "indium" in row["subject"]
    }
    for c in ("CHN", "KOR", "JPN", "CAN"):
        ds.facility(c, "in_refining", ind[c].value, "reported", ind[c].src, capacity=cap[c].value, capacity_source=f"reported: {cap[c].src}")
    ds.facility(
        "EUR",
        "in_refining",
        ind["FRA"].value + ind["BEL"].value,
        "derived",
        f"derived: France + Belgium [{ind['FRA'].src}]",
        capacity=cap["FRA"].value + cap["BEL"].value,
        capacity_source=f"reported: France + Belgium [{cap['FRA'].src}]",
    )
    ds.facility(
        "ROW",
        "in_refining",
        ind["RUS"].value + ind["UZB"].value,
        "derived",
        f"derived: Russia + Uzbekistan [{ind['RUS'].src}]",
        capacity=cap["RUS"].value + cap["UZB"].value,
        capacity_source=f"reported: Russia + Uzbekistan [{cap['RUS'].src}] (Peru's idle 50 t/yr not included)",
    )
    jr = f.get("recycling_capacity", country="JPN", year="2010")
    jrec = ds.param(
        "in_jpn_recycling_t",
        2 * ind["JPN"].value,
        "t/yr",
        "assumption",
        f"assumption: Japan's secondary output 'said to exceed primary since 2006', capacity about {jr.value:g} t/yr (2010) [{jr.src}]; twice the 2024 primary output taken",
        "Japan's indium recycled from ITO scrap",
    )
    ds.facility(
        "JPN",
        "in_recycling",
        jrec,
        "assumption",
        "assumption: parameter in_jpn_recycling_t",
        capacity=jrec,
        capacity_source="assumption: limited by the ITO scrap generated, so capacity = baseline output",
    )
    cx = f.get("exports_jan_sep", country="CHN", year="2024", subject="indium")
    cn_in = cx.value * 12 / 9
    s_cx = f"China's exports Jan-Sep 2024 {cx.value:g} t x 12/9 [{cx.src}]"
    in_sh = {c: f.get(f"share_of_china_exports_jan_sep_to_{c}", country="CHN", year="2024") for c in ("KOR", "MYS", "USA")}
    ds.link(
        "CHN",
        "KOR",
        "in_refined",
        cn_in * in_sh["KOR"].value / 100,
        "derived",
        f"derived: {s_cx} x Korea's share {in_sh['KOR'].value:g}% [{in_sh['KOR'].src}]",
    )
    us_in = f.get("imports_for_consumption", country="USA", year="2024", subject="indium", note="revised")
    in_us = {c: f.get("share_of_US_imports_2021_2024", country=c, year="2024", subject="indium") for c in ("KOR", "CHN", "CAN", "OTHER")}
    in_us23 = {c: f.get("share_of_US_imports_2020_2023", country=c, year="2023", subject="indium") for c in ("JPN", "BEL", "OTHER")}
    ds.link(
        "CHN",
        "USA",
        "in_refined",
        us_in.value * in_us["CHN"].value / 100,
        "derived",
        f"derived: US imports {us_in.value:g} t [{us_in.src}] x China's 2021-24 share {in_us['CHN'].value:g}% [{in_us['CHN'].src}] (China reports {in_sh['USA'].value:g}% of its exports to the US: the difference is counted in ROW)",
    )
    ds.link(
        "CHN",
        "ROW",
        "in_refined",
        cn_in - ds.node_terms()[("CHN", "in_refined")]["exports"],
        "derived",
        f"derived: {s_cx} less Korea and the US (Malaysia {in_sh['MYS'].value:g}% and others, counted in ROW)",
    )
    for c in ("KOR", "CAN"):
        ds.link(
            c,
            "USA",
            "in_refined",
            us_in.value * in_us[c].value / 100,
            "derived",
            f"derived: US imports {us_in.value:g} t x {c}'s 2021-24 share {in_us[c].value:g}% [{in_us[c].src}]",
        )
    listed = sum(x.value for x in in_us.values())
    unl = us_in.value * (100 - listed + in_us["OTHER"].value) / 100
    t23 = sum(x.value for x in in_us23.values())
    for c, code in (("JPN", "JPN"), ("BEL", "EUR"), ("OTHER", "ROW")):
        ds.link(
            code,
            "USA",
            "in_refined",
            unl * in_us23[c].value / t23,
            "derived",
            f"derived: the US imports not itemised in 2021-24 ({unl:.1f} t; the listed shares sum to {listed:g}%) split by the 2020-23 shares of Japan, Belgium and other [{in_us23[c].src}]",
            note={"BEL": "Belgium counted in EUR", "OTHER": "OTHER counted in ROW"}.get(c, ""),
        )
    ds.link(
        "CAN",
        "ROW",
        "in_refined",
        ds.available("CAN", "in_refined"),
        "assumption",
        "assumption: destinations of Canada's indium beyond the US not found",
    )
    for c in ("CHN", "KOR", "JPN", "EUR", "ROW", "USA"):
        a = ds.available(c, "in_refined")
        ds.facility(
            c,
            "in_ito_making",
            a * ito,
            "assumption",
            f"assumption: {c} makes ITO targets from a share {ito:g} of its refined indium ({a:.1f} t) = the world ITO share ({s_ito})",
        )
        ds.close(c, "in_ito", {"in_displays": (1.0, "one sector")}, "ITO targets made at home (ITO trade not modelled)")
        ds.close(c, "in_refined", in_rest, "refined In not made into ITO")

    # ================================================================== molybdenum
    ds.prefix = "mo"
    ds.product("mo_concentrate", "mining", "Molybdenum concentrate (molybdenite)", "t Mo")
    ds.product("mo_oxide", "roasting", "Roasted molybdic oxide, ferromolybdenum and chemicals ('primary products')", "t Mo")
    ds.product("mo_powder", "powder", "Molybdenum metal powder (the Mo item China controls)", "t Mo")
    eu = {
        s: f.get("share_of_global_use", country="WLD", year="2020", subject=f"molybdenum, {s}")
        for s in ("structural", "stainless", "chemicals", "tool and", "cast iron", "molybdenum metal", "superalloys")
    }
    steel = sum(eu[s].value for s in ("structural", "stainless", "tool and", "cast iron"))
    ds.sector("mo_steels", "Steels: structural, stainless, tool and high-speed steels, cast iron", "MET", "mo_oxide")
    ds.sector("mo_chemicals", "Chemicals (catalysts, lubricants, pigments)", "OMF", "mo_oxide")
    ds.sector("mo_superalloys", "Superalloys", "MET", "mo_oxide")
    ds.sector("mo_metal_products", "Mo metal products (wire, sputtering targets, electronics, furnace parts)", "ELE", "mo_powder")
    s_eu = f"world shares, company page (year approximate) [{eu['structural'].src}]"
    mo_ox_shares = shares_of(
        [("mo_steels", steel, s_eu), ("mo_chemicals", eu["chemicals"].value, s_eu), ("mo_superalloys", eu["superalloys"].value, s_eu)]
    )
    metal_sh = eu["molybdenum metal"].value / 100
    ds.recipe("mo_mining", "mo_concentrate", "output", 1, "definition", "definition: activity = t of Mo in concentrate")
    ds.recipe("mo_roasting", "mo_concentrate", "input", 1, "assumption", "assumption: Mo content conserved in roasting")
    ds.recipe("mo_roasting", "mo_oxide", "output", 1, "definition", "definition: activity = t of Mo in oxide")
    ds.recipe("mo_powder_making", "mo_oxide", "input", 1, "assumption", "assumption: Mo content conserved in reducing oxide to powder")
    ds.recipe("mo_powder_making", "mo_powder", "output", 1, "definition", "definition: activity = t of Mo powder")
    mo = refinery("molybdenum concentrate (mine production")
    mining_rows(mo, "mo_mining", ("CHN", "PER", "CHL", "USA", "MEX"), ())
    us_ci = f.get(
        "imports_for_consumption",
        country="USA",
        year="2024",
        subject="ores and concentrates",
        note=next(
            row["note"]
            for row in f.rows
            if row["note"].startswith("MCS2026 revised") and row["metric"] == "imports_for_consumption" and "molybdenum ores" in row["subject"]
        ),
    )
    nt = us_ci.row["note"]
    us_cx = f.get("exports", country="USA", year="2024", subject="molybdenum ores", note=nt)
    us_pi = f.get("imports_for_consumption", country="USA", year="2024", subject="molybdenum primary products", note=nt)
    us_px = f.get("exports", country="USA", year="2024", subject="molybdenum primary products", note=nt)
    mo_sh = {c: f.get("share_of_US_imports_2020_2023", country=c, year="2023", subject="molybdenum") for c in ("PER", "CHL", "MEX", "KOR", "OTHER")}
    code = {"PER": "PER", "CHL": "CHL", "MEX": "MEX", "KOR": "ROW", "OTHER": "ROW"}
    no_kor = 100 - mo_sh["KOR"].value
    for c in ("PER", "CHL", "MEX", "OTHER"):
        ds.link(
            code[c],
            "USA",
            "mo_concentrate",
            us_ci.value * mo_sh[c].value / no_kor,
            "derived",
            f"derived: US concentrate imports {us_ci.value:g} t [{us_ci.src}] x {c}'s 2020-23 share of all forms {mo_sh[c].value:g}% / {no_kor:g}% (Korea ships ferromolybdenum) [{mo_sh[c].src}]",
            note="OTHER counted in ROW" if c == "OTHER" else "",
        )
    for c in ("PER", "CHL", "MEX", "KOR", "OTHER"):
        ds.link(
            code[c],
            "USA",
            "mo_oxide",
            us_pi.value * mo_sh[c].value / 100,
            "derived",
            f"derived: US imports of primary products {us_pi.value:g} t [{us_pi.src}] x {c}'s 2020-23 share {mo_sh[c].value:g}% [{mo_sh[c].src}]",
            note={"KOR": "Korea counted in ROW", "OTHER": "OTHER counted in ROW"}.get(c, ""),
        )
    for c in ds.country_codes:
        a = ds.available(c, "mo_concentrate")
        if a > 1e-9 and c != "USA":
            ds.facility(
                c,
                "mo_roasting",
                a,
                "assumption",
                f"assumption: {c} roasts its concentrate left after exports ({a:.0f} t); roaster locations not in the facts",
            )
    us_roast = ds.available("USA", "mo_concentrate") - us_cx.value
    ds.facility(
        "USA",
        "mo_roasting",
        us_roast,
        "derived",
        f"derived: US mine output + concentrate imports - concentrate exports {us_cx.value:g} t [{us_cx.src}]",
    )
    # consumption by region (IMOA 2013 shares of world use)
    w13 = f.get("global_use", country="WLD", year="2013")
    cn13 = f.get("use", country="CHN", year="2013")
    note = cn13.row["note"]  # 'Europe 140.4, Japan 57.4, US 56.1, CIS 23, other 64.6'
    regions = {part.split()[0]: float(part.split()[1]) for part in note.removeprefix("IMOA; ").split(", ")}
    world_use = sum(ds.node_terms()[(c, "mo_concentrate")]["production"] for c in ds.country_codes)
    s13 = f"IMOA 2013 use by region (Mlb: China {cn13.value:g}, {note.removeprefix('IMOA; ')} of {w13.value:g}) [{cn13.src}] x world mine output {world_use:.0f} t (2024; recycling and stock changes not modelled)"
    deu_sh = ds.param(
        "mo_deu_share_of_europe",
        0.35,
        "share",
        "assumption",
        "assumption: Germany's share of European Mo use (no figure); 'Europe' taken as the EU",
        "Germany's share of Europe's Mo use",
    )
    use = {
        "CHN": world_use * cn13.value / w13.value,
        "DEU": world_use * regions["Europe"] / w13.value * deu_sh,
        "EUR": world_use * regions["Europe"] / w13.value * (1 - deu_sh),
        "JPN": world_use * regions["Japan"] / w13.value,
    }
    cn_pw = ds.param(
        "mo_cn_powder_supply_share",
        0.3,
        "share",
        "assumption",
        "assumption: China's Mo-powder exports and their buyers were not found (facts README); China controls only Mo powders",
        "Share of the Mo powder used outside China supplied by China",
    )
    # the US uses its own oxide supply plus the powder it imports from China
    us_use = (ds.available("USA", "mo_oxide") - us_px.value) / (1 - metal_sh * cn_pw)
    use["ROW"] = world_use - sum(use.values()) - us_use
    # concentrate: the US surplus goes to the deficit regions' roasters
    conc_def = {c: use[c] for c in ("DEU", "EUR", "JPN")}
    pool(
        ds,
        "mo_concentrate",
        {"USA": us_cx.value},
        {c: v * us_cx.value / sum(conc_def.values()) for c, v in conc_def.items()},
        "US concentrate exports to the roasters of the Mo-importing regions",
    )
    for c in ("DEU", "EUR", "JPN"):
        ds.facility(c, "mo_roasting", ds.available(c, "mo_concentrate"), "derived", f"derived: {c} roasts the US concentrate it imports")
    # powder: a share of the powder used outside China comes from China
    s_metal = f"metal share of use {metal_sh:g} ({s_eu})"
    for c in ("USA", "DEU", "EUR", "JPN", "ROW"):
        u = us_use if c == "USA" else use[c]
        pw = u * metal_sh
        ds.link(
            "CHN",
            c,
            "mo_powder",
            pw * cn_pw,
            "assumption",
            f"assumption: {c}'s Mo use ({u:.0f} t; {s13 if c != 'USA' else 'US supply'}) x {s_metal} x parameter mo_cn_powder_supply_share {cn_pw:g}",
        )
        ds.facility(c, "mo_powder_making", pw * (1 - cn_pw), "assumption", f"assumption: {c} makes the rest of its powder ({s_metal})")
    ds.facility(
        "CHN",
        "mo_powder_making",
        use["CHN"] * metal_sh + ds.node_terms()[("CHN", "mo_powder")]["exports"],
        "derived",
        f"derived: China's own powder use ({s_metal}) plus its powder exports",
    )
    # oxide: surpluses pooled to deficits
    surplus, deficit = {}, {}
    for c in ds.country_codes:
        if c == "USA":
            continue
        a = ds.available(c, "mo_oxide")
        target = use.get(c, 0.0) * (1 - metal_sh)
        if a - target > 1e-9:
            surplus[c] = a - target
        elif target - a > 1e-9:
            deficit[c] = target - a
    surplus["USA"] = us_px.value
    pool(ds, "mo_oxide", surplus, deficit, f"use by region: {s13}")
    us_sk = f.get("stocks", country="USA", year="2024", subject="molybdenum", note=nt)
    us_rc = f.get("reported_consumption", country="USA", year="2024", subject="molybdenum", note=nt)
    for c in ds.country_codes:
        if ds.available(c, "mo_oxide") > 1e-9:
            ds.close(c, "mo_oxide", mo_ox_shares, f"oxide for use by region ({s13})")
        if ds.available(c, "mo_powder") > 1e-9:
            ds.close(c, "mo_powder", {"mo_metal_products": (1.0, "one sector")}, "powder made or imported")

    # ================================================================== stocks, stockpiles, prices
    cover = {}
    for el, name in (("te", "tellurium"), ("bi", "bismuth"), ("in", "indium"), ("mo", "molybdenum")):
        ds.prefix = el
        cover[el] = ds.param(
            f"{el}_cover_days",
            30.0,
            "days",
            "assumption",
            f"assumption: no stock figure for {name} outside the US",
            f"Days of cover of {name} held at every node outside China and the US",
        )
        cover[el + "_cn"] = ds.param(
            f"{el}_china_cover_days",
            30.0,
            "days",
            "assumption",
            f"assumption: no stock figure for {name} inside China",
            f"Days of cover of {name} inside China",
        )
    bi_sk = f.get("stocks", country="USA", year="2024", subject="bismuth", note="revised")
    bi_rc = f.get("reported_consumption", country="USA", year="2024", subject="bismuth", note="revised")
    us_days = {
        ("USA", "bi_refined"): (
            bi_sk.value / bi_rc.value * 365,
            f"derived: US consumer stocks {bi_sk.value:g} t [{bi_sk.src}] / reported consumption {bi_rc.value:g} t [{bi_rc.src}] x 365",
        ),
        ("USA", "mo_oxide"): (
            us_sk.value / us_rc.value * 365,
            f"derived: US consumer stocks {us_sk.value:g} t [{us_sk.src}] / reported consumption {us_rc.value:g} t [{us_rc.src}] x 365",
        ),
    }
    for c, p in sorted(ds.node_terms()):
        el = p.split("_")[0]
        if (c, p) in us_days:
            d, s = us_days[(c, p)]
            ds.stock(c, p, d, "derived", s)
        elif c == "CHN":
            ds.stock(c, p, cover[el + "_cn"], "assumption", f"assumption: parameter {el}_china_cover_days")
        else:
            ds.stock(c, p, cover[el], "assumption", f"assumption: parameter {el}_cover_days")
    pt = f.get("annual_average_US_warehouse_FOB", country="USA", year="2024", subject="tellurium")
    ds.price("te_refined", pt.value * 1000, "reported", f"reported: {pt.value:g} USD/kg [{pt.src}]", "2024")
    pb = f.get("annual_average_in_warehouse_Rotterdam", country="NLD", year="2024", subject="bismuth")
    ds.price("bi_refined", pb.value * LB_PER_T, "reported", f"reported: {pb.value:g} USD/lb x 2204.62 lb/t [{pb.src}]", "2024")
    pi = f.get("annual_average_US_warehouse_FOB", country="USA", year="2024", subject="indium")
    ds.price("in_refined", pi.value * 1000, "reported", f"reported: {pi.value:g} USD/kg [{pi.src}]", "2024")
    pm = f.get("annual_average", country="USA", year="2024", subject="molybdic oxide")
    ds.price("mo_oxide", pm.value * 1000, "reported", f"reported: {pm.value:g} USD/kg Mo [{pm.src}]", "2024")
    return ds


if __name__ == "__main__":
    raise SystemExit(main(build, __doc__ or ""))
