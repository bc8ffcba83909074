// Web Push on the notifications page: the browser subscribes with the site's VAPID public key
// and the subscription is kept by the server (louage/notifications/views.py), which then sends
// the user's notifications through the task worker. Shown only where the browser can do it.
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  function keyBytes(base64url) {
    var b64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = window.atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  onReady(function () {
    var box = document.getElementById("push-box");
    if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
    var config = box.dataset;
    function show(state) {
      box.hidden = false;
      box.querySelectorAll("[data-push-state]").forEach(function (p) { p.hidden = p.dataset.pushState !== state; });
    }
    function post(url, subscription) {
      return window.fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrf },
        body: JSON.stringify(subscription),
      }).then(function (r) { if (!r.ok) throw new Error(r.status); });
    }
    navigator.serviceWorker.ready.then(function (registration) {
      if (window.Notification.permission === "denied") { show("denied"); return; }
      registration.pushManager.getSubscription().then(function (current) { show(current ? "on" : "off"); });
      box.querySelector("[data-push=on]").addEventListener("click", function () {
        window.Notification.requestPermission().then(function (permission) {
          if (permission !== "granted") { show(permission === "denied" ? "denied" : "off"); return null; }
          return registration.pushManager.subscribe({
            userVisibleOnly: true, applicationServerKey: keyBytes(config.publicKey),
          }).then(function (subscription) { return post(config.subscribe, subscription.toJSON()); })
            .then(function () { show("on"); });
        }).catch(function () { show("off"); });
      });
      box.querySelector("[data-push=off]").addEventListener("click", function () {
        registration.pushManager.getSubscription().then(function (subscription) {
          if (!subscription) return null;
          var data = subscription.toJSON();
          return subscription.unsubscribe().then(function () { return post(config.unsubscribe, data); });
        }).catch(function () {}).then(function () { show("off"); });
      });
    });
  });
})();
