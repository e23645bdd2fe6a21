// A paper questionnaire typed from the keyboard. In an item, type the number of the ticked box
// counted from the top, as the clerk sees it on the paper (1 to 4), or its letter (a to d): never
// its score, which runs 3 to 0 down the page on reverse-scored items. The ticked answer's words are
// shown beside the item, and the cursor moves on to the next item, then to the Save button. The
// mouse works as before.
(function () {
  var form = document.querySelector("[data-keyed-entry]");
  if (!form) return;
  var LETTERS = "abcdefgh";
  var items = Array.prototype.slice.call(form.querySelectorAll("[data-item]"));

  function choices(item) {
    return item.querySelectorAll("input[type=radio]");
  }

  function focusItem(item) {
    var options = choices(item);
    (item.querySelector("input:checked") || options[0]).focus();
  }

  function labelOf(radio) {
    return form.querySelector("label[for='" + radio.id + "']");
  }

  function echo(item, shown) {
    var options = Array.prototype.slice.call(choices(item));
    var ticked = options.findIndex(function (radio) { return radio.checked; });
    shown.textContent = ticked < 0 ? "" : (ticked + 1) + ": " + labelOf(options[ticked]).textContent.trim();
  }

  items.forEach(function (item, index) {
    choices(item).forEach(function (radio, position) {
      var label = labelOf(radio);
      if (!label) return;
      var key = document.createElement("kbd");
      key.className = "keyed-letter";
      key.setAttribute("aria-hidden", "true");
      key.textContent = String(position + 1);
      label.parentNode.insertBefore(key, label);  // beside the label: its text stays the answer
    });
    var shown = document.createElement("output");
    shown.className = "keyed-answer small d-block";
    shown.setAttribute("data-keyed-answer", "");
    shown.setAttribute("aria-live", "polite");
    item.appendChild(shown);
    echo(item, shown);
    item.addEventListener("change", function () { echo(item, shown); });
    item.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.key.length !== 1) return;
      var key = event.key.toLowerCase();
      var position = /[1-9]/.test(key) ? Number(key) - 1 : LETTERS.indexOf(key);
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
