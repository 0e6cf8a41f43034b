// The package's pay page: the gateway's card field takes the card (it
// never reaches the studio), the studio pays with it, then the browser
// goes on to the package's page.
(function () {
  "use strict";
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
        window.location.assign(answer.next);
      })
      .catch(function (problem) {
        error.textContent = problem && problem.message ? problem.message : String(problem);
        button.disabled = false;
        button.textContent = label;
      });
  });
})();
