// Agenda builder and meeting pages: progressive enhancements only. Without this file every
// control still works as a plain form (move up/down buttons, full-page posts).
"use strict";

(function () {
  // --- htmx: show refusals, keep versions and focus ---------------------------------------

  // A stale edit (409) or a refused rule (422) comes back with the fresh agenda and a message:
  // swap it in like a success instead of dropping it as an error.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    // A builder answer carries the one notice that is true now (a fresh refusal where it
    // happened, or the top notice): a refusal left in a region the answer keeps (the bulk
    // remove, the proposals, a schedule form) is stale, and a second #agenda-notice.
    var target = event.detail.target;
    if (event.detail.shouldSwap && target && (target.id === "builder" || target.id === "budget")) {
      document.querySelectorAll("#builder .refusal").forEach(function (old) {
        old.remove();
      });
    }
  });

  // Each form on the minutes page carries the version of what it edits (the general minutes,
  // one item's minutes, one action item): a save swaps its own region, version included, and
  // leaves the others' versions as they are.

  // Keyboard users keep their place: after a swap, focus returns to the control they used
  // (e.g. "Move down" on the same item), else to the message that explains what happened.
  var lastFocused = null;
  // An add replaces the form it came from (htmx #75): focus goes to the new item instead,
  // found as the row that was not there before the request.
  var itemsBeforeAdd = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    lastFocused = active && active.id ? active.id : null;
    var form = event.target && event.target.closest && event.target.closest("details.add-item form");
    itemsBeforeAdd = form ? itemIds() : null;
  });

  function itemIds() {
    var ids = {};
    document.querySelectorAll("#builder li.agenda-item[id]").forEach(function (li) {
      ids[li.id] = true;
    });
    return ids;
  }

  function newItem() {
    if (!itemsBeforeAdd) return null;
    var rows = document.querySelectorAll("#builder li.agenda-item[id]");
    for (var i = 0; i < rows.length; i++) {
      if (!itemsBeforeAdd[rows[i].id]) return rows[i];
    }
    return null;
  }
  // The minutes sheet: a refusal comes back in the region it is about (the item being
  // minuted, the action form), announced (role="alert") and focused there, so the user is not
  // sent to the top of a long page.
  // A refusal (409, 422) answers with the whole sheet, its one alert in the region it is
  // about.
  document.addEventListener("htmx:afterSettle", function (event) {
    var sheet = document.getElementById("minutes-sheet");
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (!sheet || (status !== 409 && status !== 422)) return;
    var alert = sheet.querySelector(".notice[role=alert]");
    if (alert) alert.focus();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    // The whole builder, or a change answered by region (the budget is its swap target, the
    // rest comes out of band): once per swap, when the element settling is the target.
    var target = event.detail.target;
    if (!target || (target.id !== "builder" && target.id !== "budget")) return;
    if (event.target !== document.getElementById(target.id)) return;
    var notice = document.getElementById("agenda-notice");
    var again = lastFocused && document.getElementById(lastFocused);
    var added = newItem();
    itemsBeforeAdd = null;
    if (notice && notice.getAttribute("role") === "alert") {
      notice.focus();
    } else if (added) {
      added.focus();
    } else if (again && !again.disabled) {
      again.focus();
    } else if (again) {
      // At the end of the list "Move down" is disabled now: its sibling still works.
      var row = again.closest("li");
      var other = row && row.querySelector("button:not([disabled])");
      (other || notice || document.getElementById("builder")).focus();
    } else if (notice) {
      notice.focus();
    }
    initDrag();
    showTrackingSum();
  });

  // --- the tracking proposals: the sum of what is ticked, before adding ---------------------

  // The server writes the same sentence for the page as it loads (builder.tracking_sum); this
  // keeps it true as boxes are ticked or the minutes changed, against the budget as it is now.
  function showTrackingSum() {
    var out = document.getElementById("tracking-sum");
    var budget = document.getElementById("budget");
    if (!out || !budget) return;
    var form = out.closest("form");
    var each = parseInt((form.querySelector("input[name=duration_minutes]") || {}).value, 10);
    if (!(each > 0)) each = 0;
    var count = form.querySelectorAll("input[name=deliverables]:checked").length;
    var left = parseInt(budget.getAttribute("data-to-target"), 10) || 0;
    var target = budget.getAttribute("data-target");
    var minutes = count * each;
    var text = "Ticked: " + count + " deliverable" + (count === 1 ? "" : "s") + ", " +
      minutes + " min; " +
      (left >= 0
        ? left + " min left to the " + target + "-min objective"
        : "the agenda is already " + -left + " min over the " + target + "-min objective") +
      (count && minutes > left ? ": adding them runs over it" : "") + ".";
    if (out.textContent !== text) out.textContent = text;
    out.classList.toggle("over", minutes > left);
  }

  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("form.proposals")) showTrackingSum();
  });
  document.addEventListener("input", function (event) {
    if (event.target.name === "duration_minutes" && event.target.closest("form.proposals")) {
      showTrackingSum();
    }
  });

  // --- drag and drop ----------------------------------------------------------------------

  var dragged = null;

  function groupOf(list) {
    return list ? list.getAttribute("data-group") : null;
  }

  function dropIndex(list, y) {
    var rows = Array.prototype.filter.call(
      list.querySelectorAll(":scope > li.agenda-item"),
      function (li) { return li !== dragged; }
    );
    for (var i = 0; i < rows.length; i++) {
      var box = rows[i].getBoundingClientRect();
      if (y < box.top + box.height / 2) return i;
    }
    return rows.length;
  }

  function clearMarks() {
    document.querySelectorAll(".drop-target").forEach(function (el) {
      el.classList.remove("drop-target");
    });
  }

  function onDragStart(event) {
    dragged = event.currentTarget;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.getAttribute("data-item-id"));
  }

  function onDragEnd() {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearMarks();
  }

  function accepts(list) {
    // Hot topics and tracking items cross over; the focus topic and open floor stay home.
    return dragged && groupOf(list) === groupOf(dragged.closest("ol.agenda-items"));
  }

  function onDragOver(event) {
    var list = event.currentTarget;
    if (!accepts(list)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearMarks();
    list.classList.add("drop-target");
  }

  function onDrop(event) {
    var list = event.currentTarget;
    if (!accepts(list)) return;
    event.preventDefault();
    var builder = document.getElementById("builder");
    var item = dragged;
    var index = dropIndex(list, event.clientY);
    clearMarks();
    htmx.ajax("POST", item.getAttribute("data-move-url"), {
      source: item,
      target: "#builder",
      swap: "outerHTML",
      values: {
        // Every version input of the builder is kept current, also when only regions change.
        version: (builder.querySelector("input.agenda-version") || {}).value ||
          builder.getAttribute("data-version"),
        section: list.getAttribute("data-section"),
        index: String(index),
      },
    });
  }

  function initDrag() {
    if (typeof htmx === "undefined") return;
    document.querySelectorAll("#builder li.agenda-item[draggable]").forEach(function (li) {
      if (li.dataset.dragReady) return;
      li.dataset.dragReady = "1";
      li.addEventListener("dragstart", onDragStart);
      li.addEventListener("dragend", onDragEnd);
    });
    document.querySelectorAll("#builder ol.agenda-items").forEach(function (list) {
      if (list.dataset.dropReady) return;
      list.dataset.dropReady = "1";
      list.addEventListener("dragover", onDragOver);
      list.addEventListener("dragleave", function (event) {
        if (!list.contains(event.relatedTarget)) list.classList.remove("drop-target");
      });
      list.addEventListener("drop", onDrop);
    });
  }

  // --- the viewer's own clock --------------------------------------------------------------

  // Where the server does not know the viewer's zone (anonymous, or no zone in the profile),
  // show the browser's wall clock beside the series' one when the two differ.
  function offsetOf(iso) {
    var match = /([+-])(\d\d):?(\d\d)$/.exec(iso);
    if (!match) return 0;
    var minutes = parseInt(match[2], 10) * 60 + parseInt(match[3], 10);
    return match[1] === "-" ? -minutes : minutes;
  }

  function showBrowserTimes() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    document.querySelectorAll(".browser-time[data-instant]").forEach(function (span) {
      var iso = span.getAttribute("data-instant");
      var instant = new Date(iso);
      if (isNaN(instant.getTime())) return;
      if (-instant.getTimezoneOffset() === offsetOf(iso)) return;
      var clock = instant.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      span.textContent = " (" + clock + " " + (zone || "your time") + ")";
      span.hidden = false;
    });
  }

  function init() {
    initDrag();
    showTrackingSum();
    showBrowserTimes();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
