// Upload of a CCTP: drag and drop fills the file field, the upload shows its progress, then
// « Analyse en cours… » until the report opens. Without it the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("file");
  var zone = document.getElementById("dropzone");
  var bar = document.getElementById("upload-progress");
  var message = document.getElementById("upload-message");
  var chosen = document.getElementById("chosen-file");
  var button = document.getElementById("upload-button");
  var maxBytes = parseInt(form.dataset.maxBytes || "0", 10);
  var FALLBACK = {
    400: "Le formulaire a expiré : rechargez la page puis recommencez.",
    413: "Le document dépasse la taille maximale acceptée.",
    415: "Ce format de fichier n\u2019est pas pris en charge.",
  };

  function size(bytes) {
    if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)) + "\u00a0ko";
    return (bytes / 1024 / 1024).toFixed(1).replace(".", ",") + "\u00a0Mo";
  }

  function say(text, isError) {
    message.textContent = text;
    message.classList.toggle("upload__message--error", Boolean(isError));
  }

  function busy(on) {
    button.disabled = on;
    form.setAttribute("aria-busy", on ? "true" : "false");
    bar.hidden = !on;
    zone.classList.toggle("dropzone--busy", on);
  }

  function fail(text) {
    busy(false);
    input.setAttribute("aria-invalid", "true");
    // The message describes the field: a screen reader reads it on reaching the field.
    var described = (input.getAttribute("aria-describedby") || "").split(" ");
    if (described.indexOf("upload-message") < 0) described.push("upload-message");
    input.setAttribute("aria-describedby", described.join(" ").trim());
    say(text, true);
  }

  function total() {
    var bytes = 0;
    for (var i = 0; input.files && i < input.files.length; i += 1) bytes += input.files[i].size;
    return bytes;
  }

  function showChosen() {
    var files = input.files || [];
    if (files.length > 1) {
      var names = [];
      for (var i = 0; i < files.length; i += 1) names.push(files[i].name);
      chosen.textContent =
        files.length + " pièces jugées ensemble : " + names.join(", ") + " (" + size(total()) + ")";
    } else {
      chosen.textContent = files.length
        ? "Document choisi : " + files[0].name + " (" + size(files[0].size) + ")"
        : "";
    }
    input.removeAttribute("aria-invalid");
    input.setAttribute(
      "aria-describedby",
      (input.getAttribute("aria-describedby") || "").replace(/\s*upload-message/, "")
    );
    say("");
  }

  input.addEventListener("change", showChosen);

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dropzone--over");
    });
  });
  ["dragleave", "dragend", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () {
      zone.classList.remove("dropzone--over");
    });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    var transfer = new DataTransfer();
    for (var i = 0; i < files.length; i += 1) transfer.items.add(files[i]);
    input.files = transfer.files;
    showChosen();
  });

  form.addEventListener("submit", function (event) {
    var file = input.files && input.files[0];
    if (!file || !window.FormData) return; // the browser or the server says what is missing
    event.preventDefault();
    if (maxBytes && total() > maxBytes) {
      fail(FALLBACK[413] + " (" + size(total()) + " pour " + size(maxBytes) + " au plus)");
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.onprogress = function (progress) {
      if (!progress.lengthComputable) return;
      var done = Math.round((progress.loaded / progress.total) * 100);
      bar.value = done;
      say("Envoi du document… " + done + "\u00a0%");
    };
    xhr.upload.onload = function () {
      bar.removeAttribute("value"); // indeterminate while the server reads and judges
      say("Analyse en cours…");
    };
    xhr.onload = function () {
      var answer = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch (ignored) {
        answer = null;
      }
      if (xhr.status === 200 && answer && answer.location) {
        say("Analyse terminée : ouverture du rapport…");
        window.location.assign(answer.location);
        return;
      }
      // The server answered with a page: read its message.
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var shown = page.getElementById("upload-error") || page.querySelector(".error-page h1 + p");
      fail(shown ? shown.textContent.trim() : FALLBACK[xhr.status] || "L\u2019analyse a échoué.");
    };
    xhr.onerror = function () {
      fail("Le serveur n\u2019a pas pu être joint : vérifiez la connexion puis recommencez.");
    };
    busy(true);
    bar.value = 0;
    say("Envoi du document…");
    xhr.send(new FormData(form));
  });
})();
