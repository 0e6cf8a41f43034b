/* The site's little JavaScript. Every page works without it; it only
   smooths the way: htmx swaps the slot picker in place, this tells screen
   readers what changed, and keeps a form from being sent twice by a
   double tap (the server books once anyway: the form has an
   idempotency key). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A swapped-in picker says how many times the new day has; read it out.
  document.addEventListener("htmx:afterSettle", function (event) {
    var announcer = document.getElementById("announcer");
    var status = event.target.querySelector && event.target.querySelector("[data-announce]");
    if (announcer && status) {
      var heading = document.getElementById("times-title");
      announcer.textContent = (heading ? heading.textContent + ": " : "") + status.textContent;
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-submit-once")) {
      return;
    }
    if (form.getAttribute("data-submitting") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "true");
    var button = form.querySelector("[data-busy-label]");
    if (button) {
      button.setAttribute("aria-disabled", "true");
      button.setAttribute("data-label", button.textContent);
      button.textContent = button.getAttribute("data-busy-label");
    }
  });

  // Coming back with the back button shows the page as it was left.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      form.removeAttribute("data-submitting");
      var button = form.querySelector("[data-label]");
      if (button) {
        button.textContent = button.getAttribute("data-label");
        button.removeAttribute("aria-disabled");
      }
    });
  });
})();
