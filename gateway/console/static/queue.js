/* The queue page: waiting, held and live conversations, refreshed by server-sent events. */
"use strict";
(() => {
  const { api, el, toast, since, clock, live } = Console;
  const link = (id, label) => el("a", { href: "/console/conversation?sender_id=" + encodeURIComponent(id) }, label);

  function fill(tableId, rows, render) {
    const body = document.querySelector("#" + tableId + " tbody");
    body.replaceChildren(...(rows.length ? rows.map(render)
      : [el("tr", {}, el("td", { colspan: 6, class: "empty" }, "暂无"))]));
  }

  async function refresh() {
    let data;
    try { data = await api("queue"); } catch (e) { toast(e.message, true); return; }
    document.getElementById("waiting-count").textContent = data.waiting.length;
    fill("waiting", data.waiting, h => el("tr", { "data-sender-id": h.sender_id },
      el("td", {}, link(h.sender_id, h.sender_id)), el("td", {}, h.channel_label), el("td", {}, h.reason_label),
      el("td", {}, since(h.requested_at, data.now)), el("td", { class: "text" }, h.last_text),
      el("td", {}, link(h.sender_id, "查看并接管"))));
    fill("held", data.held, h => el("tr", { "data-sender-id": h.sender_id },
      el("td", {}, link(h.sender_id, h.sender_id)), el("td", {}, h.channel_label), el("td", {}, h.holder + (h.mine ? "（我）" : "")),
      el("td", {}, since(h.taken_at, data.now)), el("td", {}, h.order_no || ""), el("td", {}, link(h.sender_id, "打开"))));
    fill("live", data.live, c => el("tr", { "data-sender-id": c.sender_id },
      el("td", {}, link(c.sender_id, c.sender_id)), el("td", {}, c.channel_label), el("td", { class: "text" }, c.last_text),
      el("td", {}, clock(c.last_at)), el("td", {}, link(c.sender_id, "查看"))));
  }

  async function refreshUndelivered() {
    let data;
    try { data = await api("undelivered"); } catch (e) { return; }
    if (!data.available) {
      fill("undelivered", [], () => null);
      document.querySelector("#undelivered tbody td").textContent = data.detail || "暂无";
      return;
    }
    fill("undelivered", data.items, u => el("tr", { "data-sender-id": u.sender_id },
      el("td", {}, u.sender_id), el("td", {}, clock(u.at)), el("td", { class: "text" }, u.text), el("td", {}, u.reason)));
  }

  async function refreshDeadLetters() {
    if (!document.getElementById("dead-letters")) return;  // supervisors only
    let data;
    try { data = await api("outbox/dead"); } catch (e) { toast(e.message, true); return; }
    document.getElementById("dead-count").textContent = data.total;
    fill("dead-letters", data.items, d => el("tr", { "data-order-no": d.order_no },
      el("td", {}, d.order_no), el("td", {}, d.attempts), el("td", { class: "text" }, d.last_error || ""),
      el("td", {}, clock(d.dead_at)),
      el("td", {}, el("button", { type: "button", class: "retry", onclick: async (event) => {
        event.target.disabled = true;
        try { await api("outbox/retry", { order_no: d.order_no }); toast("已重新排队上报：" + d.order_no); }
        catch (e) { toast(e.message, true); }
        refreshDeadLetters();
      } }, "重新上报"))));
  }

  async function refreshResults() {
    let data;
    try { data = await api("results"); } catch (e) { return; }
    fill("results", data.items, r => el("tr", { "data-order-no": r.order_no },
      el("td", {}, r.order_no), el("td", {}, r.channel_label), el("td", {}, r.sent_at ? clock(r.sent_at) : ""),
      el("td", {}, r.outcome_label), el("td", {}, (r.satisfaction || "未评价") + (r.reopen_count ? "（已重办）" : "")),
      el("td", {}, r.callback ? [r.contact_name || "", r.contact_phone || ""].join(" ") : "")));
    if (document.getElementById("supervisor-queue")) {
      fill("supervisor-queue", data.supervisor_queue, q => el("tr", { "data-order-no": q.order_no },
        el("td", {}, q.order_no), el("td", {}, q.lead_unit || ""), el("td", {}, clock(q.at)),
        el("td", { class: "text" }, q.reason || "")));
    }
  }

  live(refresh);
  refreshResults();
  setInterval(refreshResults, 30000);
  refreshDeadLetters();
  setInterval(refreshDeadLetters, 30000);
  refreshUndelivered();
  setInterval(refreshUndelivered, 30000);
})();
