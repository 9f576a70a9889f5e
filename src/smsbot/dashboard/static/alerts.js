// The Alerts page (pages_alerts.py), a shift's to-do list. Without this script the page works as is;
// with it: the list refreshes in the background (X-Background: 1, so an idle session still ends),
// ages ("12 min ago") keep counting on the app's clock, the open count shows in the tab title, an
// opt-in browser notification says that a new alert came (never whose), and a revealed number can be
// copied and hides itself again after its time. Its words come through window.t (static/i18n.js).
(function () {
  "use strict";
  var t = window.t || function (text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) { return values && name in values ? values[name] : all; });
  };
  var box = document.querySelector("[data-alerts-refresh]");
  if (!box) return;
  var url = box.getAttribute("data-alerts-refresh");
  var every = parseInt(box.getAttribute("data-every") || "30", 10) * 1000;
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var skew = 0; // the app's clock minus this browser's: ages follow the server
  var known = null; // open alert ids last seen, to notice new ones
  var NOTIFY_KEY = "smsbot-notify-alerts";

  function list() { return box.querySelector(".alerts-list"); }

  function readServerClock() {
    var l = list();
    var now = l ? Date.parse(l.getAttribute("data-now")) : NaN;
    if (!isNaN(now)) skew = now - Date.now();
  }

  function ageWords(seconds) {
    // The same words as dashboard/ages.py, so a refreshed age reads as the server wrote it.
    if (seconds < 60) return t("just now");
    if (seconds < 3600) return t("%(n)s min ago", { n: Math.floor(seconds / 60) });
    if (seconds < 86400) return t("%(n)s h ago", { n: Math.floor(seconds / 3600) });
    var days = Math.floor(seconds / 86400);
    return days === 1 ? t("%(num)s day ago", { num: 1 }) : t("%(num)s days ago", { num: days });
  }

  function updateAges() {
    var now = Date.now() + skew;
    document.querySelectorAll("time[data-age]").forEach(function (time) {
      var at = Date.parse(time.getAttribute("datetime"));
      if (!isNaN(at)) time.textContent = ageWords(Math.max(0, Math.floor((now - at) / 1000)));
    });
  }

  function openIds() {
    var l = list();
    return l ? (l.getAttribute("data-open-ids") || "").split(",").filter(Boolean) : [];
  }

  function showCount() {
    var l = list();
    if (!l) return;
    // Counted from the page itself: an alert acknowledged in place is no longer open.
    var open = box.querySelectorAll("ul[aria-labelledby='open-heading'] > li.alert.open").length;
    l.setAttribute("data-open-count", String(open));
    document.title = (open ? "(" + open + ") " : "") + baseTitle;
    var count = box.querySelector("#open-heading .count");
    var words = t("%(n)s open", { n: open });
    // Only when it differs: this runs on every change in the list, this change included.
    if (count && count.textContent !== words) count.textContent = words;
  }

  function noticeNew() {
    var ids = openIds();
    if (known !== null && ids.some(function (id) { return known.indexOf(id) < 0; })) notify(ids.length);
    known = ids;
  }

  function notificationsOn() {
    return "Notification" in window && Notification.permission === "granted" &&
      window.localStorage.getItem(NOTIFY_KEY) === "on";
  }

  function notify(open) {
    if (!notificationsOn()) return;
    // Discreet on a lock screen: no nickname, no kind; the page says the rest.
    new Notification(t("A new alert needs you"), { body: t("%(n)s open", { n: open }), tag: "smsbot-alerts" });
  }

  function busy() {
    // Never replace what someone is reading or typing: a shown number, an open choice, a focused field.
    var active = document.activeElement;
    return box.querySelector(".revealed") || box.querySelector("details[open]") ||
      (active && active !== document.body && box.contains(active));
  }

  function refresh(force) {
    if (!force && (document.hidden || busy())) return;
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch", "X-Background": "1" } })
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) return;
        box.innerHTML = html;
        settle();
      })
      .catch(function () {});
  }

  function armReveals() {
    box.querySelectorAll(".revealed[data-hide-after]:not([data-armed])").forEach(function (shown) {
      shown.setAttribute("data-armed", "1");
      var seconds = parseInt(shown.getAttribute("data-hide-after"), 10) || 180;
      window.setTimeout(function () {
        var note = document.createElement("p");
        note.className = "hint";
        note.setAttribute("role", "status");
        note.textContent = t("The number is hidden again.");
        shown.replaceWith(note);
        refresh(true); // the card offers "call back" again
      }, seconds * 1000);
    });
  }

  function settle() {
    readServerClock();
    armReveals();
    showCount();
    noticeNew();
    updateAges();
  }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest && event.target.closest("button[data-copy]");
    if (!copy || !navigator.clipboard) return;
    navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
      copy.textContent = t("Copied");
    });
  });

  var button = document.getElementById("notify-me");
  var state = document.getElementById("notify-state");
  if (button && "Notification" in window && window.localStorage) {
    var label = function () {
      button.hidden = Notification.permission === "denied";
      button.textContent = notificationsOn() ? t("Stop notifications") : t("Notify me of new alerts");
    };
    button.addEventListener("click", function () {
      if (notificationsOn()) {
        window.localStorage.removeItem(NOTIFY_KEY);
        state.textContent = t("Notifications are off.");
        label();
        return;
      }
      Notification.requestPermission().then(function (permission) {
        if (permission === "granted") {
          window.localStorage.setItem(NOTIFY_KEY, "on");
          state.textContent = t("This browser will tell you when a new alert comes, while this page is open.");
        } else {
          state.textContent = t("This browser blocks notifications for this site.");
        }
        label();
      });
    });
    label();
  }

  // A card swapped in place (acknowledged, or its number shown) changes the count and may need a timer.
  new MutationObserver(function () { armReveals(); showCount(); }).observe(box, { childList: true, subtree: true });
  settle();
  window.setInterval(function () { refresh(false); }, every);
  window.setInterval(updateAges, 30000);
})();
