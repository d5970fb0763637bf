// Roadmap pages: let htmx swap the fresh card that a refused change answers with.
// Every form on these pages also works without this file.
"use strict";

document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  // 409: someone changed the deliverable meanwhile (the body is its fresh card);
  // 422: the change was refused with a message (the body is the card with it).
  if (status === 409 || status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// After a card is swapped, put the keyboard focus back on it so the reader hears the result.
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target;
  if (!target || !target.id || target.id.indexOf("deliverable-") !== 0) {
    return;
  }
  var card = document.getElementById(target.id);
  if (!card) {
    return;
  }
  var message = card.querySelector(".card-message");
  var focusable = message || card.querySelector("h3 a");
  if (message) {
    message.setAttribute("tabindex", "-1");
  }
  if (focusable) {
    focusable.focus();
  }
});
