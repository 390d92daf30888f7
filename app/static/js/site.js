// Every page: move focus to what the person must read first (an error summary, a new state),
// so a screen reader announces it and the keyboard continues from there.
(function () {
  "use strict";
  var target = document.querySelector("[data-autofocus]");
  if (target) {
    target.focus();
  }
})();
