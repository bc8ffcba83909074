// The installable app (louage/core/pwa.py): registers the service worker, keeps only the
// signed-in person's offline copies (all of them go at logout), and says when a page is the
// phone's copy read without a network. Settings come from this script tag's data attributes.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var config = me.dataset;
  var PAGES = "louage-pages-";

  // Delete the kept pages of every namespace but `keep` ("" at logout: all of them), from the
  // page itself (no need to wait for the worker) and in the worker.
  function forget(keep) {
    var here = window.caches ? window.caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PAGES) === 0 && name !== PAGES + keep;
      }).map(function (name) { return window.caches.delete(name); }));
    }) : Promise.resolve();
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (worker) worker.postMessage({ type: "forget", keep: keep });
    return here.catch(function () {});
  }

  if ("serviceWorker" in navigator) {
    var firstVisit = !navigator.serviceWorker.controller;
    navigator.serviceWorker.register(config.worker, { scope: "/" }).catch(function () {});
    forget(config.cache);
    // This page came before the worker: ask it to keep the page, so one visit is enough.
    if (firstVisit) {
      navigator.serviceWorker.ready.then(function (registration) {
        if (registration.active) registration.active.postMessage({ type: "keep", url: window.location.href });
      });
    }
  }

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  onReady(function () {
    // Logout: the copies go before the form leaves (the server also sends Clear-Site-Data).
    document.querySelectorAll("form[action='" + config.logout + "']").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.forgotten) return;
        event.preventDefault();
        form.dataset.forgotten = "1";
        var go = function () { form.submit(); };
        Promise.race([forget(""), new Promise(function (done) { window.setTimeout(done, 1500); })]).then(go, go);
      });
    });

    // "Hors ligne · dernière mise à jour …" while there is no network.
    var note = document.createElement("p");
    note.className = "flash flash-info offline-note";
    note.setAttribute("role", "status");
    note.dataset.testid = "offline-note";
    note.textContent = config.offlineNote;
    note.hidden = navigator.onLine !== false && !config.servedOffline;
    var main = document.getElementById("main");
    if (main) main.insertBefore(note, main.firstChild);
    window.addEventListener("offline", function () { note.hidden = false; });
    window.addEventListener("online", function () { note.hidden = true; });
  });
})();
