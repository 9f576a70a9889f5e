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
    // The clicked button's name and value are part of what was asked ("reached them", "no answer"):
    // read them before any button is disabled (a disabled button is left out of the form's data).
    var submitter = event.submitter || lastClicked(form);
    var body = formData(form, submitter);
    var button = form.querySelector("button");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: body,
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
      if (button) button.disabled = false;
      if (submitter && submitter.name) { // form.submit() sends no button: carry its value along
        var carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = submitter.name;
        carried.value = submitter.value;
        form.appendChild(carried);
      }
      form.submit(); // fall back to an ordinary post
    });
  });

  // Browsers without SubmitEvent.submitter: remember the submit button last clicked in each form.
  document.addEventListener("click", function (event) {
    var clicked = event.target.closest && event.target.closest("button, input[type=submit]");
    if (clicked && clicked.form && (clicked.type || "submit") === "submit") clicked.form._clicked = clicked;
  }, true);

  function lastClicked(form) {
    return form._clicked && form.contains(form._clicked) ? form._clicked : null;
  }

  function formData(form, submitter) {
    var data;
    try {
      data = new FormData(form, submitter || undefined);
    } catch (error) { // an old browser refusing the second argument
      data = new FormData(form);
    }
    // Browsers that ignore the second argument leave the button out: add it once.
    if (submitter && submitter.name && data.getAll(submitter.name).indexOf(submitter.value) < 0) {
      data.append(submitter.name, submitter.value);
    }
    return data;
  }

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

// A revealed number outside the Alerts list (a participant's own page, reveal.html): it can be copied and
// hides itself again after its time, as on an alert's card (there, alerts.js does the same).
(function () {
  "use strict";
  var t = window.t || function (text) { return text; };
  function ours(element) { return !element.closest("[data-alerts-refresh]"); }
  document.querySelectorAll(".revealed[data-hide-after]").forEach(function (shown) {
    if (!ours(shown)) return;
    var seconds = parseInt(shown.getAttribute("data-hide-after"), 10) || 180;
    window.setTimeout(function () {
      var note = document.createElement("p");
      note.className = "hint";
      note.setAttribute("role", "status");
      note.textContent = t("The number is hidden again.");
      shown.replaceWith(note);
    }, seconds * 1000);
  });
  document.addEventListener("click", function (event) {
    var copy = event.target.closest && event.target.closest("button[data-copy]");
    if (!copy || !ours(copy) || !navigator.clipboard) return;
    navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
      copy.textContent = t("Copied");
    });
  });
})();
