// Reads ticket QR codes with the camera where the browser has BarcodeDetector; the typed
// reference always works. Each decoded code is submitted once.
(function () {
  "use strict";
  var start = document.getElementById("start-camera");
  var stop = document.getElementById("stop-camera");
  var box = document.getElementById("scanner");
  var video = document.getElementById("camera");
  var input = document.getElementById("code");
  var form = document.getElementById("check-in-form");
  if (!start || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
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
  document.addEventListener("htmx:afterSwap", function () { input.value = ""; input.focus(); });
})();
