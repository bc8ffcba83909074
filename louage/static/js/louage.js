// Small behaviours kept out of templates so the CSP can forbid inline scripts.
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  function bind(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      if (el.dataset.bound) return;
      el.dataset.bound = "1";
      el.addEventListener("change", function () { el.form.submit(); });
    });
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = "1";
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
      });
    });
  }
  window.Louage = { bind: bind };
  onReady(function () { bind(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { bind(ev.target); });
  // The desk's forms start empty again once the server accepted them (HX-Trigger: louage:done).
  document.addEventListener("louage:done", function (ev) {
    var form = ev.target.closest && ev.target.closest("form[data-reset-on-success]");
    if (form) form.reset();
  });
})();
