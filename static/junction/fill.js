// "Fill in" buttons: data-fill names the box, data-value is what is written in it.
document.addEventListener("click", (click) => {
  const button = click.target.closest("[data-fill]");
  if (!button) return;
  const box = document.querySelector(button.dataset.fill);
  box.value = button.dataset.value;
  box.focus();
  box.dispatchEvent(new Event("input", { bubbles: true }));
});
