// Station maps (Leaflet, served by the app). Markers are drawn by the app itself, so they
// show when the tile server is off (MAP_TILE_URL empty) or unreachable. In "place" mode a
// click, or dragging the marker, fills the form's latitude and longitude.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var L = window.L;
  var data = document.getElementById("map-points");
  var points = data ? JSON.parse(data.textContent) : [];
  var map = L.map(el, { scrollWheelZoom: false });
  var tileUrl = el.dataset.tileUrl;

  function note(text) {
    if (el.querySelector(".map-note")) return;
    var p = document.createElement("p");
    p.className = "map-note";
    p.textContent = text;
    el.appendChild(p);
  }
  if (tileUrl) {
    var tiles = L.tileLayer(tileUrl, { attribution: el.dataset.attribution, maxZoom: 18 });
    tiles.on("tileerror", function () { el.classList.add("map-tiles-down"); note(el.dataset.tilesDown); });
    tiles.addTo(map);
  } else {
    el.classList.add("map-no-tiles");
  }

  var pin = L.divIcon({ className: "map-pin", iconSize: [18, 18], iconAnchor: [9, 9], popupAnchor: [0, -10] });
  var latlngs = [];
  points.forEach(function (p) {
    var marker = L.marker([p.lat, p.lng], { icon: pin, title: p.name, alt: p.name, keyboard: true });
    var link = document.createElement("a");
    link.href = el.dataset.stationUrl.replace("/0/", "/" + p.id + "/");
    link.textContent = p.name;
    var box = document.createElement("div");
    box.appendChild(link);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(p.city));
    marker.bindPopup(box);
    marker.addTo(map);
    latlngs.push([p.lat, p.lng]);
  });

  var lat = document.getElementById("id_latitude");
  var lng = document.getElementById("id_longitude");
  var placed = null;
  function fromInputs() {
    var a = parseFloat(lat && lat.value), b = parseFloat(lng && lng.value);
    return isFinite(a) && isFinite(b) ? L.latLng(a, b) : null;
  }
  function place(latlng, fill) {
    if (!placed) {
      placed = L.marker(latlng, {
        icon: L.divIcon({ className: "map-pin map-pin-new", iconSize: [22, 22], iconAnchor: [11, 11] }),
        draggable: true, title: "", keyboard: true
      }).addTo(map);
      placed.on("dragend", function () { place(placed.getLatLng(), true); });
    } else {
      placed.setLatLng(latlng);
    }
    el.dataset.placed = latlng.lat.toFixed(6) + "," + latlng.lng.toFixed(6);
    if (fill && lat && lng) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
    }
  }
  if (el.dataset.mode === "place") {
    var start = fromInputs();
    if (start) { place(start, false); latlngs.push([start.lat, start.lng]); }
    map.on("click", function (ev) { place(ev.latlng, true); });
    [lat, lng].forEach(function (input) {
      if (input) input.addEventListener("change", function () { var p = fromInputs(); if (p) { place(p, false); map.panTo(p); } });
    });
  }

  if (latlngs.length > 1) map.fitBounds(L.latLngBounds(latlngs), { padding: [24, 24], maxZoom: 13 });
  else if (latlngs.length === 1) map.setView(latlngs[0], 13);
  else map.setView([34.4, 9.6], 6);  // Tunisia
  el.dataset.ready = "1";
})();
