// Drug alerts (supply_alert.html): as staff type an alert, its numbers (encoding, segments, reading
// grade) and the checker's problems (a report's own words, slang carriers filter, numbers) are asked of
// the server (POST /supply/alerts/<id>/check: the same checks as "Save and check", nothing saved) and
// shown under each text. Without script, "Save and check" does the same with a page load.
(function () {
  "use strict";
  var form = document.getElementById("supply-editor");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-check-url");
  var token = document.querySelector('meta[name="csrf-token"]');
  var timer = null;
  var asked = 0;

  function show(report) {
    Object.keys(report.parts).forEach(function (name) {
      var part = report.parts[name];
      var hint = document.getElementById(name + "-hint");
      if (hint && part.meta && hint.textContent !== part.meta) hint.textContent = part.meta;
      var list = document.getElementById(name + "-problems");
      if (!list) return;
      list.textContent = "";
      part.problems.forEach(function (problem) {
        var item = document.createElement("li");
        item.className = "problem";
        item.textContent = problem;
        list.appendChild(item);
      });
    });
  }

  function check() {
    var mine = ++asked;
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": token ? token.getAttribute("content") : "" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (report) {
      if (report && mine === asked) show(report); // only the answer to the latest question
    }).catch(function () {});
  }

  form.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA" && event.target.name !== "languages") return;
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 300);
  });
})();
