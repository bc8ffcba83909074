// The planning form: the vehicles follow the chosen origin (admins), and the price starts at
// the route's usual price once origin and destination are known — unless it was typed.
(function () {
  "use strict";
  var form = document.querySelector("form[data-trip-form]");
  if (!form) return;
  var origin = form.querySelector("select[name=origin_id]");
  var destination = form.querySelector("select[name=destination_id]");
  var vehicle = form.querySelector("select[name=vehicle_id]");
  var price = form.querySelector("input[name=price_dt]");
  var typed = form.hasAttribute("data-editing") || (price && price.value !== "");
  if (price) price.addEventListener("input", function () { typed = price.value !== ""; });

  function refresh(reloadVehicles) {
    var params = new URLSearchParams();
    if (origin && origin.value) params.set("origin_id", origin.value);
    if (destination && destination.value) params.set("destination_id", destination.value);
    fetch(form.dataset.optionsUrl + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (reloadVehicles && vehicle) {
          var keep = vehicle.value;
          while (vehicle.options.length > 1) vehicle.remove(1);
          data.vehicles.forEach(function (v) { vehicle.add(new Option(v.label, v.id, false, String(v.id) === keep)); });
        }
        if (price && !typed && data.price_dt) price.value = data.price_dt;
      })
      .catch(function () {});
  }
  if (origin) origin.addEventListener("change", function () { refresh(true); });
  if (destination) destination.addEventListener("change", function () { refresh(false); });
})();
