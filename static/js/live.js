// Live mode and the watchers' panel: progressive enhancements only. Without this file every
// button is a plain form (POST, redirect back) and the panel shows the state of the page load.
"use strict";

(function () {
  // --- the clock ticks between polls ------------------------------------------------------
  // The server writes its numbers as data attributes (templatetags/live_tags.clock_data); the
  // script counts on from the moment it first saw a rendering. A poll answered from the
  // browser's cache (304) brings the same rendering back: it keeps its first-seen moment, so
  // the count goes on instead of jumping back.
  var firstSeen = {};

  function mmss(seconds) {
    var sign = seconds < 0 ? "-" : "";
    seconds = Math.abs(seconds);
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h) return sign + h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
    return sign + m + ":" + ss;
  }

  function aheadBehind(seconds) {
    if (Math.abs(seconds) < 60) return "on plan";
    return mmss(Math.abs(seconds)) + (seconds > 0 ? " behind plan" : " ahead of plan");
  }

  function num(el, name) {
    return parseInt(el.getAttribute("data-" + name), 10) || 0;
  }

  function tick() {
    document.querySelectorAll("[data-live-clock]").forEach(function (el) {
      var key = (el.id || "clock") + ":" + el.getAttribute("data-as-of") + ":" +
        el.getAttribute("data-meeting-elapsed") + ":" + el.getAttribute("data-running");
      if (!(key in firstSeen)) firstSeen[key] = Date.now();
      var running = el.getAttribute("data-running") === "1";
      var t = running ? Math.floor((Date.now() - firstSeen[key]) / 1000) : 0;
      var itemElapsed0 = num(el, "item-elapsed"), planned = num(el, "item-planned");
      var meeting0 = num(el, "meeting-elapsed");
      var untouched = num(el, "projected") - meeting0 - Math.max(0, planned - itemElapsed0);
      var itemElapsed = itemElapsed0 + t, meeting = meeting0 + t;
      var projected = meeting + Math.max(0, planned - itemElapsed) + untouched;
      var behind = projected - num(el, "planned");
      var level = projected >= num(el, "limit") - num(el, "red-margin") ? "red"
        : projected > num(el, "target") ? "amber" : "ok";
      set(el, "item-remaining", mmss(planned - itemElapsed));
      set(el, "meeting-elapsed", mmss(meeting));
      set(el, "behind", aheadBehind(behind));
      ["ok", "amber", "red"].forEach(function (name) {
        el.classList.toggle("level-" + name, name === level);
      });
    });
  }

  function set(el, name, text) {
    var target = el.querySelector('[data-clock="' + name + '"]');
    if (target && target.textContent !== text) target.textContent = text;
  }

  // --- keyboard: n / → next, p / ← previous, space pause or resume ------------------------
  function typing(target) {
    if (!target || !target.closest) return false;
    return target.isContentEditable || !!target.closest("input, textarea, select");
  }

  var busy = false;
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    var key = null;
    if (event.key === "n" || event.key === "ArrowRight") key = "next";
    else if (event.key === "p" || event.key === "ArrowLeft") key = "previous";
    // A focused button or link answers space itself (it presses that control).
    else if (event.key === " " && !event.target.closest("button, a, summary")) key = "pause";
    if (!key) return;
    var button = document.querySelector('#live-clock button[data-key="' + key + '"]');
    if (!button) return;
    event.preventDefault();
    // One step at a time: the next one is built on the clock the last one left.
    if (busy || button.disabled) return;
    button.click();
  });

  // --- htmx: refusals are shown, announcements read -----------------------------------------
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.closest && event.target.closest("form")) busy = true;
  });
  document.addEventListener("htmx:afterRequest", function () {
    busy = false;
  });
  // A stale step (409) or a refused one (422) comes back with the clock as it is now and a
  // message: swap it in like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Swapped regions are new nodes, which screen readers do not announce: one live region that
  // stays says what changed.
  var announcer = null;
  function announce() {
    var source = document.querySelector(".live-announce");
    if (!source) return;
    if (!announcer) {
      announcer = document.createElement("p");
      announcer.className = "visually-hidden";
      announcer.setAttribute("aria-live", "polite");
      announcer.id = "live-announcer";
      document.body.appendChild(announcer);
      source.removeAttribute("aria-live");
      announcer.textContent = "";
      return;
    }
    source.removeAttribute("aria-live");
    var text = source.textContent.trim();
    if (announcer.textContent !== text) announcer.textContent = text;
  }

  function enhance() {
    document.querySelectorAll(".no-js-only").forEach(function (el) {
      el.hidden = true;
    });
    var alert = document.querySelector('#live [role="alert"]');
    // A swapped-in question ("End the meeting?") puts the keyboard on its answer, as the
    // autofocus attribute does on a page load; a refusal's message goes first.
    var asked = document.querySelector("#live [autofocus]");
    if (alert) alert.focus();
    else if (asked) asked.focus();
    announce();
    tick();
  }

  document.addEventListener("htmx:afterSettle", enhance);
  document.addEventListener("DOMContentLoaded", function () {
    enhance();
    window.setInterval(tick, 1000);
  });
})();
