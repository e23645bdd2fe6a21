// The clinic's choice: tapping an answer saves it and goes on, as Next would.
(function () {
  var form = document.querySelector("form[data-auto-advance]");
  if (!form) return;
  form.addEventListener("change", function (event) {
    if (event.target.name === "answer") form.requestSubmit();
  });
})();
