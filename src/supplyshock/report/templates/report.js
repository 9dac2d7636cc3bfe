(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById("figure-data").textContent);
  var config = JSON.parse(document.getElementById("plotly-config").textContent);
  var drawn = [];
  Object.keys(figures).forEach(function (key) {
    var el = document.getElementById("fig-" + key);
    if (!el) { return; }
    var fig = figures[key];
    drawn.push(Plotly.newPlot(el, fig.data, fig.layout, config));
  });
  Promise.all(drawn).then(function () { document.body.setAttribute("data-charts-drawn", String(drawn.length)); });
})();
