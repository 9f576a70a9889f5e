// The wording editor (wording_edit.html): as an admin types, the numbers under each box (encoding,
// characters, segments, reading grade) and the checker's problems are asked of the server
// (POST /wording/<key>/check, the same checks as the Check button) and shown. Without script, the
// Check button does the same with a page load.
(function () {
  "use strict";
  var form = document.getElementById("wording-editor");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-check-url");
  var token = document.querySelector('meta[name="csrf-token"]');
  var timer = null;
  var asked = 0;

  function show(report) {
    Object.keys(report.parts).forEach(function (name) {
      var part = report.parts[name];
      var meta = document.getElementById(name + "-meta");
      if (meta && meta.textContent !== part.meta) meta.textContent = part.meta;
      var list = document.getElementById(name + "-problems");
      if (list) {
        list.textContent = "";
        part.problems.forEach(function (problem) {
          var item = document.createElement("li");
          item.className = "problem";
          item.textContent = problem;
          list.appendChild(item);
        });
      }
      var box = meta && meta.parentElement;
      if (box) box.classList.toggle("bad", part.over || part.problems.length > 0);
    });
  }

  function check() {
    var mine = ++asked;
    var body = new FormData(form);
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": token ? token.getAttribute("content") : "" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (report) {
      if (report && mine === asked) show(report); // only the answer to the latest question
    }).catch(function () {});
  }

  form.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA") return;
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 300);
  });
})();
