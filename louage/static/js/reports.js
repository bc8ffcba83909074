// Draws the report charts (Chart.js) from the figures the page carries as JSON
// (#report-charts): no inline script, so the CSP can stay strict. Each chart's table beside
// it says the same in text.
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (!source || !window.Chart) return;
  var spec = JSON.parse(source.textContent);
  var rtl = document.documentElement.dir === "rtl";
  var palette = ["#0b6e4f", "#f79009", "#2e90fa", "#b42318", "#7a5af8", "#667085", "#12b76a", "#ee46bc"];
  var number = new Intl.NumberFormat(spec.locale, { maximumFractionDigits: 1 });
  var money = new Intl.NumberFormat(spec.locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 });

  var currency = spec.money_unit || "DT";
  // "12,500 DT" and "12.500 د.ت" put the unit after the figure; "TND 12.500" before it.
  function withUnit(text) { return currency === "TND" ? currency + " " + text : text + " " + currency; }

  function format(unit, value) {
    if (unit === "money") return withUnit(money.format(value));
    if (unit === "percent") return number.format(value) + " %";
    return number.format(value);
  }

  // Axis ticks stay short on a phone: whole dinars.
  function tick(unit, value) {
    if (unit === "money") return withUnit(number.format(Math.round(value)));
    return format(unit, value);
  }

  function datasets(chart) {
    return chart.datasets.map(function (set, index) {
      var round = chart.type === "doughnut";
      var colour = palette[index % palette.length];
      return {
        label: set.label,
        data: set.data,
        backgroundColor: round ? palette.slice(0, set.data.length) : colour + (chart.type === "line" ? "33" : "cc"),
        borderColor: round ? "#fff" : colour,
        borderWidth: chart.type === "line" ? 2 : 1,
        fill: chart.type === "line" && index === 0,
        pointRadius: set.data.length > 60 ? 0 : 2,
        tension: 0.2
      };
    });
  }

  function options(chart) {
    var horizontal = !!chart.horizontal;
    var valueAxis = {
      beginAtZero: true,
      stacked: !!chart.stacked,
      ticks: { callback: function (value) { return tick(chart.unit, value); }, precision: chart.unit ? undefined : 0 }
    };
    var labelAxis = { stacked: !!chart.stacked, reverse: rtl && !horizontal, ticks: { autoSkip: !horizontal, maxRotation: 60 } };
    var scales = chart.type === "doughnut" ? {} : horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis };
    if (horizontal) valueAxis.reverse = rtl;
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      locale: spec.locale,
      indexAxis: horizontal ? "y" : "x",
      scales: scales,
      plugins: {
        legend: { display: chart.datasets.length > 1 || chart.type === "doughnut", rtl: rtl, position: "bottom" },
        tooltip: {
          rtl: rtl,
          callbacks: {
            label: function (item) {
              var value = item.raw;
              return (item.dataset.label ? item.dataset.label + " : " : "") + format(chart.unit, value);
            }
          }
        }
      }
    };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var chart = spec.charts[canvas.dataset.chart];
    if (!chart) return;
    // One readable row per bar: horizontal charts grow with their labels.
    if (chart.horizontal) canvas.parentNode.style.height = Math.max(280, 26 * chart.labels.length + 70) + "px";
    new window.Chart(canvas, {
      type: chart.type,
      data: { labels: chart.labels, datasets: datasets(chart) },
      options: options(chart)
    });
  });
})();
