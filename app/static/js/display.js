// The hall screen: Server-Sent Events (a call flashes its desk and shows the code large,
// with a short chime); polling every 5 s where EventSource is missing or keeps failing.
(function () {
  "use strict";
  var body = document.body;
  var desks = document.getElementById("desks");
  var waiting = document.getElementById("waiting");
  var banner = document.getElementById("call");
  var clock = document.getElementById("clock");
  var lastCall = null;

  function tick() {
    var now = new Date();
    var text = now.toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Almaty" });
    if (clock.textContent !== text) { clock.textContent = text; }
  }
  window.setInterval(tick, 1000);

  function chime() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { return; }
      var audio = new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.8);
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.8);
    } catch (e) { /* no sound: the flash is enough */ }
  }

  function render(state) {
    state.desks.forEach(function (d) {
      var item = desks.querySelector('[data-desk="' + d.desk + '"]');
      if (item) { item.querySelector("[data-code]").textContent = d.code || "—"; }
    });
    waiting.replaceChildren.apply(waiting, state.waiting.map(function (code) {
      var li = document.createElement("li"); li.textContent = code; return li;
    }));
  }

  function announce(call) {
    var item = desks.querySelector('[data-desk="' + call.desk + '"]');
    if (item) {
      item.querySelector("[data-code]").textContent = call.code;
      item.classList.remove("flash"); void item.offsetWidth; item.classList.add("flash");
    }
    banner.querySelector("[data-call-code]").textContent = call.code;
    banner.querySelector("[data-call-desk]").textContent = call.desk;
    banner.hidden = false;
    body.setAttribute("data-last-call", call.code);
    window.clearTimeout(announce.timer);
    announce.timer = window.setTimeout(function () { banner.hidden = true; }, 6000);
    chime();
  }

  function poll() {
    fetch(body.getAttribute("data-state"), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        render(state);
        var calls = state.calls || [];
        var newest = calls.length ? calls[calls.length - 1] : null;
        if (newest && lastCall !== null && newest.at !== lastCall) { announce(newest); }
        lastCall = newest ? newest.at : "";
      })
      .catch(function () { /* try again at the next tick */ });
  }

  function startPolling() {
    if (startPolling.started) { return; }
    startPolling.started = true;
    poll();
    window.setInterval(poll, 5000);
  }

  if (window.EventSource) {
    var failures = 0;
    var source = new EventSource(body.getAttribute("data-events"));
    source.addEventListener("open", function () { failures = 0; body.setAttribute("data-live", "sse"); });
    source.addEventListener("call", function (event) { announce(JSON.parse(event.data)); });
    source.addEventListener("queue", function (event) { render(JSON.parse(event.data)); });
    source.addEventListener("error", function () {
      failures += 1;
      if (failures >= 3) { source.close(); startPolling(); }
    });
  } else if (window.fetch) {
    startPolling();
  }
})();
