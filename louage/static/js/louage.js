// Small behaviours kept out of templates so the CSP can forbid inline scripts.
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  // A table wider than the phone scrolls inside its box: the box takes the keyboard focus so
  // it can be scrolled without a mouse (and says what it holds).
  function focusableScrollers(root) {
    root.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        var caption = box.querySelector("caption, th");
        if (caption && !box.hasAttribute("aria-label")) box.setAttribute("aria-label", caption.textContent.trim());
      }
    });
  }
  function bind(root) {
    focusableScrollers(root.querySelectorAll ? root : document);
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      if (el.dataset.bound) return;
      el.dataset.bound = "1";
      el.addEventListener("change", function () { el.form.submit(); });
    });
    // "Aujourd'hui" / "Demain": set the form's date and let it search again.
    root.querySelectorAll("[data-date-shortcut]").forEach(function (button) {
      if (button.dataset.bound) return;
      button.dataset.bound = "1";
      var input = button.form && button.form.querySelector("input[type=date]");
      function mark() { button.setAttribute("aria-pressed", input && input.value === button.dataset.dateShortcut ? "true" : "false"); }
      if (input) input.addEventListener("change", mark);
      mark();
      button.addEventListener("click", function () {
        if (!input) return;
        input.value = button.dataset.dateShortcut;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
    // In-page confirmations (<details>): "keep it" closes the panel.
    root.querySelectorAll("[data-close-details]").forEach(function (button) {
      if (button.dataset.bound) return;
      button.dataset.bound = "1";
      button.addEventListener("click", function () {
        var details = button.closest("details");
        if (details) details.open = false;
      });
    });
    // A printable page (the desk receipt): its button opens the browser's print dialog.
    root.querySelectorAll("[data-print]").forEach(function (button) {
      if (button.dataset.bound) return;
      button.dataset.bound = "1";
      button.addEventListener("click", function () { window.print(); });
    });
    // The desk: "Encaisser 24,400 DT" follows the departure and the seats chosen. The amounts
    // per seat count come from the server (data-amounts on the form or on the chosen trip).
    root.querySelectorAll("form[data-collect]").forEach(function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = "1";
      var button = form.querySelector("[data-collect-label]");
      if (!button) return;
      var plain = button.dataset.collectLabel;
      function amounts() {
        var chosen = form.querySelector("input[data-amounts]:checked") || form;
        try { return JSON.parse(chosen.dataset.amounts || "[]"); } catch (e) { return []; }
      }
      function update() {
        var seatsField = form.querySelector("[name=seats]");
        var seats = seatsField ? parseInt(seatsField.value, 10) : 1;
        var amount = amounts()[seats - 1];
        button.textContent = amount ? form.dataset.collect.replace("{amount}", amount) : plain;
      }
      form.addEventListener("input", update);
      form.addEventListener("change", update);
      form.addEventListener("htmx:afterSwap", update);
      form.addEventListener("reset", function () { window.setTimeout(update, 0); });
      update();
    });
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = "1";
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
      });
    });
  }
  // Menu groups: the button opens and closes its group; Escape or a click elsewhere closes it.
  function navGroups() {
    var groups = Array.prototype.slice.call(document.querySelectorAll("[data-nav-group]"));
    function close(group) {
      group.classList.remove("open");
      group.querySelector(".nav-group-toggle").setAttribute("aria-expanded", "false");
    }
    groups.forEach(function (group) {
      var button = group.querySelector(".nav-group-toggle");
      button.addEventListener("click", function () {
        var opening = !group.classList.contains("open");
        groups.forEach(close);
        // A click on a group the mouse already opened (hover) closes it for good.
        group.classList.toggle("closed", !opening);
        if (opening) {
          group.classList.add("open");
          button.setAttribute("aria-expanded", "true");
        }
      });
      group.addEventListener("mouseleave", function () { group.classList.remove("closed"); });
      group.addEventListener("focusin", function (ev) { if (ev.target !== button) group.classList.remove("closed"); });
      group.addEventListener("keydown", function (ev) {
        if (ev.key === "Escape" && group.classList.contains("open")) {
          close(group);
          group.classList.add("closed");
          button.focus();
        }
      });
      group.addEventListener("focusout", function (ev) {
        if (!group.contains(ev.relatedTarget)) { close(group); group.classList.remove("closed"); }
      });
    });
    document.addEventListener("click", function (ev) {
      groups.forEach(function (group) { if (!group.contains(ev.target)) close(group); });
    });
    document.querySelectorAll(".nav a[href]").forEach(function (link) {
      if (link.pathname === window.location.pathname) link.setAttribute("aria-current", "page");
    });
  }
  window.Louage = { bind: bind };
  onReady(navGroups);
  onReady(function () { bind(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { bind(ev.target); });
  // The desk's forms start empty again once the server accepted them (HX-Trigger: louage:done).
  document.addEventListener("louage:done", function (ev) {
    var form = ev.target.closest && ev.target.closest("form[data-reset-on-success]");
    if (form) form.reset();
  });
})();
