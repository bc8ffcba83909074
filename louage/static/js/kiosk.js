// The departures board on the screen of the station hall (?kiosk=1): a clock in Tunis time,
// and a full reload now and then so the screen never stays on an old page (the rows already
// refresh themselves every 10 seconds through htmx).
(function () {
  "use strict";
  var clock = document.querySelector("[data-kiosk-clock]");
  var format = new Intl.DateTimeFormat(document.documentElement.lang || "fr", {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "Africa/Tunis",
    numberingSystem: "latn"
  });
  function tick() { if (clock) clock.textContent = format.format(new Date()); }
  tick();
  window.setInterval(tick, 1000);
  window.setTimeout(function () { window.location.reload(); }, 10 * 60 * 1000);
})();
