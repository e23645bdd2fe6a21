// A paper questionnaire typed from the keyboard. In an item, type the answer's letter (a, b, c, d)
// or its score (0 to 3, as printed on the scoring key); the answer is ticked and the cursor moves
// on to the next item, then to the Save button. The mouse works as before.
(function () {
  var form = document.querySelector("[data-keyed-entry]");
  if (!form) return;
  var LETTERS = "abcdefgh";
  var scores = JSON.parse(document.getElementById("option-scores").textContent);
  var items = Array.prototype.slice.call(form.querySelectorAll("[data-item]"));

  function choices(item) {
    return item.querySelectorAll("input[type=radio]");
  }

  function focusItem(item) {
    var options = choices(item);
    (item.querySelector("input:checked") || options[0]).focus();
  }

  items.forEach(function (item, index) {
    choices(item).forEach(function (radio, position) {
      var label = form.querySelector("label[for='" + radio.id + "']");
      if (!label) return;
      var key = document.createElement("kbd");
      key.className = "keyed-letter";
      key.setAttribute("aria-hidden", "true");
      key.textContent = LETTERS[position];
      label.parentNode.insertBefore(key, label);  // beside the label: its text stays the answer
    });
    item.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.key.length !== 1) return;
      var key = event.key.toLowerCase();
      var position = LETTERS.indexOf(key);
      var itemScores = scores[item.dataset.item];
      if (position < 0 && /[0-9]/.test(key) && itemScores) position = itemScores.indexOf(Number(key));
      var options = choices(item);
      if (position < 0 || position >= options.length) return;
      event.preventDefault();
      options[position].checked = true;
      options[position].dispatchEvent(new Event("change", { bubbles: true }));
      var next = items[index + 1];
      if (next) focusItem(next);
      else form.querySelector("button[type=submit]").focus();
    });
  });

  if (!document.getElementById("error-summary")) {
    var first = items.find(function (item) { return !item.querySelector("input:checked"); });
    if (first) focusItem(first);
  }
})();
