// Enter in a picker's search box searches, as typing does, instead of sending the whole
// form (the browser's implicit submission would press the first button, reload the page
// and lose the person's place). Without htmx, Enter stays the "Find" button's job.
document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (event.key !== "Enter" || !(box instanceof HTMLInputElement)) return;
  if (!box.matches(".picker-search input[type=search]") || !window.htmx) return;
  event.preventDefault();
  window.htmx.trigger(box, "search");
});
