/* Shared helpers of the console pages: JSON calls with the CSRF token, safe DOM building, live updates. */
"use strict";
const Console = (() => {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  async function api(path, body) {
    const options = { credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf();
      options.body = JSON.stringify(body);
    }
    const response = await fetch("/console/api/" + path, options);
    if (response.status === 401) { window.location.href = "/console/login"; throw new Error("请先登录"); }
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) {
      const detail = Array.isArray(data.detail) ? data.detail.map(d => d.msg || d).join("；") : data.detail;
      throw new Error(detail || ("操作失败（" + response.status + "）"));
    }
    return data;
  }

  /* el("td", {class: "x"}, "text", child) — strings become text nodes, never HTML */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function toast(message, isError) {
    const box = document.getElementById("toast");
    box.textContent = message;
    box.className = isError ? "show error" : "show";
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.className = ""; }, 4000);
  }

  function since(epochSeconds, nowSeconds) {
    if (!epochSeconds) return "";
    const s = Math.max(0, Math.round((nowSeconds || Date.now() / 1000) - epochSeconds));
    if (s < 60) return s + " 秒";
    if (s < 3600) return Math.floor(s / 60) + " 分 " + (s % 60) + " 秒";
    return Math.floor(s / 3600) + " 小时 " + Math.floor((s % 3600) / 60) + " 分";
  }

  function clock(epochSeconds) {
    if (!epochSeconds) return "";
    return new Date(epochSeconds * 1000).toLocaleTimeString("zh-CN", { hour12: false });
  }

  /* Calls refresh() now, on every server-sent "update", and every 10 s as a fallback. */
  function live(refresh) {
    refresh();
    setInterval(refresh, 10000);
    if (!window.EventSource) return;
    const source = new EventSource("/console/api/stream");
    source.addEventListener("update", () => refresh());
    source.addEventListener("logout", () => { window.location.href = "/console/login"; });
  }

  return { api, el, toast, since, clock, live };
})();
