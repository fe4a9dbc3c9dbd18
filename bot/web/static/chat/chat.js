// The web chat page: posts messages and button presses, follows the log over SSE.
"use strict";
(function () {
  const body = document.body;
  const prefix = body.dataset.prefix;
  const csrf = body.dataset.csrf;
  let lang = body.dataset.lang;
  let S = JSON.parse(document.getElementById("strings").textContent);
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
    if (entry.kind === "mine") { el.textContent = entry.text; return; }
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
        btn.dataset.action = b.action;
        btn.addEventListener("click", () => press(entry.id, b.action, btn));
        div.appendChild(btn);
      }
      el.appendChild(div);
    }
  }

  function show(entry) {
    if (seen.has(entry.pos)) return;
    seen.add(entry.pos);
    let el = bubbles.get(entry.id);
    if (el && (entry.kind === "edit" || el.classList.contains("pending"))) {
      el.classList.remove("pending");
      el.dataset.pos = entry.pos;
      fill(el, entry);
      return;
    }
    el = document.createElement("div");
    el.className = entry.kind === "mine" ? "bubble mine" : "bubble";
    el.dataset.pos = entry.pos;
    bubbles.set(entry.id, el);
    fill(el, entry);
    // In log order, whichever way an entry came (a POST's answer or the stream).
    let after = null;
    for (const other of log.children) {
      if (Number(other.dataset.pos) > entry.pos) { after = other; break; }
    }
    log.insertBefore(el, after);
    if (!after) el.scrollIntoView({ block: "end" });
    if (document.hidden && entry.kind !== "mine") { unread += 1; title(); }
  }

  function title() {
    const base = S["webchat-title"];
    document.title = unread ? "(" + unread + ") " + base : base;
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) { unread = 0; title(); } });

  function relabel(strings) {
    S = strings;
    for (const el of document.querySelectorAll("[data-label]")) el.textContent = S[el.dataset.label];
    for (const el of document.querySelectorAll("[data-placeholder]")) el.placeholder = S[el.dataset.placeholder];
    title();
  }

  function pending(id, text) {
    const el = document.createElement("div");
    el.className = "bubble mine pending";
    el.dataset.pos = Number.MAX_SAFE_INTEGER;
    el.textContent = text;
    bubbles.set("c" + id.slice(0, 15), el);
    log.appendChild(el);
    el.scrollIntoView({ block: "end" });
    return el;
  }

  async function post(path, payload) {
    status.textContent = "";
    payload.id = payload.id || newId();
    payload.lang = lang;
    for (let attempt = 0; attempt < 4; attempt++) {
      let resp;
      try {
        resp = await fetch(prefix + path, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify(payload),
        });
      } catch (e) { // the same id again: handled once however often it arrives
        status.textContent = S["webchat-offline"];
        await new Promise((ok) => setTimeout(ok, 1000 * (attempt + 1)));
        continue;
      }
      const data = await resp.json().catch(() => ({}));
      if (!resp.ok) {
        status.textContent = data.error || "";
        if (data.code) setTimeout(() => location.reload(), 1500);
        return false;
      }
      status.textContent = "";
      for (const entry of data.entries) show(entry);
      if (data.toast) status.textContent = data.toast;
      if (data.strings) { lang = data.lang; relabel(data.strings); }
      setBound(data.bound);
      return true;
    }
    return false;
  }

  async function press(messageId, action, btn) {
    btn.disabled = true; // a double tap sends once; the answer replaces the buttons anyway
    try { await post("/api/button", { action: action, message_id: messageId }); }
    finally { btn.disabled = false; }
  }

  function setBound(bound) {
    document.getElementById("codeform").classList.toggle("hidden", bound);
    document.getElementById("sendform").classList.toggle("hidden", !bound);
  }

  async function say(text) {
    const id = newId();
    const el = pending(id, text);
    if (!(await post("/api/message", { id: id, text: text })) && el.classList.contains("pending")) {
      el.remove();
    }
  }

  const codeform = document.getElementById("codeform");
  codeform.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = document.getElementById("code").value.trim();
    if (code) say("/start " + code);
  });
  const box = document.getElementById("text");
  document.getElementById("sendform").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = box.value.trim();
    if (!text) return;
    box.value = "";
    say(text);
  });
  box.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      document.getElementById("sendform").requestSubmit();
    }
  });

  const source = new EventSource(prefix + "/api/events"); // resumes with Last-Event-ID
  source.onmessage = (ev) => { status.textContent = ""; show(JSON.parse(ev.data)); };
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(() => location.reload(), 3000); // the session ended: the code page
    } else {
      status.textContent = S["webchat-reconnecting"];
    }
  };
  source.onopen = () => { if (status.textContent === S["webchat-reconnecting"]) status.textContent = ""; };
  title();
  // A link from the invite (…/chat/?code=…): the code is filled in; bind at once.
  if (body.dataset.bound === "no" && document.getElementById("code").value) {
    history.replaceState(null, "", prefix + "/"); // a reload does not try the code again
    codeform.requestSubmit();
  }
})();
