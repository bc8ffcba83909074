// Live countdown of a seat hold: <… data-expires-at="ISO"> with a .countdown-value inside.
(function () {
  "use strict";
  function tick() {
    document.querySelectorAll("[data-expires-at]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.dataset.expiresAt) - Date.now()) / 1000);
      var out = el.querySelector(".countdown-value") || el;
      if (left <= 0) {
        out.textContent = "0:00";
        if (!el.dataset.reloaded) { el.dataset.reloaded = "1"; window.setTimeout(function () { window.location.reload(); }, 1500); }
        return;
      }
      var minutes = Math.floor(left / 60), seconds = left % 60;
      out.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
