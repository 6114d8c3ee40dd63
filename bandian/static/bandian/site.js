// bandian's only script of its own (the Content-Security-Policy allows no inline script).
// A <select data-autosubmit> submits its form when changed: the language switch.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});

// A <button data-print> prints the page (the service guide); print styles are in site.css.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-print]") : null;
  if (button) {
    window.print();
  }
});
