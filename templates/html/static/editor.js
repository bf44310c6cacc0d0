// Clause editor: live preview of the filled text, test values, extra variable rows, and the
// required elements of the chosen family. The page works without it (« Prévisualiser » button).
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) return;
  var preview = document.getElementById("preview");
  var testValues = document.getElementById("test-values");
  var rows = document.getElementById("variable-rows");
  var timer = null;

  function refreshPreview() {
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        preview.innerHTML = html; // a fragment rendered and escaped by the server
      })
      .catch(function () {
        preview.insertAdjacentHTML(
          "afterbegin",
          '<p class="field-error">L\u2019aperçu n\u2019a pas pu être mis à jour.</p>'
        );
      });
  }

  function schedulePreview() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refreshPreview, 300);
  }

  function variables() {
    var found = [];
    rows.querySelectorAll("tr.variable-row").forEach(function (row) {
      var name = row.querySelector(".var-name").value.trim();
      if (name) {
        found.push({
          name: name,
          label: row.querySelector(".var-label").value.trim() || name,
          fallback: row.querySelector(".var-default").value.trim(),
        });
      }
    });
    return found;
  }

  function syncTestValues() {
    var kept = {};
    testValues.querySelectorAll("input").forEach(function (input) {
      kept[input.name] = input.value;
    });
    var list = variables();
    testValues.replaceChildren();
    if (!list.length) {
      var none = document.createElement("p");
      none.className = "muted";
      none.textContent = "Aucune variable déclarée.";
      testValues.appendChild(none);
      return;
    }
    list.forEach(function (variable) {
      var wrapper = document.createElement("div");
      wrapper.className = "field field--compact";
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "text";
      input.name = "essai-" + variable.name;
      input.id = input.name;
      input.value = kept[input.name] || "";
      input.placeholder = variable.fallback;
      label.htmlFor = input.id;
      label.textContent = variable.label;
      wrapper.append(label, input);
      testValues.appendChild(wrapper);
    });
  }

  function addVariableRow() {
    var blank = Array.prototype.find.call(rows.querySelectorAll(".var-name"), function (input) {
      return !input.value.trim();
    });
    if (blank) {
      blank.focus(); // a free row is already there
      return;
    }
    var all = rows.querySelectorAll("tr.variable-row");
    var last = all[all.length - 1];
    var index = all.length;
    while (document.getElementById("var-" + index + "-name")) index += 1;
    var copy = last.cloneNode(true);
    copy.classList.remove("variable-row--invalid");
    copy.querySelectorAll("input, select, label").forEach(function (element) {
      ["id", "name", "for"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value) element.setAttribute(attribute, value.replace(/^var-\d+-/, "var-" + index + "-"));
      });
      element.removeAttribute("aria-invalid");
      element.removeAttribute("aria-describedby");
      if (element.tagName === "INPUT") element.value = "";
      if (element.tagName === "SELECT") element.selectedIndex = 0;
      if (element.tagName === "LABEL") {
        element.textContent = element.textContent.replace(/\d+$/, String(all.length + 1));
      }
    });
    rows.appendChild(copy);
    copy.querySelector(".var-name").focus();
  }

  function showFamilyElements() {
    var select = document.getElementById("family");
    if (!select) return;
    document.querySelectorAll(".elements-fieldset").forEach(function (fieldset) {
      fieldset.hidden = fieldset.dataset.family !== select.value;
    });
  }

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (rows.contains(target)) syncTestValues();
    if (target.id === "body" || rows.contains(target) || testValues.contains(target)) {
      schedulePreview();
    }
  });
  form.addEventListener("change", function (event) {
    if (event.target.id === "family") showFamilyElements();
  });
  var add = document.getElementById("add-variable");
  add.hidden = false;
  add.addEventListener("click", addVariableRow);
  showFamilyElements();
})();
