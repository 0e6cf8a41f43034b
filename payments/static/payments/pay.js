// The one pay page (a visit's deposit or price, a package, a gift card):
// the gateway's card field, the card given to the gateway (never to the
// studio) with a SetupIntent, then the studio pays with it and answers
// where to go next: the status page that waits for the gateway's
// webhook, the package's page, or the gift card's.
(function () {
  "use strict";
  var countdown = document.querySelector("[data-countdown]");
  if (countdown) {
    var ends = Date.parse(countdown.getAttribute("data-countdown"));
    var label = countdown.getAttribute("data-minutes-left");
    var tick = function () {
      var left = Math.max(0, Math.ceil((ends - Date.now()) / 60000));
      countdown.textContent = label + " " + left;
      countdown.hidden = false;
    };
    tick();
    window.setInterval(tick, 15000);
  }
  var form = document.getElementById("pay-form");
  if (!form || typeof window.Stripe !== "function") {
    return;
  }
  var stripe = window.Stripe(form.getAttribute("data-key"));
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var error = document.getElementById("card-error");
  var button = form.querySelector("button[type=submit]");
  var label = button.textContent;
  var fail = function (message) {
    error.textContent = message || "";
    button.disabled = false;
    button.textContent = label;
  };
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.textContent = "";
    button.disabled = true;
    button.textContent = button.getAttribute("data-paying");
    stripe
      .confirmCardSetup(form.getAttribute("data-entry-secret"), {
        payment_method: { card: card, billing_details: { name: form.getAttribute("data-name") } },
      })
      .then(function (result) {
        if (result.error) {
          throw result.error;
        }
        var body = new FormData(form);
        body.append("entry", result.setupIntent.id);
        return fetch(form.action, { method: "POST", body: body, credentials: "same-origin" });
      })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (answer.error) {
          throw { message: answer.error };
        }
        if (answer.action_secret) {
          return stripe.confirmCardPayment(answer.action_secret).then(function () {
            return answer;
          });
        }
        return answer;
      })
      .then(function (answer) {
        window.location.assign(answer.next);
      })
      .catch(function (problem) {
        fail(problem && problem.message ? problem.message : String(problem));
      });
  });
})();
