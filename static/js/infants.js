// Twins or more in one go: each "Add another infant" adds a row (born the same day as the first).
(function () {
  var button = document.querySelector("[data-add-infant]");
  var template = document.getElementById("infant-template");
  var total = document.getElementById("id_infants-TOTAL_FORMS");
  var maximum = document.getElementById("id_infants-MAX_NUM_FORMS");
  if (!button || !template || !total) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = Number(total.value);
    if (maximum && index >= Number(maximum.value)) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    document.getElementById("infant-rows").appendChild(row);
    total.value = String(index + 1);
    var firstBorn = document.getElementById("id_infants-0-date_of_birth");
    var born = row.querySelector("input[name$='-date_of_birth']");
    if (firstBorn && born && firstBorn.value) born.value = firstBorn.value;
    row.querySelector("input[name$='-given_name']").focus();
  });
})();
