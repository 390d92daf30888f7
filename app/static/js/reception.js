// The desk: keep the search box ready for the next scan, refresh the counters, print.
(function () {
  "use strict";
  var box = document.getElementById("q");
  if (box && !document.querySelector("details[open]")) {
    box.focus();
  }
  var counters = document.getElementById("counters");
  if (counters && window.fetch) {
    var url = counters.getAttribute("data-url");
    var refresh = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (values) {
          if (!values) { return; }
          Object.keys(values).forEach(function (key) {
            var cells = counters.querySelectorAll('[data-counter="' + key + '"]');
            Array.prototype.forEach.call(cells, function (cell) {
              if (cell.textContent !== String(values[key])) {
                cell.textContent = String(values[key]);
              }
            });
          });
        })
        .catch(function () { /* offline for a moment: try again later */ });
    };
    window.setInterval(refresh, 10000);
  }
  var printLink = document.querySelector("[data-print]");
  if (printLink) {
    printLink.addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  }
})();
