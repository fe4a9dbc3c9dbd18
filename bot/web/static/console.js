// Muster console: small progressive enhancements, no framework. Pages work without it.
"use strict";
(function () {
  // Live delivery progress of a notice: poll until nothing is pending.
  document.querySelectorAll("[data-progress-url]").forEach(function (box) {
    var url = box.getAttribute("data-progress-url");
    // Delivery over: bring the per-unit table up to date too, without reloading the page.
    function refreshTable() {
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("per-unit");
          var old = document.getElementById("per-unit");
          if (fresh && old) { old.replaceWith(fresh); }
        });
    }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) { return; }
          box.querySelectorAll("[data-k]").forEach(function (el) {
            var k = el.getAttribute("data-k");
            if (k in p) { el.textContent = String(p[k]); }
          });
          var bar = box.querySelector(".track .done");
          if (bar) { bar.style.width = p.percent + "%"; }
          var pct = box.querySelector(".pct");
          if (pct) { pct.textContent = String(p.percent); }
          if (!p.done) { setTimeout(tick, 1000); return; }
          if (box.getAttribute("data-pending") !== "0") { refreshTable(); }
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    tick();
  });

  // Audience picker: head count and unreachable people before confirming.
  document.querySelectorAll("fieldset.audience").forEach(function (box) {
    var url = box.getAttribute("data-count-url");
    var csrf = box.getAttribute("data-csrf");
    var out = box.querySelector(".count");
    var timer = null;
    function count() {
      var body = new URLSearchParams();
      body.append("csrf", csrf);
      if (box.getAttribute("data-pledge")) { body.append("pledge", box.getAttribute("data-pledge")); }
      box.querySelectorAll("input[name=unit]:checked, input[name=role]:checked").forEach(function (el) {
        body.append(el.name, el.value);
      });
      var people = box.querySelector("input[name=people]");
      if (people) { body.append("people", people.value); }
      fetch(url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (j) { out.textContent = j.error || j.text || "0"; })
        .catch(function () { out.textContent = ""; });
    }
    box.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(count, 200); });
    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(count, 400); });
    count();
  });

  // Forms that need a second thought (unbind).
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // A submitted form cannot be sent twice by a double click.
  document.querySelectorAll("form[method=post]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (e.defaultPrevented) { return; }
      setTimeout(function () {
        f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
  // Work that takes a while (an import of 10,000 rows, an export of 100,000): show it runs.
  document.querySelectorAll("[data-busy]").forEach(function (el) {
    var start = function () {
      if (el.querySelector(".busy") || (el.nextSibling && el.nextSibling.className === "busy")) { return; }
      var note = document.createElement("p");
      note.className = "busy";
      note.appendChild(document.createElement("progress"));
      note.appendChild(document.createTextNode(" " + el.getAttribute("data-busy")));
      el.parentNode.insertBefore(note, el.nextSibling);
    };
    el.addEventListener(el.tagName === "FORM" ? "submit" : "click", start);
  });
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
