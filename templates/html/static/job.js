// Page of a background job: ask /api/jobs/<id> for its progress every second and show it; once
// the job is done or failed, reload the page, which then shows the file or the error. Without
// script, a <noscript> meta refresh reloads the page instead.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job) return;
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var message = document.getElementById("job-message");
  var label = document.getElementById("job-state-label");
  var LABELS = { queued: "En attente", running: "En cours", done: "Terminé", failed: "Échec" };

  function poll() {
    fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        bar.value = state.progress;
        bar.textContent = state.progress + "\u00a0%";
        percent.textContent = state.progress + "\u00a0%";
        message.textContent = state.message;
        label.textContent = LABELS[state.state] || state.state;
        if (state.state === "done" || state.state === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
