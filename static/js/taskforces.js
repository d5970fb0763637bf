// Outline editing with htmx: keep keyboard focus where it was after the outline is swapped,
// and show refusals (409/422/400) in place instead of dropping them. Works without this file.
"use strict";
(function () {
  var lastFocusId = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    lastFocusId = active && active.id ? active.id : null;
    var submitter = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent &&
      event.detail.requestConfig.triggeringEvent.submitter;
    if (submitter && submitter.id) lastFocusId = submitter.id;
    // After adding, the next item is typed into the same field.
    if (event.detail.elt.matches && event.detail.elt.matches(".outline-add")) {
      lastFocusId = "id_add-text";
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (event.detail.target && event.detail.target.id === "outline" &&
        (status === 400 || status === 409 || status === 422)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var outline = document.getElementById("outline");
    if (!outline || !outline.contains(event.detail.elt) && event.detail.elt !== outline) return;
    // An edit form just opened: put the caret in its text field.
    var editText = outline.querySelector(".outline-edit input[type=text]");
    if (editText) { editText.focus(); return; }
    var errorField = outline.querySelector(".errorlist");
    var target = lastFocusId && document.getElementById(lastFocusId);
    if (errorField) {
      var field = outline.querySelector(".outline-add input[type=text]");
      if (field) { field.focus(); return; }
    }
    if (target && !target.disabled) { target.focus(); return; }
    if (lastFocusId) {
      // The control is gone or disabled (moved to the top, deleted): keep focus in the item.
      var match = /^outline-(\d+)-/.exec(lastFocusId);
      var row = match && document.getElementById("outline-item-" + match[1]);
      var fallback = row && row.querySelector("button:not([disabled]), a");
      if (fallback) { fallback.focus(); return; }
    }
    var heading = document.getElementById("outline-heading");
    if (heading) heading.focus();
  });
})();
