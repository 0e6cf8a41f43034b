// The gift card's payment page: the gateway's card field, then the payment in the browser.
// The page after paying asks the gateway whether it succeeded; nothing here is trusted.
(function () {
  "use strict";
  const form = document.getElementById("pay-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const error = document.getElementById("pay-error");
  const button = document.getElementById("pay-button");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    const result = await stripe.confirmCardPayment(form.dataset.secret, {
      payment_method: { card: card },
    });
    if (result.error) {
      error.textContent = result.error.message || String(result.error);
      error.hidden = false;
      button.disabled = false;
      return;
    }
    window.location.assign(form.dataset.next);
  });
})();
