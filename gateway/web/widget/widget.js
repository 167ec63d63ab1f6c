/*
 * 商洛 12345 在线咨询 — the portal's chat widget. Plain JavaScript, no build step.
 *
 * Embed with one tag (see docs/webchat.md):
 *   <script src="https://portal.example/widget/widget.js" data-socket-url="http://localhost:5005" defer></script>
 *
 * Options (data-* attributes of the script tag):
 *   data-socket-url   the Rasa server with the webchat channel (default: this page's origin)
 *   data-socket-path  socket.io path (default /socket.io)
 *   data-transports   comma-separated socket.io transports (default "websocket,polling")
 *   data-title        panel title (default "12345 在线咨询")
 *   data-lookup-url   the gateway's 查询办理结果 endpoint (default: /api/portal/result-lookup on the host of
 *                     this script)
 *
 * Everything the bot, an agent or a citizen writes is put on the page with textContent,
 * never as HTML.
 */
(function () {
  "use strict";

  if (window.__hotlineWebchat) { return; }
  window.__hotlineWebchat = true;

  var script = document.currentScript;
  if (!script) { return; }
  var data = script.dataset || {};
  var base = script.src.replace(/[^/]*(\?.*)?$/, "");
  var config = {
    socketUrl: (data.socketUrl || window.location.origin).replace(/\/+$/, ""),
    socketPath: data.socketPath || "/socket.io",
    transports: (data.transports || "websocket,polling").split(",").map(function (t) { return t.trim(); })
      .filter(Boolean),
    title: data.title || "12345 在线咨询",
    lookupUrl: data.lookupUrl || new URL("/api/portal/result-lookup", script.src).href,
    maxChars: 2000
  };
  var KEYS = {
    session: "hotline-webchat-session",
    privacy: "hotline-webchat-privacy-v1",
    open: "hotline-webchat-open",
    seen: "hotline-webchat-seen"
  };
  var SESSION_RE = /^web-[0-9a-f]{32}$/;

  var TEXT = {
    launcher: "在线咨询",
    launcherUnread: "在线咨询（有新消息）",
    close: "关闭对话窗口",
    connecting: "连接中…",
    offline: "网络连接已断开，正在重新连接…",
    privacyTitle: "个人信息保护提示",
    privacyBody: "为受理您的诉求，我们会记录本次对话内容，以及您提供的姓名、联系电话、地址等信息，" +
      "仅用于办理本次诉求和回访，依法保密，不会用于其他用途。紧急情况请直接拨打 110、119、120 或 122。",
    privacyAccept: "同意并开始咨询",
    welcome: "您好！这里是商洛 12345 政务服务便民热线在线咨询。请直接描述您要咨询、求助、投诉或建议的事项。",
    inputLabel: "输入您的问题",
    placeholder: "请输入您要反映的问题，按 Enter 发送，Shift+Enter 换行",
    send: "发送",
    typing: "正在回复…",
    you: "我",
    bot: "智能助手",
    agent: "人工客服",
    quickReplies: "快捷回复",
    empty: "消息内容不能为空，请输入您要反映的问题。",
    tooLong: "您的消息太长了（最多 " + 2000 + " 个字），请分几次发送。",
    historyFailed: "未能读取以前的对话记录，新消息不受影响。",
    unsent: "未发送",
    log: "对话记录",
    counter: function (n) { return n + " / " + config.maxChars; },
    lookupOpen: "查询办理结果",
    lookupBack: "返回咨询",
    lookupTitle: "查询办理结果",
    lookupNote: "请输入工单编号和提交诉求时所留联系电话的后四位。只显示办理情况，不显示个人信息；匿名工单请拨打 12345 查询。",
    lookupOrder: "工单编号",
    lookupOrderHint: "例如 SL20261125000001",
    lookupLast4: "手机后四位",
    lookupSubmit: "查询",
    lookupBusy: "查询中…",
    lookupNoOrder: "请输入工单编号。",
    lookupNoLast4: "请输入联系电话的后四位数字。",
    lookupFailed: "查询暂时无法完成，请稍后再试，或拨打 12345 热线查询。",
    lookupLead: {
      completed: "您的工单已办理完毕，办理结果如下。",
      withdrawn: "该工单已撤单。",
      replied: "承办单位已提交办理结果，正在审核，审核通过后即可在这里查看。",
      received: "您的诉求已受理，正在分派承办单位。",
      open: "您的工单正在办理中。"
    },
    lookupRows: { order: "工单编号", type: "诉求类型", status: "办理状态", unit: "承办单位", result: "办理结果",
      handled: "办理日期", completed: "办结日期", due: "办理期限" },
    lookupDue: function (day) { return day + "前"; },
    lookupRate: function (where) {
      return "如需评价本次办理结果，请在" + where + "中回复“满意”“基本满意”或“不满意”。";
    }
  };

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: session lasts this page */ }
  }
  function sessionFlag(key, value) {
    try {
      if (value === undefined) { return window.sessionStorage.getItem(key) === "1"; }
      if (value) { window.sessionStorage.setItem(key, "1"); } else { window.sessionStorage.removeItem(key); }
    } catch (e) { return false; }
    return value;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "className") { node.className = attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // ---- the DOM -------------------------------------------------------------------------
  var ui = {};

  function build() {
    ui.root = el("div", { className: "hlw", "data-hotline-webchat": "" });
    ui.launcher = el("button", { className: "hlw-launcher", type: "button", "aria-expanded": "false",
      "aria-controls": "hlw-panel", "aria-haspopup": "dialog" });
    ui.launcherIcon = el("span", { className: "hlw-launcher-icon", "aria-hidden": "true" }, "💬");
    ui.launcherText = el("span", { className: "hlw-launcher-text" }, TEXT.launcher);
    ui.launcher.appendChild(ui.launcherIcon);
    ui.launcher.appendChild(ui.launcherText);

    ui.panel = el("section", { className: "hlw-panel", id: "hlw-panel", role: "dialog",
      "aria-modal": "false", "aria-labelledby": "hlw-title" });
    ui.panel.hidden = true;

    var header = el("header", { className: "hlw-header" });
    header.appendChild(el("h2", { className: "hlw-title", id: "hlw-title" }, config.title));
    ui.lookupToggle = el("button", { className: "hlw-lookup-toggle", type: "button", "aria-expanded": "false",
      "aria-controls": "hlw-lookup" }, TEXT.lookupOpen);
    header.appendChild(ui.lookupToggle);
    ui.close = el("button", { className: "hlw-close", type: "button", "aria-label": TEXT.close, title: TEXT.close }, "×");
    header.appendChild(ui.close);
    ui.panel.appendChild(header);

    ui.status = el("div", { className: "hlw-status", role: "status", "aria-live": "polite" });
    ui.panel.appendChild(ui.status);

    ui.log = el("div", { className: "hlw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": TEXT.log, tabindex: "0" });
    ui.panel.appendChild(ui.log);

    ui.privacy = el("div", { className: "hlw-privacy", role: "region", "aria-labelledby": "hlw-privacy-title" });
    ui.privacy.appendChild(el("h3", { id: "hlw-privacy-title" }, TEXT.privacyTitle));
    ui.privacy.appendChild(el("p", { id: "hlw-privacy-body" }, TEXT.privacyBody));
    ui.privacyAccept = el("button", { className: "hlw-primary", type: "button",
      "aria-describedby": "hlw-privacy-body" }, TEXT.privacyAccept);
    ui.privacy.appendChild(ui.privacyAccept);
    ui.panel.appendChild(ui.privacy);

    ui.typing = el("div", { className: "hlw-typing", "aria-live": "polite" });
    ui.typing.hidden = true;
    ui.panel.appendChild(ui.typing);

    ui.replies = el("div", { className: "hlw-replies", role: "group", "aria-label": TEXT.quickReplies });
    ui.replies.hidden = true;
    ui.panel.appendChild(ui.replies);

    ui.error = el("div", { className: "hlw-error", role: "alert" });
    ui.error.hidden = true;
    ui.panel.appendChild(ui.error);

    ui.form = el("form", { className: "hlw-form", novalidate: "" });
    ui.form.appendChild(el("label", { className: "hlw-sr", "for": "hlw-input" }, TEXT.inputLabel));
    ui.input = el("textarea", { id: "hlw-input", className: "hlw-input", rows: "2", maxlength: String(config.maxChars),
      placeholder: TEXT.placeholder, "aria-describedby": "hlw-counter" });
    ui.counter = el("span", { className: "hlw-counter", id: "hlw-counter", "aria-live": "off" }, TEXT.counter(0));
    ui.send = el("button", { className: "hlw-send hlw-primary", type: "submit" }, TEXT.send);
    ui.form.appendChild(ui.input);
    ui.form.appendChild(ui.counter);
    ui.form.appendChild(ui.send);
    ui.panel.appendChild(ui.form);

    buildLookup();
    ui.panel.appendChild(ui.lookup);

    ui.root.appendChild(ui.panel);
    ui.root.appendChild(ui.launcher);
    document.body.appendChild(ui.root);
  }

  // 查询办理结果: order number + the contact phone's last four digits (the gateway counts failures)
  function buildLookup() {
    ui.lookup = el("section", { className: "hlw-lookup", id: "hlw-lookup", "aria-labelledby": "hlw-lookup-title" });
    ui.lookup.hidden = true;
    ui.lookup.appendChild(el("h3", { id: "hlw-lookup-title" }, TEXT.lookupTitle));
    ui.lookup.appendChild(el("p", { className: "hlw-lookup-note", id: "hlw-lookup-note" }, TEXT.lookupNote));
    ui.lookupForm = el("form", { className: "hlw-lookup-form", novalidate: "", "aria-describedby": "hlw-lookup-note" });
    ui.lookupForm.appendChild(el("label", { "for": "hlw-lookup-order" }, TEXT.lookupOrder));
    ui.lookupOrder = el("input", { id: "hlw-lookup-order", className: "hlw-field", type: "text", maxlength: "40",
      autocomplete: "off", autocapitalize: "characters", spellcheck: "false", placeholder: TEXT.lookupOrderHint });
    ui.lookupForm.appendChild(ui.lookupOrder);
    ui.lookupForm.appendChild(el("label", { "for": "hlw-lookup-last4" }, TEXT.lookupLast4));
    ui.lookupLast4 = el("input", { id: "hlw-lookup-last4", className: "hlw-field", type: "text", maxlength: "8",
      inputmode: "numeric", autocomplete: "off", placeholder: "****" });
    ui.lookupForm.appendChild(ui.lookupLast4);
    ui.lookupSubmit = el("button", { className: "hlw-primary hlw-lookup-submit", type: "submit" }, TEXT.lookupSubmit);
    ui.lookupForm.appendChild(ui.lookupSubmit);
    ui.lookup.appendChild(ui.lookupForm);
    ui.lookupError = el("div", { className: "hlw-error hlw-lookup-error", role: "alert" });
    ui.lookupError.hidden = true;
    ui.lookup.appendChild(ui.lookupError);
    ui.lookupResult = el("div", { className: "hlw-lookup-result", tabindex: "-1", "aria-live": "polite" });
    ui.lookupResult.hidden = true;
    ui.lookup.appendChild(ui.lookupResult);
  }

  // "2026-12-02" → "2026年12月2日"
  function chineseDate(day) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
    return m ? m[1] + "年" + Number(m[2]) + "月" + Number(m[3]) + "日" : (day || "");
  }

  function showLookupError(text) {
    ui.lookupError.textContent = text || "";
    ui.lookupError.hidden = !text;
  }

  function renderLookup(r) {
    var box = ui.lookupResult;
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var lead = TEXT.lookupLead[r.status] || TEXT.lookupLead.open;
    box.appendChild(el("p", { className: "hlw-lookup-lead" }, lead));
    var list = el("dl", { className: "hlw-lookup-list" });
    function row(label, value) {
      if (!value) { return; }
      list.appendChild(el("dt", {}, label));
      list.appendChild(el("dd", {}, value));
    }
    var L = TEXT.lookupRows;
    row(L.order, r.order_no);
    row(L.type, r.type);
    row(L.status, r.status_label);
    row(L.unit, r.handling_unit);
    row(L.result, r.result);
    row(L.handled, chineseDate(r.handled_on));
    row(L.completed, chineseDate(r.completed_on));
    row(L.due, r.due_on ? TEXT.lookupDue(chineseDate(r.due_on)) : "");
    box.appendChild(list);
    if (r.rating_possible && r.rating_channel) {
      box.appendChild(el("p", { className: "hlw-lookup-rate" }, TEXT.lookupRate(r.rating_channel)));
    }
    box.hidden = false;
    box.focus();
  }

  function lookup() {
    var orderNo = ui.lookupOrder.value.trim();
    var last4 = ui.lookupLast4.value.trim();
    showLookupError("");
    if (!orderNo) { showLookupError(TEXT.lookupNoOrder); ui.lookupOrder.focus(); return; }
    if (!last4) { showLookupError(TEXT.lookupNoLast4); ui.lookupLast4.focus(); return; }
    ui.lookupSubmit.disabled = true;
    ui.lookupSubmit.textContent = TEXT.lookupBusy;
    ui.lookupResult.hidden = true;
    fetch(config.lookupUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ order_no: orderNo, phone_last4: last4 }),
      credentials: "omit",
      cache: "no-store"
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) { renderLookup(body); return; }
          var known = [404, 422, 429].indexOf(response.status) >= 0 && typeof body.detail === "string";
          showLookupError(known ? body.detail : TEXT.lookupFailed);
        });
      })
      .catch(function () { showLookupError(TEXT.lookupFailed); })
      .then(function () {
        ui.lookupSubmit.disabled = false;
        ui.lookupSubmit.textContent = TEXT.lookupSubmit;
      });
  }

  function showLookup(on) {
    state.lookup = on;
    ui.lookupToggle.textContent = on ? TEXT.lookupBack : TEXT.lookupOpen;
    ui.lookupToggle.setAttribute("aria-expanded", on ? "true" : "false");
    refreshControls();
    if (on) { ui.lookupOrder.focus(); } else { (state.privacyAccepted ? ui.input : ui.privacyAccept).focus(); }
  }

  // ---- state -------------------------------------------------------------------------
  var state = {
    socket: null,
    sessionId: null,
    confirmed: false,
    privacyAccepted: storageGet(KEYS.privacy) === "1",
    open: false,
    unread: false,
    historyShown: false,
    lookup: false, // the 查询办理结果 view instead of the conversation
    count: 0 // messages in the transcript (the welcome text not counted)
  };
  var stored = storageGet(KEYS.session);
  state.sessionId = stored && SESSION_RE.test(stored) ? stored : null;

  function setStatus(text) {
    ui.status.textContent = text || "";
    ui.status.hidden = !text;
    ui.root.classList.toggle("hlw-offline", Boolean(text));
  }

  function showError(text) {
    ui.error.textContent = text || "";
    ui.error.hidden = !text;
  }

  function refreshControls() {
    var ready = state.privacyAccepted && state.confirmed;
    var chat = !state.lookup;
    ui.privacy.hidden = state.privacyAccepted || !chat;
    ui.form.hidden = !state.privacyAccepted || !chat;
    ui.lookup.hidden = chat;
    ui.log.hidden = !chat;
    ui.root.classList.toggle("hlw-looking-up", !chat);
    // the text box stays usable while (re)connecting: what is typed is kept and sent later
    ui.send.disabled = !ready;
  }

  function scrollToEnd() { ui.log.scrollTop = ui.log.scrollHeight; }

  function markSeen() { storageSet(KEYS.seen, String(state.count)); }

  function addMessage(from, text, agentName, fromHistory) {
    var who = from === "citizen" ? TEXT.you : from === "agent" ? TEXT.agent + (agentName ? " " + agentName : "") : TEXT.bot;
    var item = el("div", { className: "hlw-msg hlw-from-" + from, "data-from": from });
    item.appendChild(el("span", { className: from === "agent" ? "hlw-who" : "hlw-who hlw-sr" }, who + "："));
    item.appendChild(el("div", { className: "hlw-bubble" }, text));
    ui.log.appendChild(item);
    state.count += 1;
    scrollToEnd();
    if (state.open) { markSeen(); } else if (!fromHistory && from !== "citizen") { setUnread(true); }
    return item;
  }

  // the server refused the message just shown (too long, too fast, …): say so next to it
  function markLastUnsent() {
    var items = ui.log.querySelectorAll("[data-from=citizen]:not(.hlw-unsent)");
    var last = items[items.length - 1];
    if (!last) { return; }
    last.classList.add("hlw-unsent");
    last.appendChild(el("span", { className: "hlw-unsent-note" }, TEXT.unsent));
  }

  function setReplies(buttons) {
    while (ui.replies.firstChild) { ui.replies.removeChild(ui.replies.firstChild); }
    (buttons || []).forEach(function (button) {
      var node = el("button", { className: "hlw-reply", type: "button" }, button.title);
      node.addEventListener("click", function () { sendPayload(button); });
      ui.replies.appendChild(node);
    });
    ui.replies.hidden = !ui.replies.firstChild;
  }

  function setTyping(on) {
    ui.typing.textContent = on ? TEXT.typing : "";
    ui.typing.hidden = !on;
  }

  function setUnread(on) {
    state.unread = on;
    ui.launcherText.textContent = on ? TEXT.launcherUnread : TEXT.launcher;
    ui.launcher.classList.toggle("hlw-unread", on);
  }

  function renderTranscript(messages) {
    while (ui.log.firstChild) { ui.log.removeChild(ui.log.firstChild); }
    var welcome = el("div", { className: "hlw-msg hlw-from-bot hlw-welcome", "data-from": "welcome" });
    welcome.appendChild(el("div", { className: "hlw-bubble" }, TEXT.welcome));
    ui.log.appendChild(welcome);
    state.count = 0;
    var last = null;
    (messages || []).forEach(function (m) {
      if (!m || typeof m.text !== "string") { return; }
      var from = m.from === "citizen" || m.from === "agent" ? m.from : "bot";
      if (m.text) { addMessage(from, m.text, m.agent, true); }
      last = m;
    });
    // messages that arrived while the panel was closed (e.g. an agent's) mark the launcher
    if (!state.open && state.count > Number(storageGet(KEYS.seen) || 0)) { setUnread(true); }
    setReplies(last && last.from !== "citizen" ? last.buttons : []);
    scrollToEnd();
  }

  // ---- the connection ----------------------------------------------------------------
  function loadHistory() {
    var sessionId = state.sessionId;
    var url = config.socketUrl + "/webhooks/webchat/history?session_id=" + encodeURIComponent(sessionId);
    return fetch(url, { credentials: "omit", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (body) {
        if (sessionId !== state.sessionId) { return; }
        renderTranscript(body.messages || []);
        state.historyShown = true;
        if ((body.messages || []).length && !state.privacyAccepted) {
          // a conversation in this browser means the notice was accepted here before
          acceptPrivacy(false);
        }
      })
      .catch(function () { if (!state.historyShown) { renderTranscript([]); } showError(TEXT.historyFailed); });
  }

  function connect() {
    if (state.socket) { return; }
    if (typeof window.io !== "function") { setStatus(TEXT.offline); return; }
    setStatus(TEXT.connecting);
    var socket = window.io(config.socketUrl, {
      path: config.socketPath,
      transports: config.transports,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
      timeout: 10000
    });
    state.socket = socket;

    socket.on("connect", function () {
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", function (msg) {
      if (!msg || !SESSION_RE.test(msg.session_id)) { return; }
      state.sessionId = msg.session_id;
      storageSet(KEYS.session, msg.session_id);
      state.confirmed = true;
      setStatus("");
      refreshControls();
      loadHistory();
    });
    socket.on("disconnect", function () {
      state.confirmed = false;
      setTyping(false);
      setStatus(TEXT.connecting);
      refreshControls();
    });
    socket.on("connect_error", function () { setStatus(TEXT.connecting); });
    socket.on("bot_uttered", function (msg) {
      if (!msg || typeof msg.text !== "string") { return; }
      setTyping(false);
      var from = typeof msg.agent === "string" && msg.agent ? "agent" : "bot";
      if (msg.text) { addMessage(from, msg.text, msg.agent); }
      setReplies(Array.isArray(msg.buttons) ? msg.buttons : []);
    });
    socket.on("user_echo", function (msg) {
      if (msg && typeof msg.text === "string" && msg.text) { addMessage("citizen", msg.text); setReplies([]); }
    });
    socket.on("bot_typing", function (msg) {
      var on = Boolean(msg && msg.typing);
      setTyping(on);
      // finished bot turns, for tests and host pages that watch the widget
      if (!on) { ui.root.setAttribute("data-turns", String(Number(ui.root.getAttribute("data-turns") || 0) + 1)); }
    });
    socket.on("webchat_error", function (msg) {
      if (!msg || typeof msg.text !== "string") { return; }
      showError(msg.text);
      if (msg.code !== "bot_failed") { markLastUnsent(); }
    });
  }

  function emitMessage(payload) {
    if (!state.socket || !state.confirmed) { setStatus(TEXT.connecting); return false; }
    payload.session_id = state.sessionId;
    state.socket.emit("user_uttered", payload);
    return true;
  }

  function sendText() {
    var text = ui.input.value;
    showError("");
    if (!text.trim()) { showError(TEXT.empty); ui.input.focus(); return; }
    if (text.length > config.maxChars) { showError(TEXT.tooLong); ui.input.focus(); return; }
    if (!emitMessage({ message: text })) { return; }
    addMessage("citizen", text.trim());
    setReplies([]);
    ui.input.value = "";
    updateCounter();
    ui.input.focus();
  }

  function sendPayload(button) {
    showError("");
    if (!emitMessage({ message: button.payload, is_payload: true, title: button.title })) { return; }
    addMessage("citizen", button.title);
    setReplies([]);
    ui.input.focus();
  }

  function updateCounter() {
    ui.counter.textContent = TEXT.counter(ui.input.value.length);
  }

  function acceptPrivacy(moveFocus) {
    state.privacyAccepted = true;
    storageSet(KEYS.privacy, "1");
    refreshControls();
    if (moveFocus) { ui.input.focus(); }
  }

  // ---- open / close, keyboard --------------------------------------------------------
  function openPanel() {
    state.open = true;
    sessionFlag(KEYS.open, true);
    ui.panel.hidden = false;
    ui.root.classList.add("hlw-open");
    ui.launcher.setAttribute("aria-expanded", "true");
    setUnread(false);
    markSeen();
    connect();
    if (!state.historyShown && !state.confirmed) { renderTranscript([]); }
    refreshControls();
    if (state.lookup) { ui.lookupOrder.focus(); } else { (state.privacyAccepted ? ui.input : ui.privacyAccept).focus(); }
    scrollToEnd();
  }

  function closePanel() {
    state.open = false;
    sessionFlag(KEYS.open, false);
    ui.panel.hidden = true;
    ui.root.classList.remove("hlw-open");
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.focus();
  }

  function wire() {
    ui.launcher.addEventListener("click", function () { if (state.open) { closePanel(); } else { openPanel(); } });
    ui.close.addEventListener("click", closePanel);
    ui.lookupToggle.addEventListener("click", function () { showLookup(!state.lookup); });
    ui.lookupForm.addEventListener("submit", function (event) { event.preventDefault(); lookup(); });
    ui.privacyAccept.addEventListener("click", function () { acceptPrivacy(true); });
    ui.form.addEventListener("submit", function (event) { event.preventDefault(); sendText(); });
    ui.input.addEventListener("input", updateCounter);
    ui.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendText();
      }
    });
    ui.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); closePanel(); }
    });
  }

  // ---- start -------------------------------------------------------------------------
  function loadOnce(tag, attrs, onload) {
    var node = el(tag, attrs);
    if (onload) { node.addEventListener("load", onload); node.addEventListener("error", onload); }
    document.head.appendChild(node);
  }

  function start() {
    build();
    wire();
    refreshControls();
    setStatus("");
    var ready = function () {
      // a conversation already running in this browser reconnects at once, so an agent's
      // messages are waiting in the panel when it is opened
      if (state.sessionId) { connect(); }
      if (sessionFlag(KEYS.open)) { openPanel(); }
      ui.root.setAttribute("data-ready", "true");
    };
    if (typeof window.io === "function") { ready(); } else {
      loadOnce("script", { src: base + "vendor/socket.io.min.js" }, ready);
    }
  }

  loadOnce("link", { rel: "stylesheet", href: base + "widget.css" });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
