/* Shared by the report (inlined) and the dashboard (/static/analyst.js): number formats, charts with
   an empty state and PNG/SVG export, and the "who is hurt" table (one row per country, sectors
   expandable, sortable, paged, every row available). window.ssAnalyst holds the functions. */
(function (root) {
  "use strict";

  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  /* Three significant digits for money (85.2, 133, 0.681), whole numbers for tonnes above 10. */
  function num(x, digits) {
    if (x === null || x === undefined || (typeof x === "number" && !isFinite(x))) { return "-"; }
    var v = Number(x);
    if (digits === undefined) {
      var a = Math.abs(v);
      digits = a === 0 ? 0 : a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    }
    return v.toLocaleString("en-US", {maximumFractionDigits: digits, minimumFractionDigits: digits});
  }
  function sig3(x) {
    if (x === null || x === undefined || !isFinite(x)) { return "-"; }
    var a = Math.abs(x);
    var d = a === 0 ? 0 : Math.max(0, 2 - Math.floor(Math.log10(a)));
    return Number(x).toLocaleString("en-US", {maximumFractionDigits: d, minimumFractionDigits: d});
  }
  function band(b, members) {
    if (!b || b.p50 === null || b.p50 === undefined) { return "-"; }
    var text = sig3(b.p50);
    if (members > 1 && b.p05 !== null && b.p95 !== null) { text += " [" + sig3(b.p05) + "-" + sig3(b.p95) + "]"; }
    return text;
  }
  function prettyDate(iso) {
    if (!iso) { return "never"; }
    var d = new Date(iso + "T00:00:00Z");
    return d.toLocaleDateString("en-GB", {day: "numeric", month: "short", year: "numeric", timeZone: "UTC"});
  }

  /* ---------------------------------------------------------------- charts */
  function slug(text) { return String(text || "chart").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60); }

  function exportChart(el, format, filename) {
    var w = Math.max(el.clientWidth || 0, 900), h = Math.max(el.clientHeight || 0, 420);
    return Plotly.downloadImage(el, {format: format, filename: slug(filename), width: w, height: h});
  }

  /* Draw fig ({data, layout} or {empty: "why"}) into el; returns a promise. A figure with nothing
     to draw shows its sentence instead of empty axes, and its export buttons are hidden. */
  function drawFigure(el, fig, config, filename) {
    var holder = el.closest ? el.closest("figure") : null;
    var buttons = holder ? holder.querySelector(".export") : null;
    if (!fig || fig.empty) {
      if (el.data) { Plotly.purge(el); }
      el.innerHTML = '<p class="empty">' + esc(fig ? fig.empty : "Nothing to draw.") + "</p>";
      el.classList.add("is-empty");
      if (buttons) { buttons.hidden = true; }
      return Promise.resolve(el);
    }
    el.classList.remove("is-empty");
    if (fig.dates) {
      fig.data.forEach(function (tr) { if (tr.x === "dates") { tr.x = fig.dates; } });
    }
    var emptyNote = el.querySelector(".empty"); if (emptyNote) { emptyNote.remove(); }
    if (buttons) {
      buttons.hidden = false;
      buttons.querySelectorAll("button[data-format]").forEach(function (b) {
        b.onclick = function () { exportChart(el, b.getAttribute("data-format"), filename || (fig.layout.title && fig.layout.title.text) || el.id); };
      });
    }
    return Plotly.react(el, fig.data, fig.layout, config);
  }

  /* ---------------------------------------------------------------- the "who is hurt" table */
  function cellValue(row, col) {
    var v = row.cells[col.key];
    if (col.type === "band") { return v ? v.p50 : null; }
    return v;
  }
  function compare(a, b, col, desc) {
    var x = cellValue(a, col), y = cellValue(b, col);
    var nx = x === null || x === undefined, ny = y === null || y === undefined;
    if (nx || ny) { return nx === ny ? 0 : nx ? 1 : -1; }  // missing values last, whatever the direction
    var r = (col.type === "text" || col.type === "date") ? String(x).localeCompare(String(y)) : (x - y);
    return desc ? -r : r;
  }
  function fmtCell(v, col, members) {
    if (col.type === "band") { return band(v, members); }
    if (col.type === "date") { return v ? esc(v) : "never"; }
    if (col.type === "number") { return num(v, col.unit === "t" && v !== null && v !== 0 && Math.abs(v) < 10 ? 1 : 0); }
    return esc(v);
  }

  /* Render table data (see supplyshock.report.data.hurt_table) into container. Options: pageSize,
     members, id. State lives on the container: sort key, direction, page, open countries. */
  function renderTable(container, t, opts) {
    opts = opts || {};
    var pageSize = opts.pageSize || 10, members = opts.members || 1;
    var st = container.ssState || {key: t.sort, desc: true, page: 0, all: false, open: {}};
    container.ssState = st;
    var col = t.columns.find(function (c) { return c.key === st.key; }) || t.columns[0];
    var rows = t.rows.slice().sort(function (a, b) { return compare(a, b, col, st.desc); });
    var pages = Math.max(1, Math.ceil(rows.length / pageSize));
    if (st.page >= pages) { st.page = pages - 1; }
    var shown = st.all ? rows : rows.slice(st.page * pageSize, (st.page + 1) * pageSize);
    var tonneCols = t.columns.filter(function (c) { return c.unit === "t"; });
    var html = ['<table class="hurt"' + (opts.id ? ' id="' + esc(opts.id) + '"' : "") + "><thead><tr>"];
    t.columns.forEach(function (c) {
      var sorted = c.key === st.key ? (st.desc ? "descending" : "ascending") : "none";
      var cls = ' class="col-' + esc(c.key) + (c.type === "text" ? "" : " num") + '"';
      var arrow = c.key === st.key ? (st.desc ? " ▼" : " ▲") : "";
      html.push("<th" + cls + ' aria-sort="' + sorted + '" data-key="' + esc(c.key) + '"><button type="button" title="Sort by ' + esc(c.label) +
                '">' + esc(c.label) + arrow + "</button></th>");
    });
    html.push("</tr></thead>");
    shown.forEach(function (r) {
      var open = !!st.open[r.key];
      html.push('<tbody data-key="' + esc(r.key) + '"><tr class="country">');
      t.columns.forEach(function (c, i) {
        var v = r.cells[c.key];
        if (i === 0) {
          var toggle = r.sectors.length
            ? '<button type="button" class="toggle" aria-expanded="' + open + '" title="' + (open ? "Hide" : "Show") + ' its sectors">' +
              (open ? "▾" : "▸") + "</button>"
            : '<span class="toggle-space"></span>';
          html.push('<th scope="row">' + toggle + '<span class="swatch" style="background:' + esc(r.colour) + '"></span>' + esc(v) +
                    (r.sectors.length ? ' <small>(' + r.sectors.length + " sector" + (r.sectors.length > 1 ? "s" : "") + " short)</small>" : "") + "</th>");
        } else {
          html.push('<td class="num col-' + esc(c.key) + '">' + fmtCell(v, c, members) + "</td>");
        }
      });
      html.push("</tr>");
      r.sectors.forEach(function (s) {
        html.push('<tr class="sector"' + (open ? "" : " hidden") + ">");
        t.columns.forEach(function (c, i) {
          if (i === 0) { html.push('<td class="sector-name" title="' + esc(s.title) + '">' + esc(s.cells.name) + "</td>"); return; }
          if (c.unit === "t") {
            if (c === tonneCols[0]) {
              html.push('<td class="num wrap" colspan="' + tonneCols.length + '">' + num(s.cells.tonnes, Math.abs(s.cells.tonnes) < 10 ? 1 : 0) + " t" +
                        (s.cells.material ? " of " + esc(s.cells.material) : "") + "</td>");
            }
            return;
          }
          if (c.type === "band") { html.push('<td class="num muted col-' + esc(c.key) + '">by country only</td>'); return; }
          html.push('<td class="num col-' + esc(c.key) + '">' + fmtCell(s.cells[c.key], c, members) + "</td>");
        });
        html.push("</tr>");
      });
      html.push("</tbody>");
    });
    if (!rows.length) { html.push('<tbody><tr><td colspan="' + t.columns.length + '" class="empty">No country has demand for these materials.</td></tr></tbody>'); }
    html.push("</table>");
    var first = rows.length ? (st.all ? 1 : st.page * pageSize + 1) : 0;
    var last = st.all ? rows.length : Math.min(rows.length, (st.page + 1) * pageSize);
    html.push('<div class="pager"><span class="pager-text">Countries ' + first + "-" + last + " of " + rows.length + "</span>");
    if (rows.length > pageSize) {
      html.push('<button type="button" data-page="prev"' + (st.all || st.page === 0 ? " disabled" : "") + ">Previous</button>");
      html.push('<button type="button" data-page="next"' + (st.all || st.page >= pages - 1 ? " disabled" : "") + ">Next</button>");
      html.push('<button type="button" data-page="all">' + (st.all ? "Show " + pageSize + " per page" : "Show all " + rows.length) + "</button>");
    }
    html.push("</div>");
    container.innerHTML = html.join("");
    container.querySelectorAll("thead th").forEach(function (th) {
      th.querySelector("button").addEventListener("click", function () {
        var key = th.getAttribute("data-key");
        var c = t.columns.find(function (x) { return x.key === key; });
        if (st.key === key) { st.desc = !st.desc; } else { st.key = key; st.desc = c.type !== "text"; }
        st.page = 0;
        renderTable(container, t, opts);
      });
    });
    container.querySelectorAll("tbody[data-key] .toggle").forEach(function (b) {
      b.addEventListener("click", function () {
        var key = b.closest("tbody").getAttribute("data-key");
        st.open[key] = !st.open[key];
        renderTable(container, t, opts);
      });
    });
    container.querySelectorAll(".pager button").forEach(function (b) {
      b.addEventListener("click", function () {
        var what = b.getAttribute("data-page");
        if (what === "prev") { st.page -= 1; } else if (what === "next") { st.page += 1; } else { st.all = !st.all; st.page = 0; }
        renderTable(container, t, opts);
      });
    });
    container.setAttribute("data-sort", st.key + (st.desc ? ":desc" : ":asc"));
  }

  root.ssAnalyst = {esc: esc, num: num, sig3: sig3, band: band, prettyDate: prettyDate, drawFigure: drawFigure,
                    exportChart: exportChart, renderTable: renderTable, slug: slug};
})(window);
