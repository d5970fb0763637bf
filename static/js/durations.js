// Agenda builder: beside the duration of an item being added or edited, how long such items
// ran at recent meetings ("ran 12 min on average over the last 3 meetings (planned 10)"), as
// soon as a presenter is chosen or a recurring title typed. The figures come from the page's
// "How long items ran at recent meetings" list (adcmeet/meetings/actuals.py), which is what a
// browser without JavaScript shows instead.
"use strict";

(function () {
  function known() {
    var found = {};
    document.querySelectorAll("#duration-history [data-duration-key]").forEach(function (li) {
      found[li.getAttribute("data-duration-key")] = li.getAttribute("data-duration-text");
    });
    return found;
  }

  function field(form, name) {
    return form.querySelector("[name$='-" + name + "']");
  }

  // A recurring item is judged by its title (the open floor is the open floor), any other by
  // its presenter: the same rule as actuals.suggestion_for.
  function hintFor(form) {
    var history = known();
    var title = field(form, "title");
    var recurring = field(form, "recurring");
    var presenter = field(form, "presenter");
    if (recurring && recurring.checked && title) {
      var byTitle = history["title-" + title.value.trim().toLowerCase()];
      if (byTitle) return byTitle;
    }
    if (presenter && presenter.value) return history["presenter-" + presenter.value] || "";
    return "";
  }

  function update(form) {
    var duration = field(form, "duration_minutes");
    if (!duration) return;
    var hint = form.querySelector(".duration-hint");
    if (!hint) {
      hint = document.createElement("p");
      hint.className = "duration-hint muted";
      hint.setAttribute("aria-live", "polite");
      hint.id = duration.id + "-history";
      var holder = duration.closest(".field") || duration.parentNode;
      holder.appendChild(hint);
    }
    var text = hintFor(form);
    hint.textContent = text ? "Before: " + text + "." : "";
    var described = (duration.getAttribute("aria-describedby") || "").split(" ");
    if (text && described.indexOf(hint.id) < 0) {
      duration.setAttribute("aria-describedby", described.concat(hint.id).join(" ").trim());
    }
  }

  function onChange(event) {
    var form = event.target.closest && event.target.closest("#builder form.item-form");
    if (!form) return;
    var name = event.target.name || "";
    if (/-(presenter|title|recurring)$/.test(name)) update(form);
  }

  document.addEventListener("change", onChange);
  document.addEventListener("input", onChange);
})();
