// Session expiry (issue 12; base.html's session block, auth/sessions.py).
// 1. A warning two minutes before the session ends (30 idle minutes), with "Stay signed in".
// 2. Work is not lost: when a form is sent, what was typed (never a password, never a hidden field) is
//    kept in this tab's sessionStorage. If the session had ended, the sign-in page returns to that page
//    and the form is filled in again; any other page forgets it. Nothing goes in a URL but the path.
// Its words come through window.t (static/i18n.js; Spanish in js_core.po).
(function () {
  "use strict";
  var t = window.t || function (text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) { return values && name in values ? values[name] : all; });
  };
  var KEY = "smsbot:kept-form";
  var KEEP_MINUTES = 15;
  var SKIP = ["/signin", "/signin/code", "/signout", "/session/keep"];
  var warning = document.getElementById("session-warning");
  var staff = warning ? warning.getAttribute("data-staff") : null;

  function here() { return window.location.pathname + window.location.search; }
  function pathOf(url) { var a = document.createElement("a"); a.href = url; return a.pathname; }
  function read() {
    try { return JSON.parse(window.sessionStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function write(kept) {
    try { window.sessionStorage.setItem(KEY, JSON.stringify(kept)); } catch (e) { /* storage off */ }
  }
  function forget() { try { window.sessionStorage.removeItem(KEY); } catch (e) { /* storage off */ } }

  function typed(form) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "csrf_token") return;
      var type = (el.type || "").toLowerCase();
      if (["hidden", "password", "file", "submit", "button", "reset"].indexOf(type) >= 0) return;
      if (type === "checkbox" || type === "radio") {
        fields.push({ name: el.name, value: el.value, checked: el.checked });
      } else if (el.value !== "") {
        fields.push({ name: el.name, value: el.value });
      }
    });
    return fields;
  }

  function keepForm(form, stage) {
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return false;
    if (form.hasAttribute("data-no-keep") || SKIP.indexOf(pathOf(form.action)) >= 0) return false;
    var fields = typed(form);
    if (!fields.some(function (f) { return f.checked !== false; })) return false;
    write({ path: here(), action: pathOf(form.action), fields: fields, staff: staff, at: Date.now(), stage: stage });
    return true;
  }

  window.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) keepForm(event.target, "sent");
  });

  function restore(kept) {
    var form = Array.prototype.filter.call(document.forms, function (f) {
      return pathOf(f.action) === kept.action;
    })[0];
    if (!form) return;
    kept.fields.forEach(function (field) {
      var named = form.elements.namedItem(field.name);
      if (!named) return;
      var list = named.length !== undefined && !named.tagName ? Array.prototype.slice.call(named) : [named];
      list.forEach(function (el) {
        var type = (el.type || "").toLowerCase();
        if (type === "checkbox" || type === "radio") {
          if (el.value === field.value) el.checked = field.checked;
        } else if (["hidden", "password", "file"].indexOf(type) < 0) {
          el.value = field.value;
        }
      });
    });
    var note = document.createElement("p");
    note.className = "notice kept";
    note.setAttribute("role", "status");
    note.setAttribute("tabindex", "-1");
    note.textContent = t("You were signed out before this was sent. What you typed is back: check it, then send it again.");
    form.parentNode.insertBefore(note, form);
    note.focus();
  }

  // After the page loads: on the sign-in pages, say the form is kept and come back to its page after;
  // on that page, once signed in again (as the same person), fill the form in; anywhere else, forget.
  var kept = read();
  var signingIn = document.querySelector('form[action="/signin"], form[action="/signin/code"]');
  if (kept && Date.now() - kept.at > KEEP_MINUTES * 60000) { forget(); kept = null; }
  if (kept && signingIn) {
    kept.stage = "signing-in";
    write(kept);
    var next = signingIn.querySelector('input[name="next"]');
    if (next) next.value = kept.path;
    var said = document.getElementById("kept-note");
    if (said) said.hidden = false;
  } else if (kept) {
    if (kept.stage === "signing-in" && kept.path === here() && kept.staff === staff) restore(kept);
    forget();
  }

  // The warning: shown WARN seconds before the end; asks the server first (another tab may have kept
  // the session alive), and never extends the session by asking.
  if (!warning || !window.fetch) return;
  var WARN = parseInt(warning.getAttribute("data-warn") || "120", 10);
  var text = document.getElementById("session-warning-text");
  var button = warning.querySelector("button");
  var token = document.querySelector('meta[name="csrf-token"]');
  var endsAt = 0;
  var timer = null;

  function schedule(secondsLeft) {
    endsAt = Date.now() + secondsLeft * 1000;
    window.clearTimeout(timer);
    warning.hidden = true;
    timer = window.setTimeout(look, Math.max(0, (secondsLeft - WARN) * 1000));
  }

  function look() {
    fetch("/session", { credentials: "same-origin", headers: { "X-Requested-With": "fetch", "X-Background": "1" } })
      .then(function (response) { return response.ok ? response.json() : { expires_in: 0 }; })
      .then(function (answer) {
        if (answer.expires_in > WARN + 10) { schedule(answer.expires_in); return; }
        endsAt = Date.now() + answer.expires_in * 1000;
        tick();
      })
      .catch(function () { tick(); });
  }

  function tick() {
    var left = Math.round((endsAt - Date.now()) / 1000);
    warning.hidden = false;
    if (left <= 0) {
      text.textContent = t("You were signed out after 30 minutes without activity. What you typed here is kept: sign in again to go on.");
      button.textContent = t("Sign in again");
      warning.setAttribute("data-ended", "");
      return;
    }
    var minutes = Math.ceil(left / 60);
    text.textContent = minutes > 1
      ? t("You will be signed out in %(n)s minutes because nothing has happened here for a while. What you typed stays on this page.", { n: minutes })
      : t("You will be signed out in less than a minute because nothing has happened here for a while. What you typed stays on this page.");
    timer = window.setTimeout(tick, Math.min(15, left) * 1000);
  }

  warning.querySelector("form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (warning.hasAttribute("data-ended")) {
      Array.prototype.some.call(document.forms, function (f) { return keepForm(f, "signing-in"); });
      window.location.assign("/signin?next=" + encodeURIComponent(here()));
      return;
    }
    fetch("/session/keep", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": token ? token.getAttribute("content") : "" }
    }).then(function (response) {
      if (response.status === 401) { warning.setAttribute("data-ended", ""); endsAt = 0; tick(); return null; }
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer) schedule(answer.expires_in);
    }).catch(function () {});
  });

  schedule(parseInt(warning.getAttribute("data-expires-in") || "1800", 10));
})();
