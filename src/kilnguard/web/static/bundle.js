// Bundle import pages (templates/bundle): refuse a file over the size limit before uploading
// it, and follow a running check or import. A file, not an inline script: the pages keep the
// strict Content-Security-Policy.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (form) {
    form.addEventListener("submit", function (ev) {
      var input = form.querySelector("input[type=file]"), max = Number(form.dataset.maxBytes);
      var f = input.files && input.files[0], out = document.getElementById("upload-error");
      if (f && f.size > max) {
        ev.preventDefault();
        out.textContent = "file: the file is too large (" + Math.round(f.size / 1048576) +
          " MB): a bundle may have at most " + Math.round(max / 1048576) + " MB";
        out.hidden = false;
      }
    });
  }
  var box = document.getElementById("progress");
  if (box && box.dataset.job) {
    var id = box.dataset.job;
    var poll = function () {
      fetch("/api/v1/bundle/imports/" + id + "/progress", {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (p) {
          if (!p.running) { window.location.reload(); return; }
          document.getElementById("bar").value = p.fraction;
          document.getElementById("stage").textContent = p.stage;
          document.getElementById("count").textContent = p.total ? p.done + " / " + p.total : "";
          setTimeout(poll, 400);
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 300);
  }
})();
