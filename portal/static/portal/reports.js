// Charts of the reports dashboard, drawn with the local Chart.js (vendor/chart.umd.min.js).
// The figures come from the page itself ({{ charts|json_script:"report-charts" }}), the same
// as the tables beside each chart, which stay the reference for screen readers and phones.
// Without JS, or without Chart.js, the figures stay hidden and the tables say it all.
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var NAVY = "#102a56";
  var ACCENT = "#9b1c1c";
  var GREY = "#b8c2d3";
  var CLASSES = ["#2e7d32", "#1f3a68", "#c8102e", "#7aa7d6", "#f0a202"];

  var builders = {
    groups: function (d) {
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [
            { label: d.score_label, data: d.score, backgroundColor: NAVY },
            { label: d.points_label, data: d.points, backgroundColor: GREY }
          ]
        },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true } } }
      };
    },
    breakdown: function (d) {
      return {
        type: "doughnut",
        data: {
          labels: d.labels,
          datasets: [{ label: d.label, data: d.values, backgroundColor: CLASSES }]
        },
        options: {}
      };
    },
    trend: function (d) {
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [
            { label: d.received_label, data: d.received, backgroundColor: GREY, yAxisID: "y" },
            {
              type: "line",
              label: d.rate_label,
              data: d.on_time_rate,
              borderColor: ACCENT,
              backgroundColor: ACCENT,
              spanGaps: true,
              yAxisID: "rate"
            }
          ]
        },
        options: {
          scales: {
            y: { beginAtZero: true, position: "left" },
            rate: { min: 0, max: 100, position: "right", grid: { drawOnChartArea: false } }
          }
        }
      };
    }
  };

  document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
    var name = figure.dataset.chart;
    var canvas = figure.querySelector("canvas");
    if (!builders[name] || !data[name] || !canvas) return;
    var config = builders[name](data[name]);
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    config.options.animation = false;
    figure.hidden = false;
    new window.Chart(canvas, config);
  });
})();
