// The provider list narrows to those offering the chosen pathway (all stay without script).
(function () {
  var form = document.querySelector("[data-refer-form]");
  if (!form) return;
  function narrow() {
    var chosen = form.querySelector("input[name=pathway]:checked");
    form.querySelectorAll("input[name=provider][data-pathways]").forEach(function (radio) {
      var offers = !chosen || radio.dataset.pathways.split(" ").indexOf(chosen.value) >= 0;
      var row = radio.closest(".form-check") || radio.parentElement;
      row.hidden = !offers;
      if (!offers && radio.checked) radio.checked = false;
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "pathway") narrow();
  });
  narrow();
})();
