// Check-in at boarding. The camera reads QR codes where the browser has BarcodeDetector; the
// typed reference always works. A scanned ticket token (LT1.…, see louage/tickets/tokens.py)
// is checked here first: its Ed25519 signature with WebCrypto and the station's public keys
// (kept in localStorage for the days without a network), then its station, day and expiry.
// Online, the server decides and boards (it refuses a second boarding); offline, a valid
// ticket is shown as such, kept, and sent to the server as soon as the network is back.
(function () {
  "use strict";
  var form = document.getElementById("check-in-form");
  var input = document.getElementById("code");
  var resultBox = document.getElementById("check-in-result");
  var pendingBox = document.getElementById("check-in-pending");
  var syncedList = document.getElementById("check-in-synced");
  var configNode = document.getElementById("check-in-offline");

  // --- Camera ---------------------------------------------------------------------------------
  (function camera() {
    var start = document.getElementById("start-camera");
    var stop = document.getElementById("stop-camera");
    var box = document.getElementById("scanner");
    var video = document.getElementById("camera");
    if (!start || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    start.hidden = false;
    var stream = null, last = "";
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    function halt() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null; box.hidden = true; start.hidden = false;
    }
    function scan() {
      if (!stream) return;
      detector.detect(video).then(function (codes) {
        if (codes.length && codes[0].rawValue !== last) {
          last = codes[0].rawValue;
          input.value = last;
          form.requestSubmit();
        }
      }).catch(function () {}).finally(function () { window.setTimeout(scan, 400); });
    }
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
        stream = s; video.srcObject = s; video.play(); box.hidden = false; start.hidden = true; scan();
      }).catch(function () { start.hidden = true; });
    });
    stop.addEventListener("click", halt);
  })();

  if (!form || !configNode) return;
  var config = JSON.parse(configNode.textContent);
  var messages = config.messages;
  var KEYS = "louage.ticketKeys";
  var PENDING = "louage.pendingCheckIns." + config.station;
  var BOARDED = "louage.boardedToday." + config.station;
  var PREFIX = "LT1.";

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) { return String(values[name]); });
  }
  function read(name, fallback) {
    try { return JSON.parse(window.localStorage.getItem(name)) || fallback; } catch (e) { return fallback; }
  }
  function write(name, value) {
    try { window.localStorage.setItem(name, JSON.stringify(value)); } catch (e) { /* full or disabled */ }
  }
  function show(text, ok, pending) {
    var p = document.createElement("p");
    p.className = "flash " + (ok ? "flash-success" : "flash-error") + (pending ? " pending-sync" : "");
    p.setAttribute("role", "status");
    p.dataset.testid = "check-in-result";
    p.dataset.ok = ok ? "1" : "0";
    if (pending) p.dataset.offline = "1";
    p.textContent = text;
    resultBox.replaceChildren(p);
    input.value = "";
    input.focus();
  }

  // --- Public keys: fetched when the page opens, kept for the days without a network -------
  function keySet() { return read(KEYS, { keys: [] }).keys || []; }
  function refreshKeys() {
    return window.fetch(config.keys_url, { cache: "no-store", credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        if (data && Array.isArray(data.keys)) write(KEYS, { keys: data.keys, fetched_at: Date.now() });
      })
      .catch(function () { /* offline: the kept keys stand */ })
      .finally(function () { form.dataset.keys = keySet().length ? "ready" : "none"; });
  }

  // --- Reading and verifying a token --------------------------------------------------------
  function bytesOf(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = window.atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function isoDay(daysSinceEpoch) {
    return new Date(daysSinceEpoch * 86400000).toISOString().slice(0, 10);
  }
  function frenchDay(iso) { return iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4); }
  function tunisToday() {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: "Africa/Tunis", year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day;
  }
  // payload: version u8 · key id 4 · trip u64 · station u64 · day u16 · expiry u32 · seats u8 · code length u8 · code
  function parse(token) {
    var raw;
    try { raw = bytesOf(token.slice(PREFIX.length)); } catch (e) { return null; }
    if (raw.length < 29 + 64) return null;
    var payload = raw.slice(0, raw.length - 64), view = new DataView(payload.buffer);
    var length = view.getUint8(28);
    if (view.getUint8(0) !== 1 || payload.length !== 29 + length) return null;
    return {
      payload: payload,
      signature: raw.slice(raw.length - 64),
      kid: hex(payload.slice(1, 5)),
      trip: Number(view.getBigUint64(5)),
      station: Number(view.getBigUint64(13)),
      day: isoDay(view.getUint16(21)),
      expires: view.getUint32(23) * 1000,
      seats: view.getUint8(27),
      code: String.fromCharCode.apply(null, payload.slice(29)),
    };
  }
  function verifySignature(ticket, jwk) {
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle) return Promise.resolve(null);
    return subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"])
      .then(function (key) { return subtle.verify({ name: "Ed25519" }, key, ticket.signature, ticket.payload); })
      .catch(function () { return null; });  // no Ed25519 in this browser: the server decides
  }
  function findKey(kid) {
    return keySet().filter(function (k) { return k.kid === kid; })[0];
  }
  // → {state: "valid" | "refused" | "unknown", message, ticket}
  function check(value) {
    if (value.indexOf(PREFIX) !== 0) return Promise.resolve({ state: "unknown", message: messages.typed_offline });
    var ticket = parse(value);
    if (!ticket) return Promise.resolve({ state: "refused", final: true, message: messages.unreadable });
    var known = findKey(ticket.kid) ? Promise.resolve() : refreshKeys();
    return known.then(function () {
      var jwk = findKey(ticket.kid);
      if (!jwk) return { state: "unknown", message: messages.unknown_key, ticket: ticket };
      return verifySignature(ticket, jwk).then(function (genuine) {
        if (genuine === null) return { state: "unknown", message: messages.cannot_check };
        if (!genuine) return { state: "refused", final: true, message: messages.forged };
        var day = frenchDay(ticket.day);
        if (Date.now() >= ticket.expires) return { state: "refused", message: say(messages.expired, { day: day }) };
        if (ticket.station !== config.station) return { state: "refused", message: messages.other_station };
        if (ticket.day !== tunisToday()) return { state: "refused", message: say(messages.other_day, { day: day }) };
        return { state: "valid", ticket: ticket };
      });
    });
  }

  // --- Without a network: decide here, keep for the server ---------------------------------
  function pending() { return read(PENDING, []); }
  // The tickets this phone saw boarded today (online or synced): not twice, even offline.
  function boarded() {
    var seen = read(BOARDED, {});
    return seen.day === tunisToday() ? seen.codes || [] : [];
  }
  function rememberBoarded(code) {
    var codes = boarded();
    if (codes.indexOf(code) < 0) codes.push(code);
    write(BOARDED, { day: tunisToday(), codes: codes });
  }
  function showPending() {
    var count = pending().length;
    pendingBox.hidden = count === 0;
    pendingBox.textContent = count ? say(messages.pending, { n: count }) : "";
  }
  function decideOffline(value, local) {
    if (local.state !== "valid") return show(local.message, false);
    var ticket = local.ticket, queue = pending();
    if (boarded().indexOf(ticket.code) >= 0) {
      return show(say(messages.boarded_here, { code: ticket.code }), false);
    }
    if (queue.some(function (item) { return item.code === ticket.code; })) {
      return show(say(messages.scanned_offline, { code: ticket.code }), false);
    }
    queue.push({ token: value, code: ticket.code, scanned_at: Date.now() });
    write(PENDING, queue);
    var trip = config.departures[String(ticket.trip)] || say(messages.some_trip, { id: ticket.trip });
    var sentence = messages.valid_offline[String(ticket.seats)] || messages.valid_offline["2"];
    show(say(sentence, { trip: trip, seats: ticket.seats, code: ticket.code }), true, true);
    showPending();
  }

  // --- Back online: the server boards (or refuses) each kept ticket ------------------------
  var syncing = false;
  function csrf() { return form.querySelector("input[name=csrfmiddlewaretoken]").value; }
  function logSynced(text, ok) {
    var li = document.createElement("li");
    li.className = ok ? "ok" : "ko";
    li.dataset.ok = ok ? "1" : "0";
    li.textContent = say(messages.synced, { message: text });
    syncedList.prepend(li);
  }
  function sync() {
    var queue = pending();
    if (syncing || !queue.length || !navigator.onLine) return;
    syncing = true;
    var item = queue[0], body = new FormData();
    body.append("code", item.token);
    // Checked and let on board while offline: a later departure's ticket was already accepted.
    body.append("confirm", "1");
    window.fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrf() },
    }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      var answer = new DOMParser().parseFromString(html, "text/html").querySelector("[data-testid=check-in-result]");
      if (!answer) { pendingBox.textContent = messages.sync_login; throw new Error("login"); }
      logSynced(answer.textContent.trim(), answer.dataset.ok === "1");
      if (answer.dataset.ok === "1") rememberBoarded(item.code);
      write(PENDING, pending().filter(function (p) { return p.token !== item.token; }));
      showPending();
      syncing = false;
      sync();
    }).catch(function () { syncing = false; });
  }

  // --- The form: check first, then the server when it can be reached -----------------------
  var lastCheck = null;
  form.addEventListener("htmx:confirm", function (event) {
    if (event.target !== form) return;
    event.preventDefault();
    var value = input.value.trim();
    check(value).then(function (local) {
      lastCheck = { value: value, local: local };
      // A forged or unreadable token is refused the same everywhere: no need to ask. The
      // rest (station, day, expiry, a second boarding) the server decides when it answers.
      if (local.final) return show(local.message, false);
      if (!navigator.onLine) return decideOffline(value, local);
      event.detail.issueRequest(true);
    });
  });
  function serverUnreachable() {
    if (lastCheck) decideOffline(lastCheck.value, lastCheck.local);
  }
  form.addEventListener("htmx:sendError", serverUnreachable);
  form.addEventListener("htmx:timeout", serverUnreachable);
  document.addEventListener("htmx:afterSwap", function () {
    var answer = resultBox.querySelector("[data-testid=check-in-result]");
    if (answer && answer.dataset.ok === "1" && lastCheck) {
      var typed = /^[A-Za-z0-9]{8}$/.test(lastCheck.value) ? lastCheck.value.toUpperCase() : null;
      var code = lastCheck.local.ticket ? lastCheck.local.ticket.code : typed;
      if (code) rememberBoarded(code);
    }
    input.value = "";
    input.focus();
  });
  window.addEventListener("online", sync);
  window.setInterval(sync, 30000);

  refreshKeys().then(sync);
  showPending();
})();
