// Annex form: add and remove rows of the concession deliveries table. Without it the page
// offers a few empty rows, which is enough for most contracts.
(function () {
  "use strict";
  var table = document.getElementById("delivery-rows");
  var add = document.getElementById("delivery-add");
  if (!table || !add) return;
  var body = table.tBodies[0];

  function renumber() {
    Array.prototype.forEach.call(body.rows, function (row, index) {
      Array.prototype.forEach.call(row.querySelectorAll("input[data-field]"), function (input) {
        input.name = "d-" + index + "-" + input.dataset.field;
        input.setAttribute(
          "aria-label",
          input.getAttribute("aria-label").replace(/ligne \d+$/, "ligne " + (index + 1))
        );
      });
    });
  }

  function showRemove(row) {
    var button = row.querySelector(".delivery-remove");
    button.hidden = false;
    button.addEventListener("click", function () {
      if (body.rows.length > 1) row.remove();
      else row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      renumber();
    });
  }

  Array.prototype.forEach.call(body.rows, showRemove);
  add.hidden = false;
  add.addEventListener("click", function () {
    var row = body.rows[body.rows.length - 1].cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    body.appendChild(row);
    showRemove(row);
    renumber();
    row.querySelector("input").focus();
  });
})();
