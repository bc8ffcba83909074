// Web Push: the task worker sends {title, body, url, tag} (louage/notifications/push.py).
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data && event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Louage", {
    body: data.body || "",
    tag: data.tag,
    icon: CONFIG.icon,
    badge: CONFIG.icon,
    data: { url: data.url || "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    const open = windows.find((client) => client.url === target.href);
    return open ? open.focus() : self.clients.openWindow(target.href);
  }));
});
