// CSRF token for every state change a page makes (see kilnguard/api/browser.py).
// The server puts the session's token in <meta name="csrf-token"> and in a hidden
// `csrf_token` field of each form; this script also adds the field to any form that lacks it
// and sends the token as the X-CSRF-Token header with every htmx request.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  if (!token) { return; }
  function field(form) {
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
    if (form.querySelector('input[name="csrf_token"]')) { return; }
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "csrf_token";
    input.value = token;
    form.insertBefore(input, form.firstChild);  // before any file: the server reads it first
  }
  document.addEventListener("submit", function (ev) {
    if (ev.target instanceof HTMLFormElement) { field(ev.target); }
  }, true);
  document.addEventListener("htmx:configRequest", function (ev) {
    ev.detail.headers["X-CSRF-Token"] = token;
  });
})();
