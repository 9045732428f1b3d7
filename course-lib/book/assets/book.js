// Draws the book's plotly figures: each <script type="application/json" data-plotly-for="id"> holds one
// figure for the div with that id. plotly.js itself is loaded from assets/ by the page (no CDN).
(function () {
  "use strict";
  function fail(el, message) {
    el.style.minHeight = "0";
    el.className += " figure-failed";
    el.textContent = message;
  }
  function drawAll() {
    var specs = document.querySelectorAll('script[type="application/json"][data-plotly-for]');
    for (var i = 0; i < specs.length; i++) {
      var el = document.getElementById(specs[i].getAttribute("data-plotly-for"));
      if (!el) continue;
      if (!window.Plotly) {
        fail(el, "plotly.js did not load (assets/plotly.min.js missing?): this figure cannot be drawn.");
        continue;
      }
      var fig;
      try {
        fig = JSON.parse(specs[i].textContent);
      } catch (e) {
        fail(el, "This figure's data is not valid JSON: " + e.message);
        continue;
      }
      var config = Object.assign({ responsive: true, displaylogo: false }, fig.config || {});
      (function (target) {
        window.Plotly.newPlot(target, fig.data || [], fig.layout || {}, config).catch(function (e) {
          fail(target, "plotly could not draw this figure: " + e.message);
        });
      })(el);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
