(function () {
  if (!window.Chart) return;
  var colours = ["#0b3d91", "#b35c00", "#198754", "#6f42c1", "#b02a37", "#0dcaf0"];
  JSON.parse(document.getElementById("report-charts").textContent).forEach(function (chart) {
    var canvas = document.getElementById("chart-" + chart.id);
    if (!canvas) return;
    new Chart(canvas, {
      type: chart.type,
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: chart.type === "doughnut" ? colours : colours[i % colours.length] };
        })
      },
      options: { maintainAspectRatio: false, animation: false }
    });
  });
})();
