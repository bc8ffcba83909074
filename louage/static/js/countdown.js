// Live countdown of a seat hold: <… data-expires-at="ISO"> with a .countdown-value inside.
// A polite live region (.countdown-live) says the time left once a minute, not every second.
(function () {
  "use strict";
  function tick() {
    document.querySelectorAll("[data-expires-at]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.dataset.expiresAt) - Date.now()) / 1000);
      var out = el.querySelector(".countdown-value") || el;
      var live = el.querySelector(".countdown-live");
      if (left <= 0) {
        out.textContent = "0:00";
        if (live && el.dataset.announce) live.textContent = el.dataset.announce.replace("%TIME%", "0:00");
        if (!el.dataset.reloaded) { el.dataset.reloaded = "1"; window.setTimeout(function () { window.location.reload(); }, 1500); }
        return;
      }
      var minutes = Math.floor(left / 60), seconds = left % 60;
      var text = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      out.textContent = text;
      if (live && el.dataset.announce && el.dataset.lastMinute !== String(minutes)) {
        el.dataset.lastMinute = String(minutes);
        live.textContent = el.dataset.announce.replace("%TIME%", text);
      }
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
