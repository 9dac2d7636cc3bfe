"use strict";
(function () {
  var PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000", "#999999", "#8C564B", "#7F7F7F", "#17BECF"];
  var scenarios = [];
  var dirty = {};
  window.ssTiming = {};
  function $(id) { return document.getElementById(id); }
  function setState(s) { document.body.setAttribute("data-state", s); }
  function status(text, isError) { var el = $("status"); el.textContent = text; el.className = isError ? "error" : ""; }
  function fmt(x, digits) {
    if (x === null || x === undefined) { return "-"; }
    return Number(x).toLocaleString("en-US", {maximumFractionDigits: digits, minimumFractionDigits: digits});
  }
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]; });
  }
  function api(path, opts) {
    return fetch(path, opts).then(function (r) {
      return r.text().then(function (text) {
        var body; try { body = JSON.parse(text); } catch (e) { body = {detail: text || r.statusText}; }
        if (!r.ok) { throw new Error(body.detail || (r.status + " " + r.statusText)); }
        return body;
      });
    });
  }
  function current() { return scenarios.find(function (s) { return s.name === $("scenario").value; }); }
  function showValues() {
    $("approval-out").textContent = $("approval").disabled ? "(no licence)" : $("approval").value + " %";
    $("delay-out").textContent = $("delay").disabled ? "(no licence)" : $("delay").value;
    $("duration-out").textContent = $("duration").disabled ? "(no controls)" : $("duration").value;
    $("cover-out").textContent = $("cover").value + " % of the dataset's";
  }
  function fillDefaults() {
    var s = current(); if (!s) { return; }
    var p = s.parameters;
    dirty = {};
    $("scenario-desc").textContent = s.description + " (" + s.start + ", " + s.horizon_days + " days, " + s.events + " events)";
    $("approval").disabled = !p.has_licence; $("approval").value = p.approval === null ? 0 : Math.round(p.approval * 100);
    $("delay").disabled = !p.has_licence; $("delay").value = p.delay_days === null ? 63 : p.delay_days;
    $("duration").disabled = !p.has_controls; $("duration").value = p.duration_days === null ? s.horizon_days : p.duration_days;
    $("cover").value = Math.round(p.cover_scale * 100);
    $("members").value = s.members;
    showValues();
  }
  ["approval", "delay", "duration", "cover", "members"].forEach(function (id) {
    $(id).addEventListener("input", function () { dirty[id] = true; showValues(); });
  });
  function request() {
    var s = current();
    var body = {scenario: s.name, members: Math.max(1, Math.min(50, parseInt($("members").value, 10) || 1))};
    if (dirty.approval && !$("approval").disabled) { body.approval = Number($("approval").value) / 100; }
    if (dirty.delay && !$("delay").disabled) { body.delay_days = Number($("delay").value); }
    if (dirty.duration && !$("duration").disabled) { body.duration_days = Number($("duration").value); }
    if (dirty.cover) { body.cover_scale = Number($("cover").value) / 100; }
    return body;
  }
  function run() {
    var body = request();
    window.ssTiming = {requested: performance.now()};
    $("run").disabled = true; setState("running"); status("Submitting..."); $("progress").value = 0;
    api("/api/runs", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (job) { status("Queued (job " + job.job_id.slice(0, 8) + ")"); follow(job.job_id); })
      .catch(fail);
  }
  function fail(err) { status(String(err.message || err), true); setState("error"); $("run").disabled = false; }
  function progress(job) {
    $("progress").value = job.progress;
    if (job.status === "running") { status("Running: day " + job.days_done + " of " + job.days); }
    if (job.status === "done") { status("Done: run " + job.run_id + ". Drawing..."); load(job.run_id); return true; }
    if (job.status === "failed" || job.status === "cancelled") { fail(new Error("Run " + job.status + ": " + (job.error || ""))); return true; }
    return false;
  }
  function follow(id) {
    if (!window.EventSource) { poll(id); return; }
    var es = new EventSource("/api/jobs/" + id + "/events");
    var finished = false;
    es.addEventListener("progress", function (e) { if (progress(JSON.parse(e.data))) { finished = true; es.close(); } });
    es.onerror = function () { es.close(); if (!finished) { poll(id); } };
  }
  function poll(id) {
    api("/api/jobs/" + id).then(function (job) { if (!progress(job)) { setTimeout(function () { poll(id); }, 300); } }).catch(fail);
  }
  function bandTraces(series, colourOf, dashOf) {
    var traces = [];
    Object.keys(series).forEach(function (key, i) {
      var s = series[key], colour = colourOf(key, i);
      if (s.p05 && s.p95) {
        traces.push({type: "scatter", x: window.ssDates, y: s.p05, mode: "lines", line: {width: 0}, hoverinfo: "skip",
                     showlegend: false, legendgroup: key, name: key + " p5"});
        traces.push({type: "scatter", x: window.ssDates, y: s.p95, mode: "lines", line: {width: 0}, fill: "tonexty", fillcolor: colour + "30",
                     hoverinfo: "skip", showlegend: false, legendgroup: key, name: key + " p95"});
      }
      traces.push({type: "scatter", x: window.ssDates, y: s.median, mode: "lines", name: key, legendgroup: key,
                   line: {color: colour, width: 2, dash: dashOf ? dashOf(key) : "solid"}});
    });
    return traces;
  }
  function layout(title, yaxis) {
    return {title: {text: title, font: {size: 14}}, margin: {l: 55, r: 10, t: 40, b: 30}, height: 340, hovermode: "x unified",
            xaxis: {type: "date", gridcolor: "#eee"}, yaxis: {title: {text: yaxis}, gridcolor: "#eee", rangemode: "tozero"},
            legend: {orientation: "h", y: -0.15}, paper_bgcolor: "white", plot_bgcolor: "white"};
  }
  function byIndex(key, i) { return PALETTE[i % PALETTE.length]; }
  function load(runId) {
    api("/api/runs/" + encodeURIComponent(runId) + "/summary").then(function (s) {
      window.ssSummary = s;
      window.ssDates = s.dates;
      var h = s.headline;
      $("kpi-short").textContent = String(h.region_sectors_short);
      var f = h.first_short;
      $("kpi-first").textContent = f ? (f.country + " " + f.sector + ", " + f.first_shortfall_date) : "nobody";
      $("kpi-peak").textContent = fmt(h.peak_shortfall_pct, 1) + " %";
      $("kpi-lost").textContent = "USD " + fmt((h.output_at_risk_usd || 0) / 1e9, 2) + " bn";
      var rows = s.ranked.slice(0, 20).map(function (r) {
        return "<tr><td>" + r.rank + "</td><td>" + esc(r.country_name) + "</td><td>" + esc(r.sector) + "</td><td>" + esc(r.first_shortfall_date) +
               "</td><td class=num>" + fmt(r.peak_shortfall_pct, 1) + "</td><td class=num>" + fmt((r.output_at_risk_usd || 0) / 1e6, 1) + "</td></tr>";
      });
      document.querySelector("#ranked tbody").innerHTML = rows.join("") || "<tr><td colspan=6>Nobody runs short.</td></tr>";
      var cfg = {displaylogo: false, responsive: true};
      var note = s.members > 1 ? " (median, p5-p95)" : "";
      // price keys are "<market>/<last-stage product>"; the first market (the exporter's) is drawn solid
      var priceKeys = Object.keys(s.series.prices);
      var firstMarket = priceKeys.length ? priceKeys[0].split("/")[0] : "";
      var product = priceKeys.length ? priceKeys[0].split("/").slice(1).join("/") : "last-stage product";
      var drawn = [
        Plotly.react("chart-shortfall", bandTraces(s.series.shortfall_region, byIndex), layout("Shortfall by region, t/day" + note, "t/day"), cfg),
        Plotly.react("chart-lost", bandTraces(s.series.output_at_risk_region, byIndex), layout("Lost output by region to date, USD" + note, "USD"), cfg),
        Plotly.react("chart-stocks", bandTraces(s.series.stocks_final, byIndex), layout("Stocks of " + product + " by region, t" + note, "t"), cfg),
        Plotly.react("chart-prices", bandTraces(s.series.prices, byIndex, function (k) { return k.split("/")[0] === firstMarket ? "solid" : "dot"; }),
                     layout("Price index (1 = baseline)" + note, "index"), cfg)
      ];
      return Promise.all(drawn).then(function () {
        window.ssTiming.drawn = performance.now();
        var base = "/api/runs/" + encodeURIComponent(runId);
        $("links").innerHTML = '<a href="' + base + '/report" target="_blank">report</a>' +
          '<a href="' + base + '/results.csv">CSV</a><a href="' + base + '/results.nc">netCDF</a>';
        document.body.setAttribute("data-run-id", runId);
        status("Done: run " + runId);
        setState("done");
        $("run").disabled = false;
      });
    }).catch(fail);
  }
  $("scenario").addEventListener("change", fillDefaults);
  $("run").addEventListener("click", run);
  api("/api/scenarios").then(function (list) {
    scenarios = list;
    $("scenario").innerHTML = list.map(function (s) { return '<option value="' + esc(s.name) + '">' + esc(s.name) + "</option>"; }).join("");
    var wanted = document.body.getAttribute("data-default-scenario");
    var preferred = list.find(function (s) { return s.name === wanted; });
    if (preferred) { $("scenario").value = preferred.name; }
    fillDefaults();
    $("run").disabled = false;
    status("Pick a scenario, change its settings, and run it.");
    setState("ready");
  }).catch(fail);
})();
