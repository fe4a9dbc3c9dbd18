// The web chat page: posts messages and button presses, follows the log over SSE.
"use strict";
(function () {
  const body = document.body;
  const prefix = body.dataset.prefix;
  const csrf = body.dataset.csrf;
  const S = JSON.parse(document.getElementById("strings").textContent);
  const log = document.getElementById("log");
  const status = document.getElementById("status");
  const bubbles = new Map(); // message id -> element
  const seen = new Set(); // log positions shown
  let unread = 0;
  const ALLOWED = new Set(["B", "STRONG", "I", "EM", "U", "INS", "S", "STRIKE", "DEL", "CODE",
    "PRE", "A", "BLOCKQUOTE", "BR", "TG-SPOILER", "SPAN"]);

  function newId() {
    const a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // Telegram-HTML subset -> DOM, keeping only the allowed tags and safe links.
  function safe(html) {
    const doc = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html");
    function copy(node, into) {
      for (const child of Array.from(node.childNodes)) {
        if (child.nodeType === 3) { into.appendChild(document.createTextNode(child.data)); continue; }
        if (child.nodeType !== 1) continue;
        if (!ALLOWED.has(child.tagName)) { copy(child, into); continue; }
        const el = document.createElement(child.tagName === "TG-SPOILER" ? "span" : child.tagName);
        if (child.tagName === "A") {
          const href = child.getAttribute("href") || "";
          if (/^(https?:|mailto:|tel:)/i.test(href)) { el.href = href; el.rel = "noopener"; el.target = "_blank"; }
        }
        copy(child, el);
        into.appendChild(el);
      }
    }
    const out = document.createDocumentFragment();
    copy(doc.body.firstChild, out);
    return out;
  }

  function fill(el, entry) {
    el.replaceChildren(safe(entry.html || ""));
    if (entry.document) {
      const a = document.createElement("a");
      a.className = "doc";
      a.href = prefix + "/api/doc/" + entry.pos;
      a.download = entry.document;
      a.textContent = "⬇ " + S["webchat-download"] + " " + entry.document;
      el.appendChild(a);
    }
    for (const row of entry.buttons || []) {
      const div = document.createElement("div");
      div.className = "row";
      for (const b of row) {
        const btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.label;
        btn.addEventListener("click", () => press(entry.id, b.action));
        div.appendChild(btn);
      }
      el.appendChild(div);
    }
  }

  function show(entry) {
    if (seen.has(entry.pos)) return;
    seen.add(entry.pos);
    let el = bubbles.get(entry.id);
    if (entry.kind === "edit" && el) { fill(el, entry); return; }
    el = document.createElement("div");
    el.className = "bubble";
    bubbles.set(entry.id, el);
    fill(el, entry);
    log.appendChild(el);
    el.scrollIntoView({ block: "end" });
    if (document.hidden) { unread += 1; title(); }
  }

  function title() {
    const base = S["webchat-title"];
    document.title = unread ? "(" + unread + ") " + base : base;
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) { unread = 0; title(); } });

  function mine(text) {
    const el = document.createElement("div");
    el.className = "bubble mine";
    el.textContent = text;
    log.appendChild(el);
    el.scrollIntoView({ block: "end" });
  }

  async function post(path, payload) {
    status.textContent = "";
    payload.id = newId();
    for (let attempt = 0; attempt < 3; attempt++) {
      let resp;
      try {
        resp = await fetch(prefix + path, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify(payload),
        });
      } catch (e) { status.textContent = S["webchat-offline"]; continue; } // same id: handled once
      const data = await resp.json();
      if (!resp.ok) {
        status.textContent = data.error || "";
        if (data.code) location.reload();
        return;
      }
      for (const entry of data.entries) show(entry);
      if (data.toast) status.textContent = data.toast;
      setBound(data.bound);
      return;
    }
  }

  function press(messageId, action) { post("/api/button", { action: action, message_id: messageId }); }

  function setBound(bound) {
    document.getElementById("codeform").classList.toggle("hidden", bound);
    document.getElementById("sendform").classList.toggle("hidden", !bound);
  }

  document.getElementById("codeform").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = document.getElementById("code").value.trim();
    if (code) post("/api/message", { text: "/start " + code });
  });
  document.getElementById("sendform").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const box = document.getElementById("text");
    const text = box.value.trim();
    if (!text) return;
    box.value = "";
    mine(text);
    post("/api/message", { text: text });
  });

  const source = new EventSource(prefix + "/api/events"); // resumes with Last-Event-ID
  source.onmessage = (ev) => show(JSON.parse(ev.data));
  title();
})();
