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

  // A board taller than the screen (many departures, the next louages below) pages through
  // by itself: a screen at a time, then back to the top, with "2/3" in a corner.
  var board = document.querySelector("[data-kiosk-page-seconds]");
  var seconds = board ? parseInt(board.dataset.kioskPageSeconds, 10) || 12 : 12;
  var marker = document.createElement("p");
  marker.className = "kiosk-page";
  marker.setAttribute("aria-hidden", "true");
  marker.dataset.kioskPage = "";
  document.body.appendChild(marker);
  function step() { return Math.max(window.innerHeight * 0.85, 1); }
  function pages() {
    var room = document.documentElement.scrollHeight - window.innerHeight;
    return room > 4 ? Math.ceil(room / step()) + 1 : 1;
  }
  function showPage() {
    var total = pages();
    var room = document.documentElement.scrollHeight - window.innerHeight;
    var current = window.scrollY >= room - 4 ? total : Math.floor(window.scrollY / step()) + 1;
    marker.textContent = total > 1 ? current + "/" + total : "";
  }
  function turn() {
    var room = document.documentElement.scrollHeight - window.innerHeight;
    if (room <= 4) return showPage();
    var top = window.scrollY >= room - 4 ? 0 : Math.min(window.scrollY + step(), room);
    window.scrollTo({ top: top, behavior: "instant" });
    showPage();
  }
  showPage();
  window.setInterval(turn, seconds * 1000);
})();
