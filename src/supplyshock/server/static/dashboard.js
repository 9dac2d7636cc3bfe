"use strict";
/* The dashboard: settings as they are (approval schedules step by step, stock cover in days, members
   within the server's limit), a YAML editor checked as you type, runs named after what changed, the
   run as the report shows it, the run history and comparisons against a reference. Shared drawing
   (charts with PNG/SVG export and empty states, the "who is hurt" table) is window.ssAnalyst. */
(function () {
  var A = window.ssAnalyst;
  var CONFIG = {displaylogo: false, responsive: true};
  var scenarios = [];
  var shown = null;          // the overview drawn: {run_id, name, ...}
  var shownKey = null;       // the settings that run was made with
  var history = [];
  var picked = {};           // run_id -> true: ticked for comparison
  var reference = null;      // run_id of the comparison's reference
  var yamlTimer = null;
  var pendingDraw = {};
  window.ssTiming = {};

  function $(id) { return document.getElementById(id); }
  function setState(s) { document.body.setAttribute("data-state", s); }
  function status(text, isError) { var el = $("status"); el.textContent = text; el.className = isError ? "error" : ""; }
  function maxMembers() { return Number(document.body.getAttribute("data-max-members") || "50"); }
  function api(path, opts) {
    return fetch(path, opts).then(function (r) {
      return r.text().then(function (text) {
        var body; try { body = JSON.parse(text); } catch (e) { body = {detail: text || r.statusText}; }
        if (!r.ok) {
          var more = (body.problems || []).slice(0, 4).map(function (p) { return (p.line ? "line " + p.line + ": " : "") + (p.path ? p.path + ": " : "") + p.message; });
          throw new Error((body.detail || (r.status + " " + r.statusText)) + (more.length ? " (" + more.join("; ") + ")" : ""));
        }
        return body;
      });
    });
  }
  function postJSON(path, body) { return api(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)}); }
  function current() { return scenarios.find(function (s) { return s.name === $("scenario").value; }); }
  function pct(x) { return Math.round(x * 1000) / 10; }

  /* ------------------------------------------------------------ schedules, step by step */
  function stepsOf(value, start) {
    return Array.isArray(value) ? value.map(function (s) { return {from: s.from, share: s.share}; }) : [{from: start, share: value}];
  }
  function stepsTable(key, steps, constant) {
    var rows = steps.map(function (s, i) {
      return '<tr><td><input type="date" data-key="' + key + '" data-i="' + i + '" data-field="from" value="' + A.esc(s.from) + '"' + (constant ? " disabled" : "") +
        ' aria-label="from"></td><td><input type="number" min="0" max="100" step="0.1" data-key="' + key + '" data-i="' + i + '" data-field="share" value="' +
        pct(s.share) + '" aria-label="approved %"> %</td><td>' + (steps.length > 1 ? '<button type="button" class="remove-step" data-key="' + key + '" data-i="' + i +
        '" title="Remove this step">✕</button>' : "") + "</td></tr>";
    });
    return '<div class="steps" data-steps="' + A.esc(key) + '"><table><thead><tr><th>from</th><th>approved</th><th></th></tr></thead><tbody>' + rows.join("") +
      '</tbody></table><button type="button" class="add-step" data-key="' + A.esc(key) + '">Add a step</button></div>';
  }
  var edited = {};  // key ("event" or "event#group") -> steps list (or a number for constants)
  var original = {};
  function renderSchedules(s) {
    var html = [];
    edited = {}; original = {};
    s.parameters.schedules.forEach(function (sch) {
      var key = sch.event, constant = !Array.isArray(sch.approval);
      original[key] = JSON.stringify(stepsOf(sch.approval, sch.start));
      edited[key] = stepsOf(sch.approval, sch.start);
      html.push('<div class="schedule" data-event="' + A.esc(key) + '"><h3>Approval of ' + A.esc(sch.label) + ", by filing date</h3>");
      html.push(stepsTable(key, edited[key], false));
      if (constant) { html.push('<p class="fixed">A constant share in the scenario; add steps to make it a schedule.</p>'); }
      sch.groups.forEach(function (g, gi) {
        var gk = key + "#" + gi;
        original[gk] = JSON.stringify(stepsOf(g.approval, sch.start));
        edited[gk] = stepsOf(g.approval, sch.start);
        html.push('<p class="fixed">Buyers in ' + A.esc(g.destinations.join(", ")) + (g.label ? " (" + A.esc(g.label) + ")" : "") + ":</p>");
        html.push(stepsTable(gk, edited[gk], false));
      });
      sch.changes.forEach(function (c) {
        html.push('<p class="fixed">Then ' + pct(c.approval) + "% for every destination from " + A.esc(A.prettyDate(c.date)) + " (" + A.esc(c.by) + ", set by the scenario).</p>");
      });
      html.push("</div>");
    });
    $("schedules").innerHTML = html.join("");
  }
  function scheduleProblems() {
    var s = current(), out = [];
    if (!s) { return out; }
    var start = s.start, end = new Date(new Date(s.start + "T00:00:00Z").getTime() + s.horizon_days * 864e5).toISOString().slice(0, 10);
    Object.keys(edited).forEach(function (key) {
      var seen = {};
      edited[key].forEach(function (step) {
        if (!(step.share >= 0 && step.share <= 1)) { out.push(key + ": an approved share must be between 0 and 100%"); }
        if (!step.from || step.from < start || step.from >= end) { out.push(key + ": a step's date must lie in the simulated period (" + start + " to " + end + ")"); }
        if (seen[step.from]) { out.push(key + ": two steps start on " + step.from); }
        seen[step.from] = true;
      });
    });
    return out;
  }
  $("schedules").addEventListener("input", function (e) {
    var t = e.target, key = t.getAttribute("data-key");
    if (!key) { return; }
    var i = Number(t.getAttribute("data-i"));
    if (t.getAttribute("data-field") === "share") { edited[key][i].share = t.value === "" ? NaN : Number(t.value) / 100; } else { edited[key][i].from = t.value; }
    t.classList.toggle("invalid", t.getAttribute("data-field") === "share" && !(edited[key][i].share >= 0 && edited[key][i].share <= 1));
    changed();
  });
  $("schedules").addEventListener("click", function (e) {
    var t = e.target, key = t.getAttribute("data-key");
    if (!key) { return; }
    if (t.classList.contains("add-step")) {
      var last = edited[key][edited[key].length - 1];
      var next = new Date(new Date(last.from + "T00:00:00Z").getTime() + 30 * 864e5).toISOString().slice(0, 10);
      edited[key].push({from: next, share: last.share});
    } else if (t.classList.contains("remove-step")) {
      edited[key].splice(Number(t.getAttribute("data-i")), 1);
    } else { return; }
    t.closest(".steps").outerHTML = stepsTable(key, edited[key], false);
    changed();
  });

  /* ------------------------------------------------------------ the other settings */
  function defaults() {
    var s = current(); if (!s) { return; }
    var p = s.parameters;
    $("scenario-desc").textContent = s.description + " (" + A.prettyDate(s.start) + ", " + s.horizon_days + " days, " + s.events + " events)";
    renderSchedules(s);
    $("licence-fields").hidden = !p.has_licence;
    $("delay").value = p.delay_days === null ? "" : p.delay_days;
    $("delay-out").textContent = p.delay_days === null ? "" : "(scenario: " + p.delay_days + ")";
    $("control-fields").hidden = !p.has_controls;
    $("duration").value = p.duration_days === null ? "" : p.duration_days;
    $("duration-out").textContent = p.duration_days === null ? "" : "(scenario: " + p.duration_days + ", to the horizon)";
    $("cover-fields").hidden = p.cover_days === null;
    $("cover").value = p.cover_days === null ? "" : p.cover_days;
    $("cover-out").textContent = p.cover_days === null ? "" : "(dataset: " + p.cover_days + ", demand-weighted)";
    $("members").max = String(maxMembers());
    $("members").value = Math.min(s.members, maxMembers());
    $("members-out").textContent = "(at most " + maxMembers() + " here)";
    membersMessage(s.members > maxMembers() ? "The scenario asks for " + s.members + " members; this server runs at most " + maxMembers() + ", so " + maxMembers() + " will run." : "");
    $("yaml").value = "";
    changed();
  }
  function membersMessage(text) { $("members-msg").textContent = text; $("members-msg").hidden = !text; }
  $("members").addEventListener("input", function () {
    var v = parseInt($("members").value, 10);
    if (v > maxMembers()) { $("members").value = maxMembers(); membersMessage(v + " members is more than this server runs: set to " + maxMembers() + "."); }
    else if (v < 1) { $("members").value = 1; membersMessage("At least one member: set to 1."); }
    else if (!(v === maxMembers() && !$("members-msg").hidden)) { membersMessage(""); }
    changed();
  });
  ["delay", "duration", "cover"].forEach(function (id) { $(id).addEventListener("input", changed); });

  function settings() {
    var s = current(), p = s.parameters, body = {scenario: s.name};
    var members = parseInt($("members").value, 10);
    body.members = Math.max(1, Math.min(maxMembers(), isNaN(members) ? 1 : members));
    var steps = {}, groups = {};
    Object.keys(edited).forEach(function (key) {
      if (JSON.stringify(edited[key]) === original[key]) { return; }
      var list = edited[key].slice().sort(function (a, b) { return a.from < b.from ? -1 : 1; });
      if (key.indexOf("#") < 0) { steps[key] = list; } else {
        var parts = key.split("#"); groups[parts[0]] = groups[parts[0]] || {}; groups[parts[0]][parts[1]] = list;
      }
    });
    if (Object.keys(steps).length) { body.approval_steps = steps; }
    if (Object.keys(groups).length) { body.group_approval = groups; }
    if (p.has_licence && $("delay").value !== "" && Number($("delay").value) !== p.delay_days) { body.delay_days = Number($("delay").value); }
    if (p.has_controls && $("duration").value !== "" && Number($("duration").value) !== p.duration_days) { body.duration_days = Number($("duration").value); }
    if (p.cover_days !== null && $("cover").value !== "" && Number($("cover").value) !== p.cover_days) { body.cover_days = Number($("cover").value); }
    return body;
  }
  function changed() {
    var problems = scheduleProblems();
    var running = document.body.getAttribute("data-state") === "running";
    $("run").disabled = running || problems.length > 0 || !current();
    $("save-yaml").disabled = problems.length > 0 || !current();
    if (problems.length) { status(problems[0], true); } else if (!running && $("status").className === "error" && document.body.getAttribute("data-state") !== "error") { status(""); }
    if (shown && current() && shownKey !== null) {
      var same = shownKey === JSON.stringify(settings());
      markStale(same ? "" : "The settings changed since this run (" + shown.name + "): run again to see their results. The results below are of the earlier run.");
    }
  }
  function markStale(text, dim) {
    $("stale").textContent = text;
    $("stale").hidden = !text;
    $("result").classList.toggle("stale", !!text && dim !== false);
  }

  /* ------------------------------------------------------------ running */
  function startRun(requestPromise, key) {
    window.ssTiming = {requested: performance.now()};
    setState("running"); $("run").disabled = true; $("yaml-run").disabled = true;
    status("Submitting..."); $("progress").value = 0;
    if (shown) { markStale("Running: the results below are of the previous run (" + shown.name + ")."); }
    requestPromise.then(function (job) { status("Queued: " + job.scenario); follow(job.job_id, key); }).catch(fail);
  }
  function run(e) {
    if (e) { e.preventDefault(); }
    var body = settings();
    var key = JSON.stringify(body);
    startRun(postJSON("/api/scenarios/apply", body).then(function (applied) {
      var req = {yaml: applied.yaml, members: applied.members};
      if (applied.cover_scale !== null) { req.cover_scale = applied.cover_scale; }
      return postJSON("/api/runs", req);
    }), key);
  }
  function fail(err) {
    status(String(err.message || err), true);
    setState("error");
    if (shown) { markStale("The last run did not finish (" + String(err.message || err) + "). The results below are of " + shown.name + ", not of the settings on the left."); }
    $("run").disabled = scheduleProblems().length > 0;
    $("yaml-run").disabled = false;
  }
  function progress(job, key) {
    $("progress").value = job.progress;
    if (job.status === "running") { status("Running " + job.scenario + ": day " + job.days_done + " of " + job.days); }
    if (job.status === "done") { status("Done: run " + job.run_id + ". Drawing..."); show(job.run_id, key); refreshHistory(); return true; }
    if (job.status === "failed" || job.status === "cancelled") { fail(new Error("Run " + job.status + ": " + (job.error || ""))); return true; }
    return false;
  }
  function follow(id, key) {
    if (!window.EventSource) { poll(id, key); return; }
    var es = new EventSource("/api/jobs/" + id + "/events"), finished = false;
    es.addEventListener("progress", function (e) { if (progress(JSON.parse(e.data), key)) { finished = true; es.close(); } });
    es.onerror = function () { es.close(); if (!finished) { poll(id, key); } };
  }
  function poll(id, key) {
    api("/api/jobs/" + id).then(function (job) { if (!progress(job, key)) { setTimeout(function () { poll(id, key); }, 300); } }).catch(fail);
  }

  /* ------------------------------------------------------------ one run, as the report shows it */
  function draw(id, fig, name) {
    var el = $(id);
    var closed = el.closest("details");
    if (closed && !closed.open) { pendingDraw[id] = [fig, name]; return Promise.resolve(); }
    return A.drawFigure(el, fig, CONFIG, name);
  }
  function show(runId, key) {
    return api("/api/runs/" + encodeURIComponent(runId) + "/overview").then(function (o) {
      shown = o; shownKey = key === undefined ? null : key;
      window.ssOverview = o;
      $("result-empty").hidden = true; $("result-body").hidden = false;
      $("run-name").textContent = o.name;
      $("period").textContent = "Simulated " + o.period.text + " · " + o.members + " member" + (o.members > 1 ? "s (medians, bands p5-p95)" : "") + " · run " + o.run_id;
      $("summary").innerHTML = o.sentences.map(function (s) { return "<p>" + A.esc(s) + "</p>"; }).join("");
      if (o.loss) {
        var va = o.loss.value_added_lost_usd;
        $("kpi-va").textContent = "USD " + A.sig3(va.p50 / 1e9) + " bn";
        $("kpi-va-band").textContent = o.members > 1 ? "p5-p95: USD " + A.sig3(va.p05 / 1e9) + " to " + A.sig3(va.p95 / 1e9) + " bn" : "";
        $("kpi-go").textContent = "Gross output lost: USD " + A.sig3(o.loss.output_lost_usd.p50 / 1e9) + " bn (US dollars of " + o.loss.price_year + ")";
      } else {
        $("kpi-va").textContent = "not valued"; $("kpi-va-band").textContent = "this dataset gives no value of output per tonne"; $("kpi-go").textContent = "";
      }
      $("kpi-short").textContent = o.countries_short + " of " + o.countries;
      $("kpi-tonnes").textContent = o.tonnes_short;
      var base = "/api/runs/" + encodeURIComponent(o.run_id);
      $("downloads").innerHTML = "Downloads: " + [
        [base + "/report", "report (HTML)", ' target="_blank"'], [base + "/ranking.csv", "who is hurt (CSV)", ""], [base + "/ranking.xlsx", "who is hurt (XLSX)", ""],
        [base + "/tidy.csv", "daily results (tidy CSV)", ""], [base + "/tidy.parquet", "daily results (Parquet)", ""], [base + "/results.nc", "everything (netCDF)", ""]
      ].map(function (l) { return '<a href="' + l[0] + '"' + l[2] + ">" + l[1] + "</a>"; }).join(" ");
      $("who-table").ssState = null;
      A.renderTable($("who-table"), o.table, {pageSize: 10, members: o.members, id: "who"});
      $("model-failures").hidden = !o.model_failures.length;
      $("model-failures").textContent = o.model_failures.length ? "Model failure, not results: the prices of " + o.model_failures.join(", ") +
        " reach or come within 5% of the model's ceiling, so they are left out of the chart." : "";
      pendingDraw = {};
      var figs = o.figures;
      var drawn = ["losses", "shortfall", "prices", "stocks", "flows", "timeline"].map(function (k) {
        return draw("fig-" + k, figs[k] || {empty: "Not available for this run."}, o.name + " " + k);
      });
      return Promise.all(drawn).then(function () {
        window.ssTiming.drawn = performance.now();
        document.body.setAttribute("data-run-id", o.run_id);
        markStale(key === undefined ? "This is a run from the history: the settings on the left may differ from it." : "", false);
        status("Done: " + o.name);
        setState("done");
        $("run").disabled = scheduleProblems().length > 0; $("yaml-run").disabled = false;
        renderHistory();
      });
    }).catch(fail);
  }
  $("more-charts").addEventListener("toggle", function () {
    if (!$("more-charts").open) { return; }
    Object.keys(pendingDraw).forEach(function (id) { A.drawFigure($(id), pendingDraw[id][0], CONFIG, pendingDraw[id][1]); });
    pendingDraw = {};
  });

  /* ------------------------------------------------------------ history and comparisons */
  function refreshHistory() { return api("/api/history").then(function (h) { history = h; renderHistory(); }).catch(function () {}); }
  function renderHistory() {
    if (!history.length) { $("history").innerHTML = '<p class="empty">No run yet.</p>'; $("compare").disabled = true; return; }
    var ids = history.map(function (h) { return h.run_id; });
    Object.keys(picked).forEach(function (k) { if (ids.indexOf(k) < 0) { delete picked[k]; } });
    if (reference && !picked[reference]) { reference = null; }
    $("history").innerHTML = history.map(function (h) {
      var loss = h.value_added_lost_usd;
      var money = loss ? "USD " + A.sig3(loss.p50 / 1e9) + " bn" + (h.members > 1 ? " [" + A.sig3(loss.p05 / 1e9) + "-" + A.sig3(loss.p95 / 1e9) + "]" : "") : "not valued";
      var isCurrent = shown && shown.run_id === h.run_id;
      return '<div class="run-row' + (isCurrent ? " current" : "") + '" data-run="' + A.esc(h.run_id) + '">' +
        '<input type="checkbox" class="pick" title="Compare this run"' + (picked[h.run_id] ? " checked" : "") + ' aria-label="compare ' + A.esc(h.name) + '">' +
        '<input type="radio" name="reference" class="ref" title="Use as the reference"' + (reference === h.run_id ? " checked" : "") + (picked[h.run_id] ? "" : " disabled") +
        ' aria-label="reference">' + '<div class="name"><b>' + A.esc(h.name) + "</b><br><small>" + A.esc(h.created) + " · " + h.members + " member" + (h.members > 1 ? "s" : "") +
        " · " + money + '</small><br><button type="button" class="show">' + (isCurrent ? "Shown" : "Show") + "</button></div></div>";
    }).join("");
    $("compare").disabled = Object.keys(picked).length < 2;
  }
  $("history").addEventListener("change", function (e) {
    var row = e.target.closest(".run-row"); if (!row) { return; }
    var id = row.getAttribute("data-run");
    if (e.target.classList.contains("pick")) {
      if (e.target.checked) { picked[id] = true; if (!reference) { reference = id; } } else { delete picked[id]; if (reference === id) { reference = Object.keys(picked)[0] || null; } }
    } else if (e.target.classList.contains("ref")) { reference = id; }
    renderHistory();
  });
  $("history").addEventListener("click", function (e) {
    if (!e.target.classList.contains("show")) { return; }
    show(e.target.closest(".run-row").getAttribute("data-run"));
  });
  function compare() {
    var ids = history.map(function (h) { return h.run_id; }).filter(function (id) { return picked[id]; });
    if (ids.length < 2) { return; }
    var ref = reference && picked[reference] ? reference : ids[ids.length - 1];
    var q = "runs=" + encodeURIComponent(ids.join(",")) + "&reference=" + encodeURIComponent(ref);
    status("Comparing " + ids.length + " runs...");
    api("/api/compare?" + q).then(function (c) {
      window.ssCompare = c;
      $("compare-view").hidden = false;
      $("compare-summary").innerHTML = c.sentences.map(function (s) { return "<p>" + A.esc(s) + "</p>"; }).join("");
      var rows = c.runs.map(function (r, i) {
        var band = r.members > 1 && r.value_added_lost_usd_p05 !== null ? A.sig3(r.value_added_lost_usd_p05 / 1e9) + "-" + A.sig3(r.value_added_lost_usd_p95 / 1e9) : "";
        var diff = r.reference ? "reference" : (r.value_added_lost_usd_p50_diff === null ? "-" : (r.value_added_lost_usd_p50_diff >= 0 ? "+" : "") + A.sig3(r.value_added_lost_usd_p50_diff / 1e9));
        return "<tr" + (r.reference ? ' class="reference"' : "") + "><td>" + String.fromCharCode(65 + i) + "</td><td>" + A.esc(r.run) + '</td><td class="num">' +
          (r.value_added_lost_usd_p50 === null ? "-" : A.sig3(r.value_added_lost_usd_p50 / 1e9)) + '</td><td class="num">' + band + '</td><td class="num">' + diff +
          "</td><td>" + A.esc(r.first_stoppage_date || "never") + '</td><td class="num">' + r.countries_short + "</td></tr>";
      });
      $("compare-table").innerHTML = '<table id="compare-runs"><thead><tr><th></th><th>run</th><th class="num">value added lost (USD bn)</th><th class="num">p5-p95</th>' +
        '<th class="num">against the reference</th><th>first stop</th><th class="num">countries short</th></tr></thead><tbody>' + rows.join("") + "</tbody></table>";
      $("compare-downloads").innerHTML = "Downloads: " + [["/api/compare.csv?" + q, "comparison (tidy CSV)", ""], ["/api/compare.xlsx?" + q, "comparison (XLSX)", ""],
        ["/api/compare/report?" + q, "comparison report (HTML)", ' target="_blank"']].map(function (l) { return '<a href="' + l[0] + '"' + l[2] + ">" + l[1] + "</a>"; }).join(" ");
      return Promise.all(Object.keys(c.figures).map(function (k) { return A.drawFigure($("cmp-" + k), c.figures[k], CONFIG, "comparison " + k); })).then(function () {
        document.body.setAttribute("data-compared", String(c.runs.length));
        status("Compared " + c.runs.length + " runs against " + c.runs.filter(function (r) { return r.reference; })[0].run + ".");
        $("compare-view").scrollIntoView({block: "start"});
      });
    }).catch(function (err) { status(String(err.message || err), true); });
  }
  $("compare").addEventListener("click", compare);

  /* ------------------------------------------------------------ the scenario as YAML */
  function download(text, name) {
    var url = URL.createObjectURL(new Blob([text], {type: "application/x-yaml"}));
    var a = document.createElement("a"); a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  function fileName(name) { return A.slug(name) + ".yaml"; }
  $("save-yaml").addEventListener("click", function () {
    postJSON("/api/scenarios/apply", settings()).then(function (applied) { download(applied.yaml, fileName(applied.name)); status("Saved " + fileName(applied.name)); })
      .catch(function (err) { status(String(err.message || err), true); });
  });
  function loadYaml() {
    return postJSON("/api/scenarios/apply", settings()).then(function (applied) { $("yaml").value = applied.yaml; check(); }).catch(function (err) { status(String(err.message || err), true); });
  }
  $("editor").addEventListener("toggle", function () { if ($("editor").open && !$("yaml").value) { loadYaml(); } });
  $("yaml-reload").addEventListener("click", loadYaml);
  function check() {
    var text = $("yaml").value;
    postJSON("/api/validate", {yaml: text}).then(function (v) {
      var el = $("yaml-problems");
      if (v.valid) {
        el.className = "problems ok"; el.textContent = "Valid: " + v.name + ", " + v.events + " events, from " + v.start + " for " + v.horizon_days + " days.";
        $("yaml-run").disabled = document.body.getAttribute("data-state") === "running";
      } else {
        el.className = "problems";
        el.textContent = v.problems.map(function (p) { return (p.line ? "line " + p.line + ": " : "") + (p.path ? p.path + ": " : "") + p.message + (p.hint ? " (" + p.hint + ")" : ""); }).join("\n");
        $("yaml-run").disabled = true;
      }
      $("editor").setAttribute("data-valid", String(v.valid));
    }).catch(function (err) { $("yaml-problems").className = "problems"; $("yaml-problems").textContent = String(err.message || err); $("yaml-run").disabled = true; });
  }
  $("yaml").addEventListener("input", function () { clearTimeout(yamlTimer); $("editor").removeAttribute("data-valid"); yamlTimer = setTimeout(check, 350); });
  $("yaml-run").addEventListener("click", function () {
    var members = Math.max(1, Math.min(maxMembers(), parseInt($("members").value, 10) || 1));
    startRun(postJSON("/api/runs", {yaml: $("yaml").value, members: members}), "yaml:" + $("yaml").value);
  });
  $("yaml-save").addEventListener("click", function () {
    var m = /^name:\s*(.+)$/m.exec($("yaml").value);
    download($("yaml").value, fileName(m ? m[1].replace(/^['"]|['"]$/g, "") : "scenario"));
  });

  /* ------------------------------------------------------------ start */
  $("scenario").addEventListener("change", function () {
    defaults();
    if (shown) { markStale("These results are of " + shown.name + ", not of the scenario picked on the left."); }
  });
  $("reset").addEventListener("click", defaults);
  $("settings").addEventListener("submit", run);
  api("/api/scenarios").then(function (list) {
    scenarios = list;
    $("scenario").innerHTML = list.map(function (s) { return '<option value="' + A.esc(s.name) + '">' + A.esc(s.name) + "</option>"; }).join("");
    var wanted = document.body.getAttribute("data-default-scenario");
    if (list.find(function (s) { return s.name === wanted; })) { $("scenario").value = wanted; }
    defaults();
    status("Change the settings if you like, and run.");
    setState("ready");
    return refreshHistory();
  }).catch(fail);
})();
