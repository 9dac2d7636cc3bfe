"""Build the embedded `antimony` dataset (2024 baseline) from data-raw/minerals/antimony/facts.csv.

Run from the repository root::

    python data-raw/build_antimony.py            # write src/supplyshock/data/antimony/
    python data-raw/build_antimony.py --check    # fail if the shipped files differ from the build

Chain (t of Sb content): mine concentrate -> smelting to metal (ingot, regulus) -> conversion
to trioxide (Sb2O3, with sodium antimonate) -> end uses: flame retardants, PV glass, PET
catalysts, ceramics and glass on the oxide; lead-acid batteries and ammunition on the metal.
Secondary antimonial lead from scrapped batteries is a supply of metal (USGS figure for the
US only). China's exports are the 2024 customs total (gross weight) in the metal/oxide mix
of Jan-Aug 2024; the US's imports follow the USGS source shares.
"""

from __future__ import annotations

from mineral_build import Dataset, Facts, main, shares_of

FAMILY = "antimony"
LB_PER_T = 2204.62262


def build(overrides: dict[str, float]) -> Dataset:
    f = Facts(FAMILY)
    ds = Dataset("antimony", "antimony", "sb", overrides)
    ds.meta = {
        "title": "Antimony chain (concentrate to metal and trioxide to flame retardants, PV glass, batteries, ammunition), 2024 baseline",
        "base_year": 2024,
        "headlines": [
            {
                "id": "china_sb_oxide_exports",
                "label": "China's antimony oxide exports",
                "exporter": "CHN",
                "product": "sb_trioxide",
                "importers": ["USA", "JPN"],
            },
            {
                "id": "china_sb_metal_exports",
                "label": "China's antimony metal exports",
                "exporter": "CHN",
                "product": "sb_metal",
                "importers": ["USA"],
            },
        ],
    }
    ds.countries(["CHN", "RUS", "TJK", "MMR", "BOL", "AUS", "MEX", "USA", "JPN", "DEU", "EUR", "ROW"])
    ds.product("sb_concentrate", "mining", "Antimony ore and concentrate", "t Sb")
    ds.product("sb_metal", "smelting", "Antimony metal (ingot, regulus 99.65%)", "t Sb")
    ds.product("sb_trioxide", "oxide", "Antimony trioxide (Sb2O3) and other oxides (incl. sodium antimonate)", "t Sb")

    def wshare(subject: str) -> tuple[float, str]:
        x = f.get("share_of_consumption", country="WLD", year="2024", subject=subject)
        return x.value, f"world share, assumption in the facts (range {x.low:g}-{x.high:g}) [{x.src}]"

    fr, s_fr = wshare("flame retardants (Sb2O3")
    pv, s_pv = wshare("photovoltaic glass")
    bat, s_bat = wshare("lead-acid batteries")
    pet, s_pet = wshare("PET polymerisation")
    ammo, s_ammo = wshare("ammunition and military")
    oth, s_oth = wshare("ceramics, other glass")
    ds.sector("sb_flame_retardants", "Flame retardants (Sb2O3 synergist in plastics, textiles, construction, E&E)", "OMF", "sb_trioxide")
    ds.sector("sb_pv_glass", "Photovoltaic glass (fining agent)", "ELE", "sb_trioxide")
    ds.sector("sb_pet_catalysts", "PET polymerisation catalysts", "OMF", "sb_trioxide")
    ds.sector("sb_ceramics_other", "Ceramics, other glass, stabilisers and other chemicals", "OMF", "sb_trioxide")
    ds.sector("sb_lead_acid_batteries", "Lead-acid batteries and antimonial lead alloys", "TRN", "sb_metal")
    ds.sector("sb_ammunition_defence", "Ammunition and military uses (hardened lead, primers, tracers)", "OMF", "sb_metal")
    ds.sector(
        "sb_unallocated_concentrate",
        "Mine output with no known smelter or buyer (derived residual: stocked or unreported)",
        "MIN",
        "sb_concentrate",
    )
    oxide_shares = shares_of(
        [("sb_flame_retardants", fr, s_fr), ("sb_pv_glass", pv, s_pv), ("sb_pet_catalysts", pet, s_pet), ("sb_ceramics_other", oth, s_oth)]
    )
    metal_shares = shares_of([("sb_lead_acid_batteries", bat, s_bat), ("sb_ammunition_defence", ammo, s_ammo)])
    metal_share = bat + ammo
    s_split = f"world shares: metal uses (batteries {bat:g} + ammunition {ammo:g}) {metal_share:g}, oxide uses {1 - metal_share:g}"

    ds.recipe("sb_mining", "sb_concentrate", "output", 1, "definition", "definition: activity = t of Sb mined (content)")
    ds.recipe(
        "sb_smelting", "sb_concentrate", "input", 1, "assumption", "assumption: Sb content conserved in smelting (no recovery figure in the facts)"
    )
    ds.recipe("sb_smelting", "sb_metal", "output", 1, "definition", "definition: activity = t of Sb metal")
    sb2o3 = f.get("sb_mass_fraction", subject="antimony trioxide")
    ds.recipe(
        "sb_oxide_making",
        "sb_metal",
        "input",
        1,
        "assumption",
        f"assumption: Sb content conserved (Sb2O3 is {sb2o3.value:g} Sb by mass [{sb2o3.src}])",
    )
    ds.recipe("sb_oxide_making", "sb_trioxide", "output", 1, "definition", "definition: activity = t of Sb in oxide")
    ds.recipe(
        "sb_battery_recycling",
        "sb_metal",
        "output",
        1,
        "definition",
        "definition: activity = t of Sb recovered as antimonial lead from scrapped batteries",
    )

    # ------------------------------------------------------------------ mine production (MCS2026, 2024)
    mine_rows = [row for row in f.rows if row["metric"] == "mine_production" and row["year"] == "2024" and row["note"].startswith("MCS2026")]

    def mine(c: str):
        return f.get("mine_production", country=c, year="2024", note=next(row["note"] for row in mine_rows if row["country"] == c))

    named = ("CHN", "RUS", "TJK", "BOL", "MMR", "AUS", "MEX")
    for c in named:
        m = mine(c)
        ds.facility(c, "sb_mining", m.value, "reported", m.src)
    row_parts = [row["country"] for row in mine_rows if row["country"] not in (*named, "WLD")]
    row_mine = sum(mine(c).value for c in row_parts)
    ds.facility(
        "ROW", "sb_mining", row_mine, "derived", f"derived: sum of USGS MCS2026 2024 mine output of {', '.join(row_parts)} [{mine('TUR').src}]"
    )

    # ------------------------------------------------------------------ concentrate flows
    ds.link(
        "MMR",
        "CHN",
        "sb_concentrate",
        mine("MMR").value,
        "assumption",
        f"assumption: Myanmar's output goes to China (China imported 6,870 t gross from Myanmar in 2019 [{f.get('imports_from_MMR', country='CHN', year='2019').src}])",
    )
    ds.link(
        "AUS",
        "CHN",
        "sb_concentrate",
        mine("AUS").value,
        "assumption",
        f"assumption: Australia's output goes to China [{f.get('imports_from_AUS', country='CHN', year='2019').src}]",
    )
    tjk_cap = f.get("smelter_capacity", country="TJK", year="2018")
    ds.facility(
        "TJK",
        "sb_smelting",
        tjk_cap.value,
        "assumption",
        f"assumption: Tajik smelting at its 2018 capacity [{tjk_cap.src}]; Tajikistan shifted from ore sales toward ingot (Argus May 2024)",
    )
    ds.link(
        "TJK",
        "CHN",
        "sb_concentrate",
        mine("TJK").value - tjk_cap.value,
        "assumption",
        f"assumption: Tajik output not smelted at home goes to China, the largest source of China's 2019 imports [{f.get('imports_from_TJK', country='CHN', year='2019').src}]",
    )
    ru = f.get("imports_from_RUS_ytd", country="CHN", year="2024-07")
    ds.link(
        "RUS",
        "CHN",
        "sb_concentrate",
        ru.value * 12 / 7,
        "derived",
        f"derived: China's imports from Russia Jan-Jul 2024 {ru.value:g} t gross x 12/7, taken as Sb content (grade not given) [{ru.src}]",
    )
    row_cn = ds.param(
        "sb_row_ore_to_china_share",
        0.5,
        "share",
        "assumption",
        f"assumption: no destination split for the ore of the smaller producers; 31% of China's Jan-Jul 2024 concentrate imports came through Thailand "
        f"[{f.get('import_share_from_THA_ytd', country='CHN', year='2024-07').src}]",
        "Share of the mine output of ROW shipped to China (the rest is smelted in ROW)",
    )
    ds.link(
        "ROW",
        "CHN",
        "sb_concentrate",
        row_mine * row_cn,
        "assumption",
        f"assumption: ROW mine output {row_mine:g} t x parameter sb_row_ore_to_china_share {row_cn:g}",
    )
    us_smelt = f.get("smelter_production", country="USA", year="2024")
    us_ore = f.get("imports", country="USA", year="2024", subject="ore and concentrate")
    mx = f.get("import_share_from_MEX", country="USA", year="2024", subject="ore and concentrate")
    ds.facility("USA", "sb_smelting", us_smelt.value, "reported", f"reported: primary smelter output (USAC, from imported feed) [{us_smelt.src}]")
    s_usfeed = f"US smelter feed = its output {us_smelt.value:g} t; USGS recorded {us_ore.value:g} t of ore imports [{us_ore.src}], the rest from stocks (not modelled)"
    ds.link("MEX", "USA", "sb_concentrate", us_smelt.value * mx.value, "derived", f"derived: {s_usfeed}, x Mexico's share {mx.value:g} [{mx.src}]")
    ds.link(
        "ROW",
        "USA",
        "sb_concentrate",
        us_smelt.value * (1 - mx.value),
        "derived",
        f"derived: {s_usfeed}, x the other sources' share {1 - mx.value:g} (Italy 9%, other 5%, counted in ROW)",
    )
    ds.link(
        "MEX",
        "ROW",
        "sb_concentrate",
        mine("MEX").value - us_smelt.value * mx.value,
        "assumption",
        "assumption: Mexican output not sent to the US goes to ROW smelters",
    )
    ds.facility(
        "BOL",
        "sb_smelting",
        mine("BOL").value,
        "assumption",
        "assumption: Bolivia smelts its own output (it exports oxide to the US; no ore flow found)",
    )
    ds.facility(
        "ROW",
        "sb_smelting",
        ds.available("ROW", "sb_concentrate"),
        "derived",
        "derived: ROW smelts its concentrate left after exports (Thailand, Vietnam, India and others have smelters; tonnages not found)",
    )
    cn_feed = ds.available("CHN", "sb_concentrate")
    ingot = f.get("production_ytd", country="CHN", year="2024-11", subject="ingot")
    ds.facility(
        "CHN",
        "sb_smelting",
        cn_feed,
        "derived",
        f"derived: China's mine output plus its concentrate imports ({cn_feed:.1f} t); China reported {ingot.value:g} t of ingot in Jan-Nov 2024 "
        f"({ingot.value * 12 / 11:.0f} t annualised) [{ingot.src}], the gap being stock draws and unrecorded feed",
    )
    ds.close(
        "RUS",
        "sb_concentrate",
        {"sb_unallocated_concentrate": (1.0, "the whole residual")},
        "MCS2026 raised Russia from 13 to 40 kt for 2024 while its shipments to China fell 96%: no smelter or buyer of the rest is in the facts",
    )

    # ------------------------------------------------------------------ China's exports (Sb content)
    tot = f.get("exports", country="CHN", year="2024", subject="ores, metal, oxides")
    ytd = f.get("exports_ytd", country="CHN", year="2024-08", subject="antimony products")
    m_ytd = f.get("exports_ytd", country="CHN", year="2024-08", subject="antimony metal")
    o_ytd = f.get("exports_ytd", country="CHN", year="2024-08", subject="antimony oxide")
    cn_metal = tot.value * m_ytd.value / ytd.value
    cn_oxide = tot.value * o_ytd.value / ytd.value * sb2o3.value
    s_cn = (
        f"China's 2024 exports {tot.value:g} t gross [{tot.src}] in the Jan-Aug 2024 mix (metal {m_ytd.value:g}, oxide {o_ytd.value:g} of {ytd.value:g} t) "
        f"[{m_ytd.src}; {o_ytd.src}]"
    )
    us_ox = f.get("imports", country="USA", year="2024", subject="antimony oxide")
    us_me = f.get("imports", country="USA", year="2024", subject="unwrought metal")
    ox_sh = {
        c: f.get(f"import_share_from_{c}", country="USA", year="2024", exact_subject="antimony oxide") for c in ("CHN", "BEL", "BOL", "FRA", "OTHER")
    }
    me_sh = {
        c: f.get(f"import_share_from_{c}", country="USA", year="2024", exact_subject="antimony unwrought metal and powder")
        for c in ("CHN", "IND", "THA", "VNM", "OTHER")
    }
    aug = f.get("exports", country="CHN", year="2024-08", subject="ores, metal, oxides")
    ds.link(
        "CHN",
        "USA",
        "sb_trioxide",
        us_ox.value * ox_sh["CHN"].value,
        "derived",
        f"derived: US oxide imports {us_ox.value:g} t Sb [{us_ox.src}] x China's 2021-24 share {ox_sh['CHN'].value:g} [{ox_sh['CHN'].src}]; conflicts with the US "
        f"29% of China's exports in Aug 2024 [{aug.src}]",
    )
    ds.link(
        "CHN",
        "USA",
        "sb_metal",
        us_me.value * me_sh["CHN"].value,
        "derived",
        f"derived: US metal imports {us_me.value:g} t [{us_me.src}] x China's share {me_sh['CHN'].value:g} [{me_sh['CHN'].src}]",
    )
    nld = f.get("exports_to_NLD", country="CHN", year="2024")
    eu_share = nld.value / tot.value
    ds.link(
        "CHN",
        "EUR",
        "sb_metal",
        cn_metal * eu_share,
        "derived",
        f"derived: {s_cn}; metal {cn_metal:.1f} t x the Netherlands' share {eu_share:.4f} of the export tonnage [{nld.src}]",
    )
    ds.link(
        "CHN",
        "EUR",
        "sb_trioxide",
        cn_oxide * eu_share,
        "derived",
        f"derived: {s_cn}; oxide {cn_oxide:.1f} t Sb x the Netherlands' share {eu_share:.4f} of the export tonnage [{nld.src}]",
    )
    jpn_w = 0.10 / (1 - 0.29)  # Aug 2024: US 29%, Vietnam 14%, Japan 10% (shares stated in the note of the row above)
    for p, total in (("sb_metal", cn_metal), ("sb_trioxide", cn_oxide)):
        rest = total - ds.node_terms()[("CHN", p)]["exports"]
        ds.link(
            "CHN",
            "JPN",
            p,
            rest * jpn_w,
            "assumption",
            f"assumption: {s_cn}; the rest after the US and EUR ({rest:.1f} t) x Japan's share of the non-US exports in Aug 2024 (10% of 71%) [{aug.src}]",
        )
        ds.link(
            "CHN",
            "ROW",
            p,
            rest * (1 - jpn_w),
            "assumption",
            f"assumption: {s_cn}; the rest after the US, EUR and Japan (Vietnam 14% in Aug 2024, Korea, Thailand, India ...) [{aug.src}]",
        )
    cn_met_imp = f.get("imports", country="CHN", year="2024-07", subject="antimony metal")
    ds.link(
        "TJK",
        "CHN",
        "sb_metal",
        cn_met_imp.value * 12,
        "assumption",
        f"assumption: China's metal imports (July 2024 {cn_met_imp.value:g} t x 12) [{cn_met_imp.src}] come from Tajikistan",
    )
    ds.link(
        "TJK",
        "EUR",
        "sb_metal",
        ds.available("TJK", "sb_metal"),
        "assumption",
        "assumption: the rest of Tajik ingot goes to European oxide converters",
    )

    # ------------------------------------------------------------------ US
    code = {"BEL": "EUR", "FRA": "EUR", "BOL": "BOL", "OTHER": "ROW", "IND": "ROW", "THA": "ROW", "VNM": "ROW"}
    for c in ("BEL", "FRA", "BOL", "OTHER"):
        ds.link(
            code[c],
            "USA",
            "sb_trioxide",
            us_ox.value * ox_sh[c].value,
            "derived",
            f"derived: US oxide imports {us_ox.value:g} t Sb x {c}'s 2021-24 share {ox_sh[c].value:g} [{ox_sh[c].src}]",
            note={"BEL": "Belgium counted in EUR", "FRA": "France counted in EUR", "OTHER": "OTHER counted in ROW"}.get(c, ""),
        )
    for c in ("IND", "THA", "VNM", "OTHER"):
        ds.link(
            "ROW",
            "USA",
            "sb_metal",
            us_me.value * me_sh[c].value,
            "derived",
            f"derived: US metal imports {us_me.value:g} t x {c}'s 2021-24 share {me_sh[c].value:g} [{me_sh[c].src}]",
            note=f"{c} counted in ROW",
        )
    us_ox_exp = f.get("exports", country="USA", year="2024", subject="antimony oxide")
    us_me_exp = f.get("exports", country="USA", year="2024", subject="unwrought metal")
    ds.link(
        "USA",
        "ROW",
        "sb_trioxide",
        us_ox_exp.value,
        "assumption",
        f"assumption: destinations of US oxide exports not found; reported total [{us_ox_exp.src}]",
    )
    ds.link(
        "USA",
        "ROW",
        "sb_metal",
        us_me_exp.value,
        "assumption",
        f"assumption: destinations of US metal exports not found; reported total [{us_me_exp.src}]",
    )
    sec = f.get("secondary_production", country="USA", year="2024")
    ds.facility(
        "USA",
        "sb_battery_recycling",
        sec.value,
        "reported",
        f"reported: secondary antimony (antimonial lead from batteries) [{sec.src}]",
        capacity=sec.value,
        capacity_source="assumption: limited by the batteries scrapped, so capacity = baseline output (no spare)",
    )
    # Bolivia converts what it sells to the US; the rest of its metal goes to European converters
    bol_ox = us_ox.value * ox_sh["BOL"].value
    ds.facility("BOL", "sb_oxide_making", bol_ox, "derived", f"derived: Bolivia converts to oxide what it sells to the US ({bol_ox:g} t)")
    ds.link(
        "BOL",
        "EUR",
        "sb_metal",
        ds.available("BOL", "sb_metal"),
        "assumption",
        "assumption: the rest of Bolivian metal goes to European oxide converters",
    )

    # ------------------------------------------------------------------ oxide making and end use, country by country
    us_sh = {
        "metal": f.get("share_of_consumption", country="USA", year="2024", subject="metal products (antimonial"),
        "fr": f.get("share_of_consumption", country="USA", year="2024", subject="flame retardants"),
        "non": f.get("share_of_consumption", country="USA", year="2024", subject="nonmetal products ("),
    }
    app = f.get("apparent_consumption", country="USA", year="2024")
    for c in ("CHN", "EUR", "JPN", "ROW", "USA"):
        me = ds.available(c, "sb_metal")
        ox = ds.available(c, "sb_trioxide")
        total = me + ox
        need = max(0.0, min(me, (1 - metal_share) * total - ox)) if c != "USA" else 0.0
        if need > 0:
            ds.facility(
                c,
                "sb_oxide_making",
                need,
                "derived",
                f"derived: {c} converts the metal needed for its oxide uses to be {1 - metal_share:g} of its end use ({total:.1f} t); {s_split}",
            )
        if c == "USA":
            ds.close(
                c,
                "sb_trioxide",
                {
                    "sb_flame_retardants": (us_sh["fr"].value, f"US share, reported [{us_sh['fr'].src}]"),
                    "sb_ceramics_other": (us_sh["non"].value, f"US share, reported [{us_sh['non'].src}]"),
                },
                f"US supply as traded; US apparent consumption {app.value:g} t [{app.src}]; USGS puts metal products at {us_sh['metal'].value:g} of US use, "
                "more than the US metal supply allows: conflict",
            )
            ds.close(c, "sb_metal", metal_shares, "US metal supply as traded (primary, secondary, imports less exports)")
        else:
            ds.close(c, "sb_trioxide", oxide_shares, "oxide from own conversion where the metal allows; otherwise each product's residual")
            ds.close(c, "sb_metal", metal_shares, "oxide from own conversion where the metal allows; otherwise each product's residual")

    # ------------------------------------------------------------------ stocks and stockpiles
    cover = ds.param(
        "sb_cover_days",
        30.0,
        "days",
        "assumption",
        "assumption: no stock figure found outside China",
        "Days of cover held at every node outside China",
    )
    cn_cover = ds.param(
        "sb_china_cover_days",
        30.0,
        "days",
        "assumption",
        "assumption: no stock figure found inside China",
        "Days of cover held at every node inside China",
    )
    for c, p in sorted(ds.node_terms()):
        if c == "CHN":
            ds.stock(c, p, cn_cover, "assumption", "assumption: parameter sb_china_cover_days")
        else:
            ds.stock(c, p, cover, "assumption", "assumption: parameter sb_cover_days")
    jp_sp = f.get("stockpile_target", country="JPN", year="2020")
    for p in ("sb_metal", "sb_trioxide"):
        ds.strategic(
            "JPN",
            p,
            jp_sp.value,
            "assumption",
            f"assumption: JOGMEC target {jp_sp.value:g} days (Sb is an eligible metal) [{jp_sp.src}]; holdings undisclosed, taken at target",
        )

    # ------------------------------------------------------------------ prices
    pm = f.get("annual_average_price", country="USA", year="2024")
    ds.price("sb_metal", pm.value * LB_PER_T, "reported", f"reported: {pm.value:g} USD/lb x 2204.62 lb/t [{pm.src}]", "2024")
    return ds


if __name__ == "__main__":
    raise SystemExit(main(build, __doc__ or ""))
