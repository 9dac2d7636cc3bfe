"""Build the embedded `gallium` dataset (2024 baseline) from data-raw/minerals/gallium/facts.csv.

Run from the repository root::

    python data-raw/build_gallium.py            # write src/supplyshock/data/gallium/
    python data-raw/build_gallium.py --check    # fail if the shipped files differ from the build
    python data-raw/build_gallium.py --set ga_recycled_share_of_refined=0.2 --out /tmp/ga   # a variant

Chain (t of Ga content throughout): primary low-purity Ga (4N, from alumina liquor) ->
high-purity refining (6N-7N; plus secondary refining of new GaAs scrap) -> GaAs/GaN wafers,
epitaxial material and precursors -> end uses (RF and ICs, optoelectronics, GaN power, solar);
low-purity Ga also goes to NdFeB magnets and, in China, to uses and stock building the sources
do not itemise. Every figure is a facts row, derived from facts rows, or an assumption (a
dataset parameter where it matters); see src/supplyshock/data/gallium/README.md.
"""

from __future__ import annotations

from mineral_build import Dataset, Facts, main, shares_of

FAMILY = "gallium"


def build(overrides: dict[str, float]) -> Dataset:
    f = Facts(FAMILY)
    ds = Dataset("gallium", "gallium", "ga", overrides)
    ds.meta = {
        "title": "Gallium chain (primary Ga to high-purity Ga to GaAs/GaN wafers and devices), 2024 baseline",
        "base_year": 2024,
        "headlines": [
            {
                "id": "china_ga_exports",
                "label": "China's gallium metal exports",
                "exporter": "CHN",
                "product": "ga_primary",
                "importers": ["JPN", "KOR", "DEU"],
            },
            {"id": "china_ga_wafer_exports", "label": "China's GaAs wafer exports", "exporter": "CHN", "product": "ga_wafer", "importers": ["USA"]},
        ],
    }
    ds.countries(["CHN", "JPN", "KOR", "USA", "CAN", "DEU", "EUR", "ROW"])
    ds.product("ga_primary", "primary", "Primary low-purity gallium (99.99%, from alumina refining)", "t Ga")
    ds.product("ga_refined", "refining", "High-purity refined gallium (6N-7N), from primary feed or new scrap", "t Ga")
    ds.product("ga_wafer", "wafer", "GaAs/GaN substrates and epitaxial wafers, and Ga precursors (TMGa)", "t Ga (content)")

    # ------------------------------------------------------------------ end-use shares
    def share(subject: str) -> tuple[float, str]:
        x = f.get("share_of_consumption", country="WLD", year="2024", subject=subject)
        return x.value, f"assumption in the facts, range {x.low:g}-{x.high:g} [{x.src}]"

    sh_rf, s_rf = share("integrated circuits / RF")
    sh_opto, s_opto = share("LEDs, laser diodes")
    sh_mag, s_mag = share("NdFeB magnet additive")
    sh_pow, s_pow = share("GaN power electronics")
    sh_sol, s_sol = share("solar (CIGS")
    sh_oth, s_oth = share("alloys, R&D, medical, other")
    ds.sector("ga_rf_ics", "Integrated circuits and RF devices (GaAs/GaN: handsets, telecom, radar and EW, computing)", "ELE", "ga_wafer")
    ds.sector("ga_optoelectronics", "LEDs, laser diodes, photodetectors", "ELE", "ga_wafer")
    ds.sector("ga_power_electronics", "GaN power electronics (chargers, EV and data-centre power)", "ELE", "ga_wafer")
    ds.sector("ga_solar", "Solar cells (CIGS, III-V space cells)", "ELE", "ga_wafer")
    ds.sector("ga_magnets", "NdFeB magnet additive (low-purity Ga)", "MET", "ga_primary")
    ds.sector("ga_alloys_other", "Alloys, R&D, medical and other uses of refined Ga", "OMF", "ga_refined")
    ds.sector(
        "ga_cn_unallocated",
        "China: low-purity uses and stock building not itemised by any source (derived residual of primary output)",
        "MET",
        "ga_primary",
    )
    wafer_shares = shares_of(
        [("ga_rf_ics", sh_rf, s_rf), ("ga_optoelectronics", sh_opto, s_opto), ("ga_power_electronics", sh_pow, s_pow), ("ga_solar", sh_sol, s_sol)]
    )
    other_of_hp = sh_oth / (sh_oth + sh_rf + sh_opto + sh_pow + sh_sol)
    s_other_of_hp = f"derived: world share of alloys/R&D/other {sh_oth:g} / shares of all refined-Ga uses {sh_oth + sh_rf + sh_opto + sh_pow + sh_sol:g} ({s_oth})"

    # ------------------------------------------------------------------ recipes
    ds.recipe("ga_extraction", "ga_primary", "output", 1, "definition", "definition: activity = t of primary Ga recovered from Bayer liquor")
    ds.recipe(
        "ga_refining",
        "ga_primary",
        "input",
        1,
        "assumption",
        "assumption: Ga content conserved in upgrading 4N to 6N-7N (refining losses return as scrap); no yield figure in the facts",
    )
    ds.recipe("ga_refining", "ga_refined", "output", 1, "definition", "definition: activity = t of high-purity Ga")
    ds.recipe(
        "ga_recycling",
        "ga_refined",
        "output",
        1,
        "definition",
        "definition: activity = t of high-purity Ga refined from new (GaAs) scrap; the scrap itself is not modelled",
    )
    ds.recipe(
        "ga_wafer_making",
        "ga_refined",
        "input",
        1,
        "assumption",
        "assumption: Ga content conserved from metal to wafers and precursors (losses recycled)",
    )
    ds.recipe(
        "ga_wafer_making",
        "ga_wafer",
        "output",
        1,
        "definition",
        "definition: activity = t of Ga contained in wafers, epitaxial material and precursors",
    )

    # ------------------------------------------------------------------ primary production (MCS2026, 2024)
    rows = [row for row in f.rows if row["metric"] == "primary_production" and row["year"] == "2024" and row["note"].startswith("MCS2026")]
    prim = {row["country"]: row for row in rows}

    def prim_fact(country: str):
        row = prim[country]
        return f.get("primary_production", country=country, year="2024", note=row["note"])

    cap = {c: f.get("primary_capacity", country=c, year="2024") for c in ("CHN", "JPN", "RUS")}
    chn_prim = prim_fact("CHN")
    jpn_prim = prim_fact("JPN")
    rus_prim = prim_fact("RUS")
    wld_prim = prim_fact("WLD")
    assert abs(chn_prim.value + jpn_prim.value + rus_prim.value - wld_prim.value) < 1e-6
    ds.facility(
        "CHN",
        "ga_extraction",
        chn_prim.value,
        "reported",
        chn_prim.src,
        capacity=cap["CHN"].value,
        capacity_source=f"reported: {cap['CHN'].src}",
    )
    ds.facility(
        "JPN", "ga_extraction", jpn_prim.value, "reported", jpn_prim.src, capacity=cap["JPN"].value, capacity_source=f"reported: {cap['JPN'].src}"
    )
    ds.facility(
        "ROW",
        "ga_extraction",
        rus_prim.value,
        "reported",
        f"Russia (the only ROW producer in USGS MCS2026) {rus_prim.src}",
        capacity=cap["RUS"].value,
        capacity_source=f"reported: Russia {cap['RUS'].src}",
    )

    # ------------------------------------------------------------------ high-purity output and recycling (world)
    hp = f.get("refined_production", country="WLD", year="2024")
    rec_f = f.get("recycled_share_of_refined", country="WLD", year="2024")
    rec_share = ds.param(
        "ga_recycled_share_of_refined",
        rec_f.value,
        "share",
        "assumption",
        f"assumption in the facts ('up to one-third' of refined output from scrap), range {rec_f.low:g}-{rec_f.high:g} [{rec_f.src}]",
        "Share of world high-purity Ga output refined from scrap (sets the recycling of DEU as the residual)",
    )
    world_recycled = hp.value * rec_share
    world_hp_primary = hp.value - world_recycled

    # US (USGS salient statistics, 2024)
    us_cons = f.get("reported_consumption", country="USA", year="2024")
    us_imp = f.get("imports", country="USA", year="2024", subject="gallium metal (HTS")
    us_wafer_gross = f.get("imports", country="USA", year="2024", subject="GaAs wafers")
    gaas_frac = f.get("ga_mass_fraction", subject="gallium arsenide")
    us_recycling = us_cons.value - us_imp.value
    # Japan (JOGMEC 2021), held for 2024
    jp_cons = f.get("consumption", country="JPN", year="2021")
    jp_imp = f.get("imports", country="JPN", year="2021")
    jp_imp_cn_2021 = f.get("imports_from_CHN", country="JPN", year="2021")
    jp_recycling = jp_cons.value - jp_imp.value - jpn_prim.value
    deu_recycling = world_recycled - us_recycling - jp_recycling
    if deu_recycling < 0:
        raise SystemExit("ga_recycled_share_of_refined too low: the US and Japanese recycling alone exceed it")
    s_cap_rec = "assumption: recycling is limited by the new scrap generated, so capacity = baseline output (no spare)"
    ds.facility(
        "USA",
        "ga_recycling",
        us_recycling,
        "derived",
        f"derived: US reported consumption {us_cons.value:g} t [{us_cons.src}] - metal imports {us_imp.value:g} t [{us_imp.src}] "
        "(no US primary output; USGS: recycling of new scrap and stock change, the latter ignored)",
        capacity=us_recycling,
        capacity_source=s_cap_rec,
    )
    ds.facility(
        "JPN",
        "ga_recycling",
        jp_recycling,
        "assumption",
        f"assumption: Japan's 2021 secondary supply held for 2024 = consumption {jp_cons.value:g} t [{jp_cons.src}] - imports {jp_imp.value:g} t "
        f"[{jp_imp.src}] - primary output {jpn_prim.value:g} t (Japan recycles most of the world's new GaAs scrap)",
        capacity=jp_recycling,
        capacity_source=s_cap_rec,
    )
    ds.facility(
        "DEU",
        "ga_recycling",
        deu_recycling,
        "derived",
        f"derived: world recycled Ga (refined output {hp.value:g} t [{hp.src}] x parameter ga_recycled_share_of_refined {rec_share:g}) "
        f"less the US ({us_recycling:.2f} t) and Japan ({jp_recycling:.2f} t); recycling is 'mostly in Japan, Europe, N. America' "
        "(facts), Germany (Freiberger) taken for Europe (assumption)",
        capacity=deu_recycling,
        capacity_source=s_cap_rec,
    )

    # ------------------------------------------------------------------ China's exports of primary Ga (2024)
    cn_exp = f.get("exports", country="CHN", year="2024", subject="gallium (wrought and unwrought)")
    cn_to_us = f.get("exports_to_USA", country="CHN", year="2024")
    cn_to_jpn = f.get("imports_from_CHN", country="JPN", year="2024")
    # US metal imports by source, 2021-24 shares without China (China shipped none in 2024)
    us_shares = {
        c: f.get(f"import_share_from_{c}", country="USA", year="2024", subject="gallium metal") for c in ("CAN", "JPN", "CHN", "DEU", "OTHER")
    }
    non_cn = 1 - us_shares["CHN"].value
    us_from = {c: us_imp.value * us_shares[c].value / non_cn for c in ("CAN", "JPN", "DEU", "OTHER")}
    for c, code in (("CAN", "CAN"), ("JPN", "JPN"), ("DEU", "DEU"), ("OTHER", "ROW")):
        ds.link(
            code,
            "USA",
            "ga_refined",
            us_from[c],
            "derived",
            f"derived: US metal imports {us_imp.value:g} t [{us_imp.src}] x {c}'s share {us_shares[c].value:g} of 2021-24 imports [{us_shares[c].src}] "
            f"/ {non_cn:g} (China's share {us_shares['CHN'].value:g} re-allotted: China reported no exports to the US in 2024 [{cn_to_us.src}])",
            note="OTHER sources counted in ROW" if c == "OTHER" else "",
        )
    ds.link(
        "CHN",
        "JPN",
        "ga_primary",
        cn_to_jpn.value,
        "reported",
        f"reported: 'around 10 tons' after the Aug-2023 controls, stored as 2024 (reading) [{cn_to_jpn.src}]; Japan imported {jp_imp_cn_2021.value:g} t "
        f"from China in 2021 [{jp_imp_cn_2021.src}]",
    )
    ds.link(
        "CHN",
        "CAN",
        "ga_primary",
        us_from["CAN"],
        "assumption",
        "assumption: Canadian refiners (named by USGS among high-purity producers) upgrade Chinese primary Ga and sell it to the US; "
        "amount = Canada's exports to the US (derived above)",
    )
    rest = cn_exp.value - cn_to_jpn.value - us_from["CAN"]
    dest = {"DEU": 0.45, "KOR": 0.30, "EUR": 0.15, "ROW": 0.10}
    apr = f.get("exports_to_DEU", country="CHN", year="2024-04")
    dec = f.get("exports", country="CHN", year="2024-12")
    why = (
        f"no annual destination split found; Germany took {apr.value:g} t of {f.value('exports', country='CHN', year='2024-04'):g} t in Apr 2024 [{apr.src}] "
        f"and most of the record July; only Japan and Korea received shipments in Dec 2024 [{dec.src}]; Slovakia (in EUR) is the second European importer"
    )
    w = {
        c: ds.param(
            f"ga_cn_export_share.{c}", v, "share", "assumption", f"assumption: {why}", f"Share of China's other primary-Ga exports going to {c}"
        )
        for c, v in dest.items()
    }
    tot = sum(w.values())
    for c, v in w.items():
        ds.link(
            "CHN",
            c,
            "ga_primary",
            rest * v / tot,
            "assumption",
            f"assumption: China's 2024 exports {cn_exp.value:g} t [{cn_exp.src}] less Japan and Canada ({rest:.3f} t) x parameter ga_cn_export_share.{c} "
            f"({v / tot:.3f} after normalising)",
        )

    # ------------------------------------------------------------------ refining: every importer upgrades its primary Ga
    for c in ("JPN", "KOR", "CAN", "DEU", "EUR", "ROW"):
        avail = ds.available(c, "ga_primary")
        ds.facility(
            c,
            "ga_refining",
            avail,
            "assumption",
            f"assumption: {c} upgrades all its primary Ga (own output + imports = {avail:.3f} t) to high purity; USGS names CAN, CHN, JPN, SVK and USA "
            f"as high-purity producers without a split [{hp.src}]",
        )
    ex_cn_hp_primary = (
        sum(ds.node_terms()[(c, "ga_refined")]["production"] for c in ("JPN", "KOR", "CAN", "DEU", "EUR", "ROW")) - jp_recycling - deu_recycling
    )
    cn_hp = world_hp_primary - ex_cn_hp_primary
    ds.facility(
        "CHN",
        "ga_refining",
        cn_hp,
        "derived",
        f"derived: world high-purity output from primary feed ({hp.value:g} t x (1 - {rec_share:g}) = {world_hp_primary:.3f} t) less the primary Ga refined "
        f"outside China ({ex_cn_hp_primary:.3f} t)",
    )
    wd = f.get("demand", country="WLD", year="2024")
    mag = wd.value * sh_mag
    ds.demand(
        "CHN",
        "ga_magnets",
        mag,
        "assumption",
        f"assumption: world Ga demand {wd.value:g} t (assumption in the facts, range {wd.low:g}-{wd.high:g}) [{wd.src}] x magnet share {sh_mag:g} ({s_mag}); "
        "all in China (magnets are 'a Chinese outlet')",
    )
    ds.close(
        "CHN",
        "ga_primary",
        {"ga_cn_unallocated": (1.0, "the whole residual")},
        "China's primary output not exported, not refined to high purity (USGS world 320 t) and not put in magnets: USGS says primary output "
        "'includes Chinese stock building and use in magnets'",
    )

    # ------------------------------------------------------------------ wafers
    us_wafer = us_wafer_gross.value * gaas_frac.value
    src_wafer = f"US GaAs wafer imports {us_wafer_gross.value:g} t gross [{us_wafer_gross.src}] x Ga mass fraction {gaas_frac.value:g} [{gaas_frac.src}] = {us_wafer:.3f} t Ga"
    wsh = {"JPN": 0.45, "CHN": 0.35, "DEU": 0.20}
    ww = {
        c: ds.param(
            f"ga_us_wafer_import_share.{c}",
            v,
            "share",
            "assumption",
            "assumption: the sources of US GaAs wafer imports were not found; high-purity GaAs is made 'by a few firms in Japan and China and one in Europe' "
            f"[{f.get('number_of_producers_in_Europe').src}]",
            f"Share of US GaAs wafer imports from {c}",
        )
        for c, v in wsh.items()
    }
    wt = sum(ww.values())
    for c, v in ww.items():
        ds.link(
            c, "USA", "ga_wafer", us_wafer * v / wt, "assumption", f"assumption: {src_wafer} x parameter ga_us_wafer_import_share.{c} ({v / wt:.3f})"
        )

    # high-purity Ga: US uses by USGS shares; elsewhere 'other' by world shares, the rest to wafers
    us_rd = f.get("share_of_consumption", country="USA", year="2024", subject="research and development")
    us_ic = f.get("share_of_consumption", country="USA", year="2024", subject="integrated circuits")
    us_op = f.get("share_of_consumption", country="USA", year="2024", subject="optoelectronics")
    ds.demand(
        "USA",
        "ga_alloys_other",
        us_cons.value * us_rd.value,
        "derived",
        f"derived: US consumption {us_cons.value:g} t x R&D share {us_rd.value:g} [{us_rd.src}]",
    )
    ds.facility(
        "USA",
        "ga_wafer_making",
        us_cons.value * (1 - us_rd.value),
        "derived",
        f"derived: US consumption {us_cons.value:g} t x (1 - R&D share {us_rd.value:g}): ICs and optoelectronics [{us_ic.src}]",
    )
    for c in ("CHN", "JPN", "KOR", "DEU", "EUR", "ROW"):
        avail = ds.available(c, "ga_refined")
        ds.demand(
            c,
            "ga_alloys_other",
            avail * other_of_hp,
            "assumption",
            f"assumption: {c}'s high-purity Ga left after exports ({avail:.3f} t) x {other_of_hp:.4f} ({s_other_of_hp})",
        )
        ds.facility(
            c,
            "ga_wafer_making",
            avail * (1 - other_of_hp),
            "assumption",
            f"assumption: {c}'s high-purity Ga left after exports ({avail:.3f} t) less alloys/R&D/other uses: made into wafers, epitaxial material and precursors",
        )
    ds.close(
        "USA",
        "ga_wafer",
        {
            "ga_rf_ics": (us_ic.value, f"US share, reported [{us_ic.src}]"),
            "ga_optoelectronics": (us_op.value, f"US share, reported [{us_op.src}]"),
        },
        "US wafer output plus imports",
    )
    for c in ("CHN", "JPN", "KOR", "DEU", "EUR", "ROW"):
        ds.close(c, "ga_wafer", wafer_shares, "wafer output less exports, split by world shares of wafer uses")
    for c in ("CAN",):
        if abs(ds.available(c, "ga_refined")) > 1e-6:
            raise SystemExit(f"{c}: refined Ga left over")

    # ------------------------------------------------------------------ stocks
    us_stock = f.get("stock_cover_days", country="USA", year="2024")
    cover = ds.param(
        "ga_cover_days",
        us_stock.value,
        "days",
        "derived",
        f"derived: US consumer stocks {f.value('consumer_stocks', country='USA', year='2024'):g} t / consumption = {us_stock.value:g} days [{us_stock.src}]; "
        "the only stock figure found, applied to refined Ga held by consumers outside China (assumption)",
        "Days of cover of refined (high-purity) Ga outside China",
    )
    cn_cover = ds.param(
        "ga_china_cover_days",
        30.0,
        "days",
        "assumption",
        "assumption: Chinese state and trader stocks are unknown (facts README, gap 4)",
        "Days of cover held at every node inside China",
    )
    other_cover = ds.param(
        "ga_other_cover_days",
        30.0,
        "days",
        "assumption",
        "assumption: no stock figure for primary Ga held by refiners or for wafers held by device makers",
        "Days of cover of primary Ga and of wafers outside China",
    )
    for node in sorted(ds.node_terms()):
        c, p = node
        if c == "CHN":
            ds.stock(c, p, cn_cover, "assumption", "assumption: parameter ga_china_cover_days")
        elif p != "ga_refined":
            ds.stock(c, p, other_cover, "assumption", "assumption: parameter ga_other_cover_days")
        elif c == "USA":
            ds.stock(c, p, cover, "derived", f"derived: parameter ga_cover_days (US consumer stocks) [{us_stock.src}]")
        else:
            ds.stock(
                c, p, cover, "assumption", "assumption: parameter ga_cover_days (US consumer-stock cover of refined Ga applied to other consumers)"
            )
    jp_sp = f.get("stockpile_target", country="JPN", year="2020")
    kr_sp = f.get("stockpile_target", country="KOR", year="2024")
    us_sp = f.get("stockpile_holdings", country="USA", year="2023")
    ds.strategic(
        "JPN",
        "ga_primary",
        jp_sp.value,
        "assumption",
        f"assumption: JOGMEC target {jp_sp.value:g} days of consumption [{jp_sp.src}]; holdings are undisclosed and taken at target",
    )
    ds.strategic(
        "KOR",
        "ga_primary",
        kr_sp.value,
        "assumption",
        f"assumption: KOMIR target {kr_sp.value:g} days of supply [{kr_sp.src}]; holdings are not published and taken at target (US NDS holds no gallium [{us_sp.src}])",
    )

    # ------------------------------------------------------------------ prices (USGS annual averages, 2024)
    p_lp = f.get("annual_average_price", country="WLD", year="2024", subject="primary low-purity")
    p_hp = f.get("annual_average_price", country="WLD", year="2024", subject="high-purity")
    ds.price("ga_primary", p_lp.value * 1000, "reported", f"reported: {p_lp.value:g} USD/kg [{p_lp.src}]", "2024")
    ds.price("ga_refined", p_hp.value * 1000, "reported", f"reported: {p_hp.value:g} USD/kg [{p_hp.src}]", "2024")
    return ds


if __name__ == "__main__":
    raise SystemExit(main(build, __doc__ or ""))
