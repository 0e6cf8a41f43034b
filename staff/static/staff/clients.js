// The calendar feed page: a button that copies the feed's address.
// Without JavaScript the button stays hidden; the address can be selected.
document.querySelectorAll("[data-copy]").forEach((button) => {
  const input = document.getElementById(button.dataset.copy);
  if (!input || !navigator.clipboard) return;
  button.hidden = false;
  const label = button.textContent;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(input.value).then(() => {
      button.textContent = button.dataset.copied;
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });
});
