// The page scripts' words in the staff member's language: window.t(text) gives the translation the
// page carries (base.html, from the js*.po catalogs), or the English. Loaded before every other script.
(function () {
  "use strict";
  var strings = {};
  var data = document.getElementById("smsbot-strings");
  if (data) {
    try { strings = JSON.parse(data.textContent); } catch (e) { strings = {}; }
  }
  // window.t(text, {n: 3}) fills %(n)s: placeholders as in the Python catalogs.
  window.t = function (text, values) {
    var out = Object.prototype.hasOwnProperty.call(strings, text) ? strings[text] : text;
    if (values) {
      out = out.replace(/%\((\w+)\)s/g, function (all, name) {
        return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
      });
    }
    return out;
  };
})();
