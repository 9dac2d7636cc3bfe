"use strict";
/*
 * The drafting page: POST /api/draft, show the draft (events with each field's sentence,
 * highlighted in the article), edit and validate the YAML (POST /api/validate), run it
 * (POST /api/runs, poll /api/jobs/{id}) and link to the run's report.
 * Text from the article or the server is only ever inserted with textContent.
 */
(function () {
  var draft = null;
  var validated = null;
  function $(id) { return document.getElementById(id); }
  function setState(s) { document.body.setAttribute("data-state", s); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function say(id, text, isError) { var n = $(id); n.textContent = text; n.className = isError ? "error" : ""; }
  function api(path, body) {
    var opts = body === undefined ? {} : {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
    return fetch(path, opts).then(function (r) {
      return r.text().then(function (text) {
        var data; try { data = JSON.parse(text); } catch (e) { data = {detail: text || r.statusText}; }
        if (!r.ok) { var err = new Error(data.detail || (r.status + " " + r.statusText)); err.status = r.status; throw err; }
        return data;
      });
    });
  }

  // ------------------------------------------------------------------ datasets
  api("/api/datasets").then(function (list) {
    list.forEach(function (d) { var o = el("option", "", d.name); o.value = d.name; $("dataset").appendChild(o); });
  }).catch(function () { /* the default (chosen from the article) still works */ });

  // ------------------------------------------------------------------ highlighting
  function spans() { return Array.prototype.slice.call(document.querySelectorAll("#article-view .s")); }
  function focusSentences(indices, scroll) {
    spans().forEach(function (s) { s.classList.toggle("focus", indices.indexOf(Number(s.dataset.s)) >= 0); });
    if (scroll && indices.length) {
      var first = document.querySelector('#article-view .s[data-s="' + indices[0] + '"]');
      if (first && first.scrollIntoView) { first.scrollIntoView({block: "nearest"}); }
    }
  }
  function focusEvent(i) {
    Array.prototype.forEach.call(document.querySelectorAll("#events .event"), function (c) { c.classList.toggle("active", Number(c.dataset.event) === i); });
    focusSentences(i === null ? [] : draft.events[i].sentences, true);
  }
  function sentenceButton(index) {
    var b = el("button", "link", "s" + index);
    b.type = "button";
    b.title = draft.sentences[index] ? draft.sentences[index].text : "";
    b.addEventListener("click", function (ev) { ev.stopPropagation(); focusSentences([index], true); });
    return b;
  }

  // ------------------------------------------------------------------ drawing the draft
  function drawArticle() {
    var view = $("article-view");
    clear(view);
    var used = {}, main = {}, claimed = {};
    draft.events.forEach(function (e, i) {
      e.sentences.forEach(function (s) { (used[s] = used[s] || []).push(i); });
      if (e.evidence.type !== undefined) { main[e.evidence.type] = true; }
    });
    draft.claims.forEach(function (c) { claimed[c.sentence] = true; });
    var block = null, para = -1;
    draft.sentences.forEach(function (s) {
      if (s.paragraph !== para || block === null) {
        block = el(s.title ? "h3" : "p");
        view.appendChild(block);
        para = s.paragraph;
      } else {
        block.appendChild(document.createTextNode(" "));
      }
      var span = el("span", "s", s.text);
      span.dataset.s = String(s.index);
      if (used[s.index]) {
        span.classList.add("ev");
        span.dataset.events = used[s.index].join(",");
        span.title = "events " + used[s.index].map(function (k) { return "#" + (k + 1); }).join(", ");
        span.addEventListener("click", function () { focusEvent(used[s.index][0]); });
      }
      if (main[s.index]) { span.classList.add("main"); }
      if (claimed[s.index]) { span.classList.add("claim"); }
      block.appendChild(span);
    });
  }
  function dateText(d) { return d ? d.value + (d.text ? " (\u201c" + d.text + "\u201d)" : "") : null; }
  function fieldRows(e) {
    var rows = [
      ["actor", e.actor],
      ["parties", e.parties.length ? e.parties.join(", ") : null],
      ["target", e.target],
      ["destinations", Array.isArray(e.destinations) ? e.destinations.join(", ") : (e.type === "tariff" || e.type === "agreement" ? null : e.destinations)],
      ["materials", e.materials.length ? e.materials.join(", ") : "(none in the vocabulary)"],
      ["date", dateText(e.date) || "not given"],
      ["announced", dateText(e.announced)],
      ["value", e.value === null ? null : e.value + (e.unit ? " " + e.unit : "")],
      ["reported by", e.attributed_to || null]
    ];
    return rows.filter(function (r) { return r[1] !== null && r[1] !== undefined && r[1] !== ""; });
  }
  function drawEvents() {
    var box = $("events");
    clear(box);
    draft.events.forEach(function (e, i) {
      var card = el("div", "event");
      card.dataset.event = String(i);
      var h = el("h3", "", "#" + (i + 1) + " " + e.type + (e.lift ? " (lifted)" : ""));
      h.appendChild(el("span", "badge", Math.round(e.confidence * 100) + " %"));
      if (e.status) { h.appendChild(el("span", "badge " + e.status, e.status)); }
      if (e.scenario_id) { h.appendChild(el("span", "badge", e.scenario_id)); }
      card.appendChild(h);
      var table = el("table");
      fieldRows(e).forEach(function (r) {
        var tr = el("tr");
        tr.appendChild(el("td", "", r[0]));
        var td = el("td", "", r[1]);
        var key = r[0] === "reported by" ? "attributed_to" : r[0];
        if (e.evidence[key] !== undefined) { td.appendChild(document.createTextNode(" ")); td.appendChild(sentenceButton(e.evidence[key])); }
        tr.appendChild(td);
        table.appendChild(tr);
      });
      card.appendChild(table);
      if (e.todos.length) {
        var todo = el("ul", "todo");
        e.todos.forEach(function (t) { todo.appendChild(el("li", "", "TODO " + t)); });
        card.appendChild(todo);
      }
      if (e.notes.length) {
        var notes = el("ul");
        e.notes.forEach(function (t) { notes.appendChild(el("li", "", t)); });
        card.appendChild(notes);
      }
      card.addEventListener("click", function () { focusEvent(i); });
      box.appendChild(card);
    });
  }
  function drawList(id, items, text) {
    var ul = $(id);
    clear(ul);
    if (!items.length) { ul.appendChild(el("li", "", "none")); return; }
    items.forEach(function (it) {
      var li = el("li", "", text(it) + " ");
      li.appendChild(sentenceButton(it.sentence));
      ul.appendChild(li);
    });
  }
  function observationText(o) {
    var what = o.change_pct !== null ? (o.change_pct > 0 ? "+" : "") + o.change_pct + " % " + o.comparison : (Array.isArray(o.value) ? o.value.join("-") : o.value) + " " + o.unit;
    return o.subject + " " + o.reporter + (o.partner && o.partner !== "WLD" ? " to/from " + o.partner : "") + (o.materials.length ? " (" + o.materials.join(", ") + ")" : "") + ", " + (o.period || "period not given") + ": " + what;
  }
  function showDraft(data) {
    draft = data;
    drawArticle();
    drawEvents();
    drawList("claims", data.claims, function (c) { return c.kind + " by " + c.by + " about " + c.about + ": \u201c" + c.summary + "\u201d"; });
    drawList("observations", data.observations, observationText);
    $("draft-pane").hidden = false;
    $("scenario-pane").hidden = false;
    $("results").textContent = "";
    say("run-status", "");
    if (data.scenario) {
      $("scenario-name").textContent = data.scenario.name + " \u00b7 dataset " + data.scenario.dataset;
      $("message").textContent = "";
      $("scenario-body").hidden = false;
      $("yaml").value = data.scenario.yaml;
      showProblems(null);
    } else {
      $("scenario-name").textContent = "";
      $("message").textContent = data.message || "no event of the article fits a dataset";
      $("scenario-body").hidden = true;
    }
    validated = null;
    $("run").disabled = true;
  }

  // ------------------------------------------------------------------ drafting
  $("draft").addEventListener("click", function () {
    var text = $("article").value, date = $("date").value;
    if (!text.trim()) { say("status", "Paste an article first.", true); setState("error"); return; }
    if (!date) { say("status", "Give the article's publication date (YYYY-MM-DD).", true); setState("error"); return; }
    var body = {text: text, date: date};
    if ($("dataset").value) { body.dataset = $("dataset").value; }
    setState("drafting");
    $("draft").disabled = true;
    say("status", "Drafting...");
    api("/api/draft", body).then(function (data) {
      showDraft(data);
      var n = data.events.length;
      say("status", "Drafted " + n + " event" + (n === 1 ? "" : "s") + ", " + data.claims.length + " claim(s), " + data.observations.length + " observation(s)." + (data.scenario ? " Check every TODO, then validate and run." : ""));
      setState("drafted");
    }).catch(function (err) {
      say("status", err.message, true);
      setState("error");
    }).then(function () { $("draft").disabled = false; });
  });

  // ------------------------------------------------------------------ the YAML editor
  function lineCount() { return $("yaml").value.split("\n").length; }
  function drawGutter(bad) {
    var g = $("gutter");
    clear(g);
    for (var i = 1; i <= lineCount(); i++) {
      var s = el("span", bad && bad[i] ? "err" : "", i);
      if (bad && bad[i]) { s.title = bad[i]; }
      g.appendChild(s);
    }
    g.scrollTop = $("yaml").scrollTop;
  }
  function selectLine(n) {
    var ta = $("yaml"), lines = ta.value.split("\n"), start = 0;
    for (var i = 0; i < n - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    ta.focus();
    ta.setSelectionRange(start, start + (lines[n - 1] || "").length);
    var lineHeight = ta.scrollHeight / Math.max(1, lines.length);
    ta.scrollTop = Math.max(0, (n - 4) * lineHeight);
  }
  function showProblems(result) {
    var ol = $("problems");
    clear(ol);
    var bad = {};
    if (result && result.valid) {
      ol.appendChild(el("li", "ok", "Valid: " + result.name + ", from " + result.start + ", " + result.horizon_days + " days, " + result.events + " event(s)."));
    } else if (result) {
      result.problems.forEach(function (p) {
        var li = el("li");
        var where = (p.line ? "line " + p.line : "") + (p.path ? (p.line ? ", " : "") + p.path : "");
        if (where) { li.appendChild(el("span", "where", where + ": ")); }
        li.appendChild(document.createTextNode(p.message));
        if (p.hint) { li.appendChild(el("span", "hint", p.hint)); }
        if (p.line) {
          li.dataset.line = String(p.line);
          bad[p.line] = (bad[p.line] ? bad[p.line] + "; " : "") + p.message;
          li.addEventListener("click", function () { selectLine(p.line); });
        }
        ol.appendChild(li);
      });
    }
    drawGutter(bad);
  }
  $("yaml").addEventListener("scroll", function () { $("gutter").scrollTop = $("yaml").scrollTop; });
  $("yaml").addEventListener("input", function () {
    validated = null;
    $("run").disabled = true;
    drawGutter(null);
  });
  $("validate").addEventListener("click", function () {
    var text = $("yaml").value;
    setState("validating");
    api("/api/validate", {yaml: text}).then(function (result) {
      showProblems(result);
      validated = result.valid ? text : null;
      $("run").disabled = !result.valid;
      setState(result.valid ? "valid" : "invalid");
    }).catch(function (err) {
      showProblems({valid: false, problems: [{path: "", line: null, message: err.message, hint: ""}]});
      setState("invalid");
    });
  });

  // ------------------------------------------------------------------ running
  function follow(jobId) {
    return api("/api/jobs/" + jobId).then(function (job) {
      $("progress").value = job.progress;
      say("run-status", job.status + ": " + job.days_done + " of " + job.days + " days");
      if (job.status === "done") { return job; }
      if (job.status === "failed" || job.status === "cancelled") { throw new Error("the run " + job.status + (job.error ? ": " + job.error : "")); }
      return new Promise(function (resolve) { setTimeout(resolve, 300); }).then(function () { return follow(jobId); });
    });
  }
  function link(href, text) { var a = el("a", "", text); a.href = href; return a; }
  $("run").addEventListener("click", function () {
    if (validated === null || validated !== $("yaml").value) { say("run-status", "Validate the scenario before running it.", true); return; }
    var members = Math.max(1, Math.min(50, parseInt($("members").value, 10) || 1));
    $("run").disabled = true;
    $("progress").value = 0;
    $("results").textContent = "";
    setState("running");
    say("run-status", "Submitting...");
    api("/api/runs", {yaml: validated, members: members}).then(function (job) {
      return follow(job.job_id);
    }).then(function (job) {
      var rid = job.run_id;
      document.body.setAttribute("data-run-id", rid);
      say("run-status", "Done: run " + rid + ".");
      var p = $("results");
      p.appendChild(document.createTextNode("Results: "));
      p.appendChild(link("/api/runs/" + rid + "/report", "report"));
      p.appendChild(document.createTextNode(" \u00b7 "));
      p.appendChild(link("/api/runs/" + rid + "/summary", "summary (JSON)"));
      p.appendChild(document.createTextNode(" \u00b7 "));
      p.appendChild(link("/api/runs/" + rid + "/results.csv", "shortfall (CSV)"));
      setState("done");
    }).catch(function (err) {
      say("run-status", err.message, true);
      setState("error");
    }).then(function () { $("run").disabled = validated === null; });
  });
}());
