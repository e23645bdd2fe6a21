(function () {
  var data = JSON.parse(document.getElementById("trend-data").textContent);
  var canvas = document.getElementById("trend");
  if (!canvas || !window.Chart) return;
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.points.map(function (p) { return p.x; }),
      datasets: [{ label: data.label, data: data.points.map(function (p) { return p.y; }), borderColor: "#0d6efd", tension: 0.2 }]
    },
    options: { maintainAspectRatio: false, animation: false, scales: { y: { min: 0, max: data.max } } }
  });
})();
