"""Build the embedded `germanium` dataset (2024 baseline) from data-raw/minerals/germanium/facts.csv.

Run from the repository root::

    python data-raw/build_germanium.py            # write src/supplyshock/data/germanium/
    python data-raw/build_germanium.py --check    # fail if the shipped files differ from the build

Chain (t of Ge content): primary refining of zinc residues and coal ash into GeO2/GeCl4 ->
reduction to zone-refined metal; secondary refining of (mostly new) scrap into metal ->
end uses: fibre optics and chemicals (PET catalysts, phosphors) on the oxide, infrared
optics and electronics/solar (space-cell substrates) on the metal. Country production is
the USGS OFR 2024-1057 estimate for 2022, the only split by country found (held for 2024).
"""

from __future__ import annotations

from mineral_build import Dataset, Facts, main, shares_of

FAMILY = "germanium"
IMPORTERS = ("EUR", "DEU", "RUS", "JPN", "CAN", "ROW")


def build(overrides: dict[str, float]) -> Dataset:
    f = Facts(FAMILY)
    ds = Dataset("germanium", "germanium", "ge", overrides)
    ds.meta = {
        "title": "Germanium chain (refined GeO2/GeCl4 and metal, with recycling, to fibre, IR optics and solar), 2024 baseline",
        "base_year": 2024,
        "headlines": [
            {
                "id": "china_ge_exports",
                "label": "China's germanium metal exports",
                "exporter": "CHN",
                "product": "ge_metal",
                "importers": ["EUR", "DEU", "JPN"],
            },
        ],
    }
    ds.countries(["CHN", "USA", "CAN", "RUS", "JPN", "DEU", "EUR", "ROW"])
    ds.product("ge_oxide", "refining", "Germanium dioxide and tetrachloride (GeO2, GeCl4)", "t Ge")
    ds.product("ge_metal", "metal", "Germanium metal (zone-refined ingot, blanks, wafers)", "t Ge")

    def use(subject: str) -> tuple[float, str]:
        x = f.get("share_of_consumption", country="WLD", year="2022", subject=subject)
        return x.value, f"world share, reported [{x.src}]"

    fib, s_fib = use("fibre optics (GeCl4")
    ir, s_ir = use("infrared optics (Ge metal")
    el, s_el = use("electronics and solar")
    oth, s_oth = use("other (PET catalysts")
    ds.sector("ge_fibre_optics", "Fibre optics (GeCl4/GeO2 dopant of preforms)", "ELE", "ge_oxide")
    ds.sector("ge_chemicals_other", "PET polymerisation catalysts, phosphors, detectors and other chemical uses", "OMF", "ge_oxide")
    ds.sector("ge_ir_optics", "Infrared optics (lenses and windows for thermal imaging, defence and security)", "ELE", "ge_metal")
    ds.sector("ge_electronics_solar", "Electronics and solar (Ge substrates of space multijunction cells, SiGe)", "ELE", "ge_metal")
    oxide_shares = shares_of([("ge_fibre_optics", fib, s_fib), ("ge_chemicals_other", oth, s_oth)])
    metal_shares = shares_of([("ge_ir_optics", ir, s_ir), ("ge_electronics_solar", el, s_el)])
    metal_share = ir + el

    ds.recipe(
        "ge_refining",
        "ge_oxide",
        "output",
        1,
        "definition",
        "definition: activity = t of Ge recovered as GeO2/GeCl4 from zinc residues or coal ash (feed not modelled)",
    )
    ge_frac = f.get("ge_mass_fraction", subject="germanium dioxide")
    ds.recipe(
        "ge_reduction",
        "ge_oxide",
        "input",
        1,
        "assumption",
        "assumption: Ge content conserved in reducing GeO2 to zone-refined metal (no yield figure in the facts)",
    )
    ds.recipe("ge_reduction", "ge_metal", "output", 1, "definition", "definition: activity = t of Ge metal")
    ds.recipe(
        "ge_recycling",
        "ge_metal",
        "output",
        1,
        "definition",
        "definition: activity = t of Ge metal refined from new and old scrap (the scrap is not modelled)",
    )

    # ------------------------------------------------------------------ primary refining (OFR 2024-1057, 2022), held for 2024
    prod = {c: f.get("primary_production", country=c, year="2022", subject="(refinery)") for c in ("CHN", "CAN", "RUS", "BEL", "WLD")}
    held = "assumption: the 2022 country split (the only one found) is held for 2024; "
    cap_can = f.get("refining_capacity", country="CAN", year="2024")
    ds.facility(
        "CHN",
        "ge_refining",
        prod["CHN"].value,
        "assumption",
        f"{held}reported for 2022 [{prod['CHN'].src}]; Project Blue gives China 59% of refined output in 2023 "
        f"[{f.get('share_of_world_refined', country='CHN', year='2023').src}]",
    )
    ds.facility(
        "CAN",
        "ge_refining",
        prod["CAN"].value,
        "assumption",
        f"{held}reported for 2022 (Teck Trail, zinc-concentrate route) [{prod['CAN'].src}]",
        capacity=cap_can.value,
        capacity_source=f"assumption in the facts, range {cap_can.low:g}-{cap_can.high:g} [{cap_can.src}]",
    )
    ds.facility("RUS", "ge_refining", prod["RUS"].value, "assumption", f"{held}reported for 2022 [{prod['RUS'].src}]")
    ds.facility("EUR", "ge_refining", prod["BEL"].value, "assumption", f"{held}reported for Belgium (Umicore) for 2022 [{prod['BEL'].src}]")

    # ------------------------------------------------------------------ recycling
    s_cap_rec = "assumption: recycling is limited by the scrap generated, so capacity = baseline output (no spare)"
    cn_rec = f.get("secondary_production", country="CHN", year="2022")
    ds.facility(
        "CHN",
        "ge_recycling",
        cn_rec.value,
        "assumption",
        f"{held}reported for 2022 (Chinese industry research) [{cn_rec.src}]",
        capacity=cn_rec.value,
        capacity_source=s_cap_rec,
    )
    cap_bel = f.get("refining_capacity", country="BEL", year="2024")
    bel_rec = f.get("share_of_feed_recycled", country="BEL", year="2024")
    eur_rec = cap_bel.value - prod["BEL"].value
    ds.facility(
        "EUR",
        "ge_recycling",
        eur_rec,
        "assumption",
        f"assumption: Umicore (Olen) runs at its assumed capacity {cap_bel.value:g} t/yr (range {cap_bel.low:g}-{cap_bel.high:g}) [{cap_bel.src}] less its "
        f"primary output {prod['BEL'].value:g} t: {eur_rec / cap_bel.value:.0%} of its feed recycled, consistent with '>50%' [{bel_rec.src}]; Belgium is "
        f"the world's largest secondary producer [{f.get('note_largest_secondary_producer').src}]",
        capacity=eur_rec,
        capacity_source=s_cap_rec,
    )
    us_cons = f.get("estimated_consumption", country="USA", year="2024")
    us_m_imp = f.get("imports", country="USA", year="2024", subject="germanium metal")
    us_o_imp = f.get("imports", country="USA", year="2024", subject="germanium dioxide")
    us_m_exp = f.get("exports", country="USA", year="2024", subject="germanium metal")
    us_o_exp = f.get("exports", country="USA", year="2024", subject="germanium dioxide")
    us_net = us_m_imp.value + us_o_imp.value - us_m_exp.value - us_o_exp.value
    us_rec = us_cons.value - us_net
    ds.facility(
        "USA",
        "ge_recycling",
        us_rec,
        "assumption",
        f"assumption: US consumption {us_cons.value:g} t (assumption in the facts, range {us_cons.low:g}-{us_cons.high:g}) [{us_cons.src}] less net imports "
        f"{us_net:.3f} t (metal {us_m_imp.value:g} + GeO2 {us_o_imp.value:g} - exports {us_m_exp.value:g} + {us_o_exp.value:g}); the US has no primary "
        f"refinery output [{f.get('primary_refinery_production', country='USA').src}]",
        capacity=us_rec,
        capacity_source=s_cap_rec,
    )

    # ------------------------------------------------------------------ US imports by source (2021-24 shares)
    m_sh = {
        c: f.get(f"import_share_from_{c}", country="USA", year="2024", exact_subject="germanium metal") for c in ("CHN", "BEL", "DEU", "RUS", "OTHER")
    }
    o_sh = {c: f.get(f"import_share_from_{c}", country="USA", year="2024", subject="germanium dioxide") for c in ("BEL", "CAN", "JPN", "OTHER")}
    cn_to_us = f.get("exports_to_USA", country="CHN", year="2024")
    non_cn = 1 - m_sh["CHN"].value
    code = {"BEL": "EUR", "DEU": "DEU", "RUS": "RUS", "OTHER": "ROW", "CAN": "CAN", "JPN": "JPN"}
    for c in ("BEL", "DEU", "RUS", "OTHER"):
        ds.link(
            code[c],
            "USA",
            "ge_metal",
            us_m_imp.value * m_sh[c].value / non_cn,
            "derived",
            f"derived: US metal imports {us_m_imp.value:g} t [{us_m_imp.src}] x {c}'s 2021-24 share {m_sh[c].value:g} [{m_sh[c].src}] / {non_cn:g} "
            f"(China's share {m_sh['CHN'].value:g} re-allotted: Chinese data show no exports to the US in 2024, reshipment via Belgium suspected [{cn_to_us.src}])",
            note={"BEL": "Belgium counted in EUR", "OTHER": "OTHER counted in ROW"}.get(c, ""),
        )
    for c in ("BEL", "CAN", "JPN", "OTHER"):
        ds.link(
            code[c],
            "USA",
            "ge_oxide",
            us_o_imp.value * o_sh[c].value,
            "derived",
            f"derived: US GeO2 imports {us_o_imp.value:g} t Ge [{us_o_imp.src}] x {c}'s 2021-24 share {o_sh[c].value:g} [{o_sh[c].src}]",
            note={"BEL": "Belgium counted in EUR", "OTHER": "OTHER counted in ROW"}.get(c, ""),
        )
    ds.link(
        "USA",
        "ROW",
        "ge_metal",
        us_m_exp.value,
        "assumption",
        f"assumption: destinations of US metal exports not found; reported total [{us_m_exp.src}]",
    )
    ds.link(
        "USA",
        "ROW",
        "ge_oxide",
        us_o_exp.value,
        "assumption",
        f"assumption: destinations of US GeO2 exports not found; reported total [{us_o_exp.src}]",
    )

    # ------------------------------------------------------------------ China's exports (2024)
    cn_exp = f.get("exports", country="CHN", year="2024")
    to_bel = f.get("exports_to_BEL_ytd", country="CHN", year="2024")
    to_deu = f.get("exports_to_DEU_ytd", country="CHN", year="2024")
    ytd_total = 22.0  # 'just over 22 tons' exported so far in 2024, stated in the note of the rows above
    for c, x in (("EUR", to_bel), ("DEU", to_deu)):
        ds.link(
            "CHN",
            c,
            "ge_metal",
            cn_exp.value * x.value / ytd_total,
            "derived",
            f"derived: China's 2024 exports {cn_exp.value:g} t [{cn_exp.src}] x {c}'s share of the partial-year split ({x.value:g} of 'just over 22' t) [{x.src}]",
            note="Belgium counted in EUR" if c == "EUR" else "",
        )
    rest = cn_exp.value * (1 - (to_bel.value + to_deu.value) / ytd_total)
    dec = f.get("exports", country="CHN", year="2024-12")
    dest = {"RUS": 0.4, "JPN": 0.4, "ROW": 0.2}
    w = {
        c: ds.param(
            f"ge_cn_export_share.{c}",
            v,
            "share",
            "assumption",
            f"assumption: no destination split beyond Belgium and Germany; Russia was a main recipient in Dec 2024 [{dec.src}]",
            f"Share of China's Ge exports not itemised going to {c}",
        )
        for c, v in dest.items()
    }
    tot = sum(w.values())
    for c, v in w.items():
        ds.link(
            "CHN",
            c,
            "ge_metal",
            rest * v / tot,
            "assumption",
            f"assumption: the unitemised rest of China's 2024 exports ({rest:.3f} t) x parameter ge_cn_export_share.{c} ({v / tot:.3f})",
        )

    # ------------------------------------------------------------------ Canada's oxide beyond the US
    can_rest = prod["CAN"].value - us_o_imp.value * o_sh["CAN"].value
    cdest = {"EUR": 0.4, "JPN": 0.3, "ROW": 0.3}
    cw = {
        c: ds.param(
            f"ge_can_export_share.{c}",
            v,
            "share",
            "assumption",
            "assumption: only Canada's exports to the US are known; Belgium (Umicore) is the West's swing processor (facts README)",
            f"Share of Canada's Ge output not sent to the US going to {c}",
        )
        for c, v in cdest.items()
    }
    ct = sum(cw.values())
    for c, v in cw.items():
        ds.link(
            "CAN",
            c,
            "ge_oxide",
            can_rest * v / ct,
            "assumption",
            f"assumption: Canada's output less its US exports ({can_rest:.3f} t) x parameter ge_can_export_share.{c} ({v / ct:.3f})",
        )

    # ------------------------------------------------------------------ Germany: exports to the US from its own recycling
    deu_us = next(link["flow_t"] for key, link in ds._links.items() if key == ("DEU", "USA", "ge_metal"))
    ds.facility(
        "DEU",
        "ge_recycling",
        deu_us,
        "assumption",
        "assumption: Germany's exports to the US come from its secondary refining (Germany is named among secondary refiners in the facts README; no "
        "tonnage), its imports from China are used at home; amount = its exports to the US (derived above)",
        capacity=deu_us,
        capacity_source=s_cap_rec,
    )

    # ------------------------------------------------------------------ reduction to metal and end use, country by country
    s_split = f"world split of uses: metal uses (IR optics + electronics/solar) {metal_share:g}, oxide uses {1 - metal_share:g}"
    for c in ("CHN", "USA", *IMPORTERS):
        ox = ds.available(c, "ge_oxide")
        me = ds.available(c, "ge_metal")
        total = ox + me
        need = max(0.0, min(ox, metal_share * total - me))
        if c == "USA":
            need = 0.0
        if need > 0:
            ds.facility(
                c,
                "ge_reduction",
                need,
                "derived",
                f"derived: {c} reduces to metal the oxide needed for its metal uses to be {metal_share:g} of its end use ({total:.3f} t); {s_split}",
            )
        how = "metal from own reduction where the oxide allows; otherwise each product's residual" if c != "USA" else "US supply as traded"
        ds.close(c, "ge_oxide", oxide_shares, how)
        ds.close(c, "ge_metal", metal_shares, how)

    # ------------------------------------------------------------------ stocks and stockpiles
    cover = ds.param(
        "ge_cover_days",
        30.0,
        "days",
        "assumption",
        "assumption: no stock figure found outside China",
        "Days of cover held at every node outside China",
    )
    cn_cover = ds.param(
        "ge_china_cover_days",
        30.0,
        "days",
        "assumption",
        f"assumption: Chinese state stockpiling in 2024 is reported but not its size [{f.get('state_stockpiling_flag').src}]",
        "Days of cover held at every node inside China",
    )
    for c, p in sorted(ds.node_terms()):
        if c == "CHN":
            ds.stock(c, p, cn_cover, "assumption", "assumption: parameter ge_china_cover_days")
        else:
            ds.stock(c, p, cover, "assumption", "assumption: parameter ge_cover_days")
    jp_sp = f.get("stockpile_target", country="JPN", year="2020")
    ds.strategic(
        "JPN",
        "ge_metal",
        jp_sp.value,
        "assumption",
        f"assumption: JOGMEC target {jp_sp.value:g} days (Ge is an eligible metal) [{jp_sp.src}]; holdings undisclosed, taken at target",
    )

    # ------------------------------------------------------------------ prices (Argus Europe, 2024)
    pm = f.get("annual_average_price", country="EUR_MKT", year="2024", subject="germanium metal")
    po = f.get("annual_average_price", country="EUR_MKT", year="2024", subject="germanium dioxide")
    ds.price("ge_metal", pm.value * 1000, "reported", f"reported: {pm.value:g} USD/kg [{pm.src}]", "2024")
    ds.price(
        "ge_oxide",
        po.value * 1000 / ge_frac.value,
        "derived",
        f"derived: {po.value:g} USD/kg of GeO2 [{po.src}] / Ge content {ge_frac.value:g} [{ge_frac.src}] (per t of Ge)",
        "2024",
    )
    return ds


if __name__ == "__main__":
    raise SystemExit(main(build, __doc__ or ""))
