"""Build the embedded `tungsten` dataset (2024 baseline) from data-raw/minerals/tungsten/facts.csv.

Run from the repository root::

    python data-raw/build_tungsten.py            # write src/supplyshock/data/tungsten/
    python data-raw/build_tungsten.py --check    # fail if the shipped files differ from the build

Chain (t of W content): concentrate (wolframite, scheelite) -> conversion to APT, oxides and
ferrotungsten -> carbide and metal powder -> end uses: cemented carbide (tools, wear parts) and
heavy alloys (munitions) on the powder; steels and superalloys, mill products and chemicals on
the intermediates. Scrap recycling (a large buffer in this chain) is modelled where a rate is
sourced: the EU (EoL recycling input rate) and the US (scrap share of consumption).
"""

from __future__ import annotations

from mineral_build import Dataset, Facts, main, shares_of

FAMILY = "tungsten"
# IUPAC 2021 standard atomic weights
W_, N_, H_, O_ = 183.84, 14.007, 1.008, 15.999
APT_W = 12 * W_ / (10 * N_ + 50 * H_ + 12 * W_ + 46 * O_)  # (NH4)10[H2W12O42].4H2O


def build(overrides: dict[str, float]) -> Dataset:
    f = Facts(FAMILY)
    ds = Dataset("tungsten", "tungsten", "w", overrides)
    ds.meta = {
        "title": "Tungsten chain (concentrate to APT and oxides to carbide powder to cemented carbide and munitions), 2024 baseline",
        "base_year": 2024,
        "headlines": [
            {
                "id": "china_w_powder_exports",
                "label": "China's tungsten carbide and powder exports",
                "exporter": "CHN",
                "product": "w_powder",
                "importers": ["USA", "JPN", "DEU"],
            },
            {
                "id": "china_w_apt_exports",
                "label": "China's APT and tungsten oxide exports",
                "exporter": "CHN",
                "product": "w_apt",
                "importers": ["KOR", "JPN"],
            },
        ],
    }
    ds.countries(["CHN", "VNM", "BOL", "RWA", "RUS", "AUS", "USA", "JPN", "KOR", "DEU", "EUR", "ROW"])
    ds.product("w_concentrate", "mining", "Tungsten concentrate (wolframite, scheelite)", "t W")
    ds.product("w_apt", "conversion", "APT, tungsten oxides and ferrotungsten (intermediates)", "t W")
    ds.product("w_powder", "powder", "Tungsten carbide and metal powder (incl. heavy-alloy feed)", "t W")

    carb = f.get("share_of_global_consumption", country="WLD", year="2023", subject="tungsten carbide products")
    stl = f.get("share_of_global_consumption", country="WLD", year="2023", subject="steels and superalloys")
    mill = f.get("share_of_global_consumption", country="WLD", year="2023", subject="mill products")
    dfn = f.get("share_of_global_tungsten_demand", country="WLD", year="2024", subject="defence")
    ds.sector("w_cemented_carbide", "Cemented carbide tools and wear parts (machining, mining and drilling, construction)", "MET", "w_powder")
    ds.sector("w_defence_heavy_alloys", "Defence: heavy alloys for kinetic penetrators and munitions, armour", "OMF", "w_powder")
    ds.sector("w_steels_superalloys", "High-speed and tool steels, superalloys (ferrotungsten)", "MET", "w_apt")
    ds.sector("w_mill_chemicals", "Mill products (wire, electrodes) and chemicals, catalysts", "ELE", "w_apt")
    powder_shares = shares_of(
        [
            ("w_cemented_carbide", carb.value / 100, f"world first use, reported [{carb.src}]"),
            ("w_defence_heavy_alloys", dfn.value / 100, f"assumption in the facts, range {dfn.low:g}-{dfn.high:g}% [{dfn.src}]"),
        ]
    )
    apt_shares = shares_of(
        [
            ("w_steels_superalloys", stl.value / 100, f"world first use, reported [{stl.src}]"),
            (
                "w_mill_chemicals",
                (mill.value - dfn.value) / 100,
                f"derived: residual first use {mill.value:g}% [{mill.src}] less defence {dfn.value:g}%",
            ),
        ]
    )
    powder_share = (carb.value + dfn.value) / 100
    s_split = f"world first use: powder uses (carbide {carb.value:g}% + defence {dfn.value:g}%) {powder_share:g}, intermediates {1 - powder_share:g}"

    ds.recipe("w_mining", "w_concentrate", "output", 1, "definition", "definition: activity = t of W in concentrate")
    ds.recipe(
        "w_conversion",
        "w_concentrate",
        "input",
        1,
        "assumption",
        "assumption: W content conserved from concentrate to APT/oxide (no recovery figure)",
    )
    ds.recipe("w_conversion", "w_apt", "output", 1, "definition", "definition: activity = t of W in APT, oxides or ferrotungsten")
    ds.recipe("w_powder_making", "w_apt", "input", 1, "assumption", "assumption: W content conserved from APT to powder (no yield figure)")
    ds.recipe("w_powder_making", "w_powder", "output", 1, "definition", "definition: activity = t of W in carbide or metal powder")
    ds.recipe(
        "w_recycling",
        "w_apt",
        "output",
        1,
        "definition",
        "definition: activity = t of W recovered from scrap into APT/oxide (the scrap is not modelled)",
    )

    # ------------------------------------------------------------------ mining (MCS2026 revised 2024)
    rows = [row for row in f.rows if row["metric"] == "mine_production" and row["year"] == "2024" and row["note"].startswith("MCS2026")]

    def mine(c: str):
        return f.get("mine_production", country=c, year="2024", note=next(row["note"] for row in rows if row["country"] == c))

    named = ("CHN", "VNM", "BOL", "RWA", "RUS", "AUS")
    for c in named:
        m = mine(c)
        ds.facility(c, "w_mining", m.value, "reported", m.src)
    eu = ("AUT", "ESP", "PRT")
    ds.facility(
        "EUR",
        "w_mining",
        sum(mine(c).value for c in eu),
        "derived",
        f"derived: sum of USGS MCS2026 2024 output of Austria, Spain, Portugal [{mine('AUT').src}]",
    )
    row_parts = [row["country"] for row in rows if row["country"] not in (*named, *eu, "WLD")]
    row_mine = sum(mine(c).value for c in row_parts)
    ds.facility("ROW", "w_mining", row_mine, "derived", f"derived: sum of USGS MCS2026 2024 output of {', '.join(row_parts)} [{mine('PRK').src}]")

    # ------------------------------------------------------------------ concentrate trade
    cn_imp = f.get("imports_typical_range", country="CHN", year="2016")
    s_cnimp = f"China imports {cn_imp.low:g}-{cn_imp.high:g} t W/yr of concentrate (2016; midpoint {cn_imp.value:g} held for 2024) [{cn_imp.src}]"
    ds.link("RWA", "CHN", "w_concentrate", mine("RWA").value, "assumption", f"assumption: Rwanda's output goes to China; {s_cnimp}")
    ds.link(
        "ROW",
        "CHN",
        "w_concentrate",
        cn_imp.value - mine("RWA").value,
        "assumption",
        f"assumption: the rest of China's imports come from ROW (North Korea and others); {s_cnimp}",
    )
    us_ore = f.get("imports_for_consumption", country="USA", year="2024", subject="ores", note="MCS2026 revised")
    us_ore_x = f.get("exports", country="USA", year="2024", subject="ores", note="MCS2026 revised")
    us_oth = f.get("imports_for_consumption", country="USA", year="2024", subject="other forms", note="MCS2026 revised")
    us_oth_x = f.get("exports", country="USA", year="2024", subject="other forms", note="MCS2026 revised")
    sh = {c: f.get("share_of_US_imports_2021_2024", country=c, year="2024") for c in ("CHN", "DEU", "BOL", "VNM", "OTHER")}
    us_all = us_ore.value + us_oth.value
    s_us = f"US imports {us_all:g} t W (ores {us_ore.value:g} [{us_ore.src}], other forms {us_oth.value:g} [{us_oth.src}])"
    bol_us = us_all * sh["BOL"].value / 100
    ds.link(
        "BOL",
        "USA",
        "w_concentrate",
        bol_us,
        "derived",
        f"derived: {s_us} x Bolivia's 2021-24 share {sh['BOL'].value:g}% [{sh['BOL'].src}], taken as ore",
    )
    ds.link(
        "ROW",
        "USA",
        "w_concentrate",
        us_ore.value - bol_us,
        "assumption",
        f"assumption: the rest of US ore imports ({us_ore.value:g} t) from other sources (counted in ROW)",
    )
    ds.link(
        "USA",
        "ROW",
        "w_concentrate",
        us_ore_x.value,
        "assumption",
        f"assumption: destinations of US ore exports not found; reported total [{us_ore_x.src}]",
    )
    ds.link(
        "BOL",
        "DEU",
        "w_concentrate",
        ds.available("BOL", "w_concentrate"),
        "assumption",
        "assumption: the rest of Bolivian concentrate goes to the German converter (Goslar)",
    )
    ds.link(
        "AUS", "EUR", "w_concentrate", mine("AUS").value, "assumption", "assumption: Australian concentrate goes to European converters (Austria)"
    )

    # ------------------------------------------------------------------ conversion
    cn_share = f.get("share_of_world_processing", country="CHN", year="2023")
    for c in ds.country_codes:
        avail = ds.available(c, "w_concentrate")
        if avail > 1e-9:
            ds.facility(
                c,
                "w_conversion",
                avail,
                "derived" if c in ("CHN", "USA") else "assumption",
                f"{'derived' if c in ('CHN', 'USA') else 'assumption'}: {c} converts its concentrate (own output + imports - exports = {avail:.1f} t) to APT/oxide; "
                f"China's share of world processing is {cn_share.value:g}% [{cn_share.src}]",
            )

    # ------------------------------------------------------------------ China's exports
    cons = f.get("demand", country="WLD", year="2023")
    cn_use_sh = f.get("share_of_world_consumption", country="CHN", year="2016")
    cn_use = cons.value * cn_use_sh.value / 100
    cn_exp = ds.available("CHN", "w_apt") - cn_use
    s_cn = (
        f"China's exports = its conversion ({ds.available('CHN', 'w_apt'):.0f} t) less its use, 'nearly {cn_use_sh.value:g}%' [{cn_use_sh.src}] of world "
        f"consumption {cons.value:g} t [{cons.src}] = {cn_exp:.0f} t"
    )
    apt = f.get("exports", country="CHN", year="2024", subject="APT")
    kor = f.get("imports", country="KOR", year="2022")
    kor_cn = f.get("share_of_imports_from_CHN", country="KOR", year="2022")
    wo3 = f.get("W_per_mtu_WO3")
    kor_t = kor.value * kor_cn.value / 100 * wo3.value / 10
    ds.link(
        "CHN",
        "KOR",
        "w_apt",
        kor_t,
        "derived",
        f"derived: Korea's tungsten-oxide imports {kor.value:g} t (2022, LOW confidence) [{kor.src}] x China's share {kor_cn.value:g}% x {wo3.value / 10:g} t W per t WO3 [{wo3.src}]",
    )
    ds.link(
        "CHN",
        "JPN",
        "w_apt",
        apt.value * APT_W,
        "assumption",
        f"assumption: China's APT exports {apt.value:g} t [{apt.src}] x W content {APT_W:.4f} (stoichiometry of APT, IUPAC 2021 atomic weights) go to Japan",
    )
    cn_us = us_all * sh["CHN"].value / 100
    ds.link(
        "CHN",
        "USA",
        "w_powder",
        cn_us,
        "derived",
        f"derived: {s_us} x China's 2021-24 share {sh['CHN'].value:g}% [{sh['CHN'].src}], taken as carbide and powder",
    )
    rest = cn_exp - kor_t - apt.value * APT_W - cn_us
    dest = {"JPN": 0.35, "DEU": 0.20, "EUR": 0.20, "ROW": 0.25}
    w = {
        c: ds.param(
            f"w_cn_powder_export_share.{c}",
            v,
            "share",
            "assumption",
            "assumption: China's exports of carbide, powders and other products by destination were not found (facts README, gap 2)",
            f"Share of China's other tungsten exports (carbide and powder) going to {c}",
        )
        for c, v in dest.items()
    }
    wt = sum(w.values())
    for c, v in w.items():
        ds.link(
            "CHN",
            c,
            "w_powder",
            rest * v / wt,
            "assumption",
            f"assumption: {s_cn}; the rest after Korea, Japan's APT and the US ({rest:.0f} t) x parameter w_cn_powder_export_share.{c} ({v / wt:.3f})",
        )

    # ------------------------------------------------------------------ other US imports and exports (other forms)
    ds.link(
        "DEU",
        "USA",
        "w_powder",
        us_all * sh["DEU"].value / 100,
        "derived",
        f"derived: {s_us} x Germany's share {sh['DEU'].value:g}% [{sh['DEU'].src}], taken as powder",
    )
    ds.link(
        "VNM",
        "USA",
        "w_apt",
        us_all * sh["VNM"].value / 100,
        "derived",
        f"derived: {s_us} x Vietnam's share {sh['VNM'].value:g}% [{sh['VNM'].src}], taken as APT/oxide (Nui Phao)",
    )
    other_forms_rest = us_oth.value - cn_us - us_all * (sh["DEU"].value + sh["VNM"].value) / 100
    ds.link(
        "ROW",
        "USA",
        "w_powder",
        other_forms_rest,
        "derived",
        f"derived: US imports of other forms {us_oth.value:g} t less China, Germany and Vietnam (other sources, counted in ROW)",
    )
    ds.link(
        "USA",
        "ROW",
        "w_powder",
        us_oth_x.value,
        "assumption",
        f"assumption: destinations of US exports of other forms not found; reported total [{us_oth_x.src}]",
    )

    vn_rest = ds.available("VNM", "w_apt")
    vdest = {"DEU": 0.5, "JPN": 0.5}
    vw = {
        c: ds.param(
            f"w_vnm_export_share.{c}",
            v,
            "share",
            "assumption",
            "assumption: Vietnam's converter (Nui Phao) sells APT and oxide abroad; only its US exports are in the facts",
            f"Share of Vietnam's APT/oxide not sent to the US going to {c}",
        )
        for c, v in vdest.items()
    }
    vt = sum(vw.values())
    for c, v in vw.items():
        ds.link(
            "VNM",
            c,
            "w_apt",
            vn_rest * v / vt,
            "assumption",
            f"assumption: Vietnam's APT/oxide less its US exports ({vn_rest:.0f} t) x parameter w_vnm_export_share.{c} ({v / vt:.3f})",
        )

    # ------------------------------------------------------------------ recycling (EU and US)
    eol = f.get("EoL_RIR", country="EU27", year="2023")
    us_scrap = f.get("scrap_share_of_apparent_consumption", country="USA", year="2006")
    rec_rate = {
        "DEU": (eol.value / 100, f"EU end-of-life recycling input rate {eol.value:g}% [{eol.src}]"),
        "EUR": (eol.value / 100, f"EU end-of-life recycling input rate {eol.value:g}% [{eol.src}]"),
        "USA": (us_scrap.value / 100, f"US scrap share of apparent consumption {us_scrap.value:g}% (2006, held) [{us_scrap.src}]"),
    }
    for c, (rate, rsrc) in rec_rate.items():
        other = ds.available(c, "w_apt") + ds.available(c, "w_powder")
        rec = other * rate / (1 - rate)
        ds.facility(
            c,
            "w_recycling",
            rec,
            "assumption",
            f"assumption: {c}'s use = its other supply ({other:.1f} t) / (1 - {rate:g}); recycling = {rate:g} of its use ({rsrc})",
            capacity=rec,
            capacity_source="assumption: recycling is limited by the scrap collected, so capacity = baseline output (no spare)",
        )

    # ------------------------------------------------------------------ powder making and end use, country by country
    for c in ds.country_codes:
        a = ds.available(c, "w_apt")
        p = ds.available(c, "w_powder")
        total = a + p
        if total <= 1e-9:
            continue
        need = max(0.0, min(a, powder_share * total - p))
        if need > 0:
            ds.facility(
                c,
                "w_powder_making",
                need,
                "derived",
                f"derived: {c} makes the powder needed for its powder uses to be {powder_share:g} of its use ({total:.1f} t); {s_split}",
            )
        ds.close(c, "w_apt", apt_shares, "powder made from own APT where the APT allows; otherwise each product's residual")
        ds.close(c, "w_powder", powder_shares, "powder made from own APT where the APT allows; otherwise each product's residual")

    # ------------------------------------------------------------------ stocks and stockpiles
    cover = ds.param(
        "w_cover_days",
        30.0,
        "days",
        "assumption",
        "assumption: US industry stocks are withheld; no figure for Europe or Japan (facts README, gap 5)",
        "Days of cover held at every node outside China",
    )
    cn_cover = ds.param(
        "w_china_cover_days",
        30.0,
        "days",
        "assumption",
        "assumption: no stock figure found inside China",
        "Days of cover held at every node inside China",
    )
    for c, p in sorted(ds.node_terms()):
        if c == "CHN":
            ds.stock(c, p, cn_cover, "assumption", "assumption: parameter w_china_cover_days")
        else:
            ds.stock(c, p, cover, "assumption", "assumption: parameter w_cover_days")
    nds = f.get("inventory_estimate", country="USA", year="2022")
    use = ds.node_terms()[("USA", "w_concentrate")]["process_use"]
    ds.strategic(
        "USA",
        "w_concentrate",
        nds.value / use * 365,
        "derived",
        f"derived: US National Defense Stockpile ores and concentrates, end-2022 estimate {nds.value:g} t W (LOW confidence) [{nds.src}], as days of US "
        f"concentrate use ({use:.0f} t/yr: the US converts little concentrate)",
    )
    pw = f.get("inventory", country="USA", year="2020-09-30", subject="metal powder")
    use_p = ds.node_terms()[("USA", "w_powder")]["final_use"] + ds.node_terms()[("USA", "w_powder")]["process_use"]
    ds.strategic(
        "USA",
        "w_powder",
        pw.value / use_p * 365,
        "derived",
        f"derived: NDS metal powder {pw.value:g} t W (30 Sep 2020) [{pw.src}] as days of US powder use ({use_p:.0f} t/yr)",
    )

    # ------------------------------------------------------------------ prices
    pc = f.get("average_in_warehouse_Rotterdam", country="NLD", year="2024")
    ds.price(
        "w_concentrate",
        pc.value / (wo3.value / 1000),
        "derived",
        f"derived: {pc.value:g} USD/mtu WO3 [{pc.src}] / {wo3.value:g} kg W per mtu [{wo3.src}]",
        "2024",
    )
    pa = f.get("start_of_year_Rotterdam", country="NLD", year="2025-01", subject="APT")
    ds.price(
        "w_apt",
        pa.value / (wo3.value / 1000),
        "derived",
        f"derived: APT {pa.value:g} USD/mtu WO3 at the start of 2025 [{pa.src}] / {wo3.value:g} kg W per mtu",
        "2025",
    )
    return ds


if __name__ == "__main__":
    raise SystemExit(main(build, __doc__ or ""))
