/* The conversation page: transcript, collected details, take over, reply, order, transfer, hand back. */
"use strict";
(() => {
  const { api, el, toast, clock, live } = Console;
  const root = document.getElementById("conversation");
  const senderId = root.dataset.senderId;
  const $ = id => document.getElementById(id);
  const speaker = { user: "群众", bot: "智能助手", agent: "坐席", pause: "", resume: "", session_started: "" };
  const notes = { pause: "—— 人工已接管，智能助手暂停 ——", resume: "—— 已交还智能助手 ——", session_started: "—— 新会话 ——" };
  let draftFilled = false;

  function render(data) {
    const h = data.handoff;
    const mine = !!(h && h.status === "held" && h.mine);
    $("state").textContent = h ? h.status_label + (h.holder ? "：" + h.holder : "") : "智能助手服务中";
    $("transcript").replaceChildren(...data.turns.map(t => notes[t.kind]
      ? el("li", { class: "note" }, notes[t.kind])
      : el("li", { class: "turn " + t.kind },
          el("span", { class: "who" }, (t.kind === "agent" && t.agent ? "坐席 " + t.agent : speaker[t.kind]) + " " + clock(t.at)),
          el("span", { class: "text" }, t.text))));
    $("transcript").scrollTop = $("transcript").scrollHeight;
    $("slots").replaceChildren(...data.slots.flatMap(s => [el("dt", {}, s.label), el("dd", {}, s.value)]));
    $("reply-text").disabled = $("reply-btn").disabled = !mine;
    $("handback-btn").disabled = $("transfer-btn").disabled = $("order-btn").disabled = !mine;
    $("takeover-btn").disabled = mine;
    if (h && h.order_no) $("order-result").textContent = "已登记工单：" + h.order_no;
    if (!draftFilled && data.order_draft) {
      const form = $("order-form");
      for (const [key, value] of Object.entries(data.order_draft)) {
        const input = form.elements[key];
        if (!input || value === null || value === undefined) continue;
        if (input.type === "checkbox") input.checked = !!value; else input.value = value;
      }
      draftFilled = true;
    }
  }

  async function refresh() {
    try { render(await api("conversation?sender_id=" + encodeURIComponent(senderId))); }
    catch (e) { toast(e.message, true); }
  }

  async function act(path, body, done) {
    try { const result = await api(path, Object.assign({ sender_id: senderId }, body || {})); if (done) done(result); await refresh(); }
    catch (e) { toast(e.message, true); }
  }

  async function loadAgents() {
    try {
      const data = await api("queue");
      $("transfer-to").replaceChildren(...data.agents.filter(name => name !== data.me)
        .map(name => el("option", { value: name }, name)));
    } catch (e) { /* shown by refresh */ }
  }

  $("takeover-btn").addEventListener("click", () => act("takeover", {}, () => toast("已接管，智能助手暂停回复")));
  $("handback-btn").addEventListener("click", () => act("handback", {}, () => toast("已交还智能助手")));
  $("transfer-btn").addEventListener("click", () => act("transfer", { to: $("transfer-to").value },
    r => toast("已转交给 " + r.holder)));
  $("reply-form").addEventListener("submit", ev => {
    ev.preventDefault();
    const text = $("reply-text").value.trim();
    if (!text) { toast("回复内容不能为空", true); return; }
    act("reply", { text }, () => { $("reply-text").value = ""; });
  });
  $("order-form").addEventListener("submit", ev => {
    ev.preventDefault();
    const f = ev.target.elements;
    const body = { type: f.type.value, description: f.description.value, anonymous: f.anonymous.checked,
                   reply_required: f.reply_required.checked };
    for (const key of ["district", "address", "occurred_at", "contact_name", "contact_phone"]) body[key] = f[key].value || null;
    act("order", body, r => { $("order-result").textContent = "已登记工单：" + r.order_no; toast("工单已登记：" + r.order_no); });
  });

  loadAgents();
  live(refresh);
})();
