// smsbot dashboard: a little vanilla JavaScript, only to make things quicker; every page works without it.
// - forms with data-confirm ask first;
// - forms with data-inline="#target" post in the background and swap the target with the answer (one-click ack);
// - an element with data-refresh="/url" reloads its content every data-every seconds, without
//   extending the session (X-Background: 1), so a page left open still times out.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var target = form.getAttribute("data-inline");
    if (!target || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": csrfToken() }
    }).then(function (response) {
      if (response.status === 401) { window.location.reload(); return null; }
      if (!response.ok) throw new Error("status " + response.status);
      return response.text();
    }).then(function (html) {
      if (html === null) return;
      var old = document.querySelector(target);
      if (!old) return;
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.firstElementChild;
      old.replaceWith(fresh);
      var status = fresh.querySelector(".done");
      if (status) { status.setAttribute("tabindex", "-1"); status.focus(); }
    }).catch(function () {
      form.removeAttribute("data-inline");
      form.submit(); // fall back to an ordinary post
    });
  });

  function refresh(element) {
    var url = element.getAttribute("data-refresh");
    var seconds = parseInt(element.getAttribute("data-every") || "30", 10);
    window.setInterval(function () {
      if (document.hidden || element.contains(document.activeElement)) return;
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch", "X-Background": "1" } })
        .then(function (response) {
          if (response.status === 401) { window.location.reload(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) { if (html !== null) element.innerHTML = html; })
        .catch(function () {});
    }, seconds * 1000);
  }

  document.querySelectorAll("[data-refresh]").forEach(refresh);
})();

// Forms that help (_form_errors.html): a link in the error summary focuses its field (or the first box
// of a fieldset) and scrolls its label into view, so the question is seen with the field.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var field = target.matches("input, select, textarea, button") ? target
      : target.querySelector("input, select, textarea, button");
    if (!field) return;
    event.preventDefault();
    var label = target.tagName === "FIELDSET" ? target.querySelector("legend")
      : document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();

// Participants (_participant_fields.html): ticking a day chooses "Only on these days".
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("fieldset.days input[name='days']") || !box.checked) return;
    var some = box.form && box.form.querySelector("input[name='days_mode'][value='some']");
    if (some) some.checked = true;
  });
})();
