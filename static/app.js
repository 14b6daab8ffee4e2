// A few conveniences on top of pages that work without JavaScript:
// copy buttons, confirmations before destructive posts, and filling a form from a preset.
"use strict";
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  const text = source.innerText.trim();
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = button.dataset.copied || "✓";
  setTimeout(() => { button.textContent = label; }, 1500);
});
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
// Copy buttons are useless without a script: they are hidden until it runs.
document.documentElement.classList.add("js");
// A preset <select data-fills="#field"> writes the chosen option's data-base-url into the
// field (empty for the "other" entries, which the user fills in).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-fills]");
  if (!select) return;
  const field = document.querySelector(select.dataset.fills);
  const option = select.selectedOptions[0];
  if (field && option) field.value = option.dataset.baseUrl || "";
});
// On a phone the navigation scrolls sideways: bring the current page's entry into view.
const current = document.querySelector("nav.main [aria-current=page]");
if (current) current.scrollIntoView({ block: "nearest", inline: "nearest" });
