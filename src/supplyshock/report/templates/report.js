(function () {
  "use strict";
  var A = window.ssAnalyst;
  var figures = JSON.parse(document.getElementById("figure-data").textContent);
  var config = JSON.parse(document.getElementById("plotly-config").textContent);
  var table = JSON.parse(document.getElementById("table-data").textContent);
  var members = Number(document.body.getAttribute("data-members") || "1");
  A.renderTable(document.getElementById("who-table"), table, {pageSize: 10, members: members, id: "who"});
  var drawn = [];
  Object.keys(figures).forEach(function (key) {
    var el = document.getElementById("fig-" + key);
    if (!el) { return; }
    drawn.push(A.drawFigure(el, figures[key], config, document.title + " " + key));
  });
  Promise.all(drawn).then(function () { document.body.setAttribute("data-charts-drawn", String(drawn.length)); });
})();
