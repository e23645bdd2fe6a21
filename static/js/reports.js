(function () {
  if (!window.Chart) return;
  var colours = ["#0b3d91", "#b35c00", "#198754", "#6f42c1", "#b02a37", "#087990"];
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#212529";

  // Long labels ("Positive screen not followed up within the clinic's limit") are wrapped onto
  // lines of about 28 characters, never cut or turned on their side.
  function wrap(label) {
    var lines = [], line = "";
    String(label).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > 28) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    lines.push(line);
    return lines.length > 1 ? lines : lines[0];
  }

  JSON.parse(document.getElementById("report-charts").textContent).forEach(function (chart) {
    var canvas = document.getElementById("chart-" + chart.id);
    if (!canvas) return;
    var bars = chart.type === "bar";
    if (bars) {  // horizontal bars: every label is read level, and the chart grows with its rows
      var perRow = 14 + 12 * chart.series.length;
      canvas.parentNode.style.height = Math.max(180, 70 + chart.labels.length * perRow) + "px";
    }
    new Chart(canvas, {
      type: chart.type,
      data: {
        labels: chart.labels.map(wrap),
        datasets: chart.series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: bars ? colours[i % colours.length] : colours };
        })
      },
      options: {
        indexAxis: bars ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: !bars || chart.series.length > 1, position: "bottom" } },
        scales: bars ? { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } } : {}
      }
    });
  });
})();
