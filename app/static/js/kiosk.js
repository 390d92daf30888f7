// The kiosk: the code box stays ready for a USB scanner (it types the code and Enter); where
// the browser has BarcodeDetector, the camera reads the QR from the visitor's phone.
(function () {
  "use strict";
  var box = document.getElementById("code");
  if (box) { box.focus(); }
  var button = document.getElementById("scan");
  var video = document.getElementById("camera");
  if (!button || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var look = function () {
        detector.detect(video).then(function (found) {
          if (found.length) {
            stream.getTracks().forEach(function (track) { track.stop(); });
            box.value = found[0].rawValue;
            box.form.submit();
          } else {
            window.requestAnimationFrame(look);
          }
        }).catch(function () { window.requestAnimationFrame(look); });
      };
      look();
    }).catch(function () { button.hidden = true; });
  });
})();
