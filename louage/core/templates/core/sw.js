{% autoescape off %}// Louage's service worker (served at /sw.js by louage.core.pwa, scope "/").
// - Static files: served from the cache, refreshed in the background.
// - Pages: the network first; a page the server marks (X-Offline-Copy: <namespace>) is kept in
//   the cache "louage-pages-<namespace>" (one per signed-in user, see louage/core/offline.py);
//   offline, the kept copy is shown, else the offline page in the last language seen.
// - Never touched: anything but GET, other origins, the API, accounts, admin, media.
"use strict";
const CONFIG = {{ config }};
const STATIC = "louage-static-" + CONFIG.version;
const PAGES = "louage-pages-";
const LANGUAGE = "/__louage/language";
const BYPASS = ["/api/", "/accounts/", "/django-admin/", "/i18n/", "/media/", "/metrics", "/sw.js", "/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC)
      .then((cache) => cache.addAll(CONFIG.precache.concat(Object.values(CONFIG.offline))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names
        .filter((name) => name.startsWith("louage-static-") && name !== STATIC)
        .map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

function forgetPages(keep) {
  return caches.keys().then((names) => Promise.all(names
    .filter((name) => name.startsWith(PAGES) && name !== PAGES + keep)
    .map((name) => caches.delete(name))));
}

// The page asks to forget other people's (or, at logout, all) kept pages; or, on the first
// visit (loaded before this worker ran), to keep the page it shows.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  let done = null;
  if (data.type === "forget") {
    done = forgetPages(data.keep || "");
  } else if (data.type === "keep" && typeof data.url === "string") {
    const url = new URL(data.url, self.location.origin);
    if (url.origin !== self.location.origin || BYPASS.some((prefix) => url.pathname.startsWith(prefix))) return;
    done = fetch(url.href, { credentials: "same-origin" }).then((response) => keep(url, response)).catch(() => null);
  }
  if (!done) return;
  event.waitUntil(done);
  if (event.ports && event.ports[0]) done.then(() => event.ports[0].postMessage("done"));
});

function staleWhileRevalidate(event) {
  const request = event.request;
  return caches.open(STATIC).then((cache) => cache.match(request).then((kept) => {
    const fresh = fetch(request).then((response) => {
      if (response.ok) cache.put(request, response.clone());
      return response;
    });
    if (kept) {
      event.waitUntil(fresh.catch(() => null));
      return kept;
    }
    return fresh;
  }));
}

function keptPage(request) {
  const url = new URL(request.url);
  return caches.keys().then((names) => {
    const pages = names.filter((name) => name.startsWith(PAGES));
    // The exact page first, then the last one kept under its path (the last search).
    const lookups = [];
    pages.forEach((name) => lookups.push([name, url.href, false]));
    pages.forEach((name) => lookups.push([name, url.origin + url.pathname, true]));
    return lookups.reduce((found, [name, key, ignoreSearch]) => found.then((hit) => hit ||
      caches.open(name).then((cache) => cache.match(key, { ignoreVary: true, ignoreSearch: ignoreSearch }))),
    Promise.resolve(undefined));
  });
}

function offlinePage() {
  return caches.open(STATIC).then((cache) => cache.match(LANGUAGE)
    .then((kept) => (kept ? kept.text() : ""))
    .then((language) => cache.match(CONFIG.offline[language] || CONFIG.offline.fr)))
    .then((page) => page || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } }));
}

// Keep what the server allows of a page answer, and the language it was written in.
function keep(url, response) {
  const work = [];
  const language = response.headers.get("Content-Language");
  if (language && CONFIG.offline[language]) {
    work.push(caches.open(STATIC).then((cache) => cache.put(LANGUAGE, new Response(language))));
  }
  const namespace = response.headers.get("X-Offline-Copy");
  if (namespace && response.ok && !response.redirected) {
    const key = response.headers.get("X-Offline-Key");
    const copy = response.clone();
    work.push(caches.open(PAGES + namespace)
      .then((cache) => cache.put(key ? url.origin + key : url.href, copy)));
  }
  return Promise.all(work);
}

function networkFirst(event) {
  const request = event.request;
  return fetch(request).then((response) => {
    event.waitUntil(keep(new URL(request.url), response));
    return response;
  }).catch(() => keptPage(request).then((kept) => (kept ? asKeptCopy(kept) : offlinePage())));
}

// Mark the copy for pwa.js (data-served-offline), which then shows "Hors ligne · dernière mise
// à jour …": navigator.onLine alone is not always false when the network is gone.
function asKeptCopy(kept) {
  return kept.text().then((html) => new Response(
    html.replace("data-offline-note=", 'data-served-offline="1" data-offline-note='),
    { status: kept.status, statusText: kept.statusText, headers: kept.headers },
  ));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (BYPASS.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staleWhileRevalidate(event));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(event));
  }
});

{% include "core/sw_push.js" %}
{% endautoescape %}
