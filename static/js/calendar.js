// Copy buttons for calendar subscription URLs. Without JavaScript the read-only field remains
// and can be selected by hand; the buttons stay hidden until they can work.
"use strict";

(function () {
  function announce(button, text) {
    const status = button.parentElement.querySelector(".copy-status");
    if (status) status.textContent = text;
  }

  function selectField(field) {
    field.focus();
    field.select();
  }

  async function copy(button) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    try {
      await navigator.clipboard.writeText(field.value);
      announce(button, "Copied.");
    } catch (error) {
      // Clipboard refused (insecure origin, denied permission): leave it selected instead.
      selectField(field);
      announce(button, "Press Ctrl+C (or ⌘C) to copy.");
    }
  }

  function wire(root) {
    for (const button of root.querySelectorAll("button[data-copy]")) {
      if (button.dataset.copyWired) continue;
      button.dataset.copyWired = "1";
      if (navigator.clipboard) button.hidden = false;
      button.addEventListener("click", () => copy(button));
    }
    for (const field of root.querySelectorAll(".copy-field input[readonly]")) {
      field.addEventListener("focus", () => field.select());
    }
  }

  function start() {
    wire(document);
    // Pages that swap fragments in with htmx get their new buttons wired too.
    document.body.addEventListener("htmx:load", (event) => wire(event.target));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
