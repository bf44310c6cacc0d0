// The main menu folds behind a « Menu » button in a narrow window (clausier.css, max-width
// 640px). Loaded in <head>, before the page is drawn: the class set on <html> lets the
// stylesheet fold the menu from the first paint. Without this script the button stays hidden
// and the menu unfolded. The button says whether the menu is open (aria-expanded); Escape
// closes it and gives the focus back to the button.
(function () {
  "use strict";
  document.documentElement.classList.add("menu-folds");

  function start() {
    var button = document.getElementById("menu-button");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) return;

    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("site-menu--open", open);
    }

    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
      if (button.offsetParent === null) return; // a wide window: no button, nothing folds
      show(false);
      button.focus();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
