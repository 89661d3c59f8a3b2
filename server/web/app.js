// baoxiu web console: dispatchers and supervisors. No build step; every string comes from
// the message catalogue (/i18n/<lang>.json). Traditional Chinese by default.
"use strict";

const S = { token: localStorage.getItem("bx.token"), lang: localStorage.getItem("bx.lang") || "zh-Hant", msgs: {}, me: null, events: null, conn: { state: "connecting", since: null } };
const $ = (sel) => document.querySelector(sel);
const t = (k) => S.msgs[k] || k;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
// Minor units as a plain decimal, for the fee schedule's editable CSV.
const decimal = (m) => (m < 0 ? "-" : "") + Math.floor(Math.abs(m) / 100) + "." + String(Math.abs(m) % 100).padStart(2, "0");
// Money as shown: the office's currency (NT$ for TWD), decimals only where there are some.
function money(m) {
  const cents = Math.abs(m) % 100;
  const major = Math.floor(Math.abs(m) / 100).toLocaleString(S.lang === "en" ? "en-GB" : "zh-TW");
  const cur = S.me ? S.me.office.currency : "TWD";
  return (m < 0 ? "-" : "") + (cur === "TWD" ? "NT$" : cur + " ") + major + (cents ? "." + String(cents).padStart(2, "0") : "");
}
// Times in the office's zone (each office has its own).
const when = (ms) => (ms ? new Date(ms).toLocaleString(S.lang === "en" ? "en-GB" : "zh-TW", { timeZone: S.me ? S.me.office.time_zone : undefined }) : "");

async function api(path, opts = {}) {
  const res = await fetch(path, { ...opts, headers: { "Content-Type": "application/json", Authorization: "Bearer " + S.token, ...(opts.headers || {}) } });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) {
    // The server's code says what happened (translated); its message stays as detail.
    const err = new Error((body && body.error && body.error.message) || String(res.status));
    err.code = (body && body.error && body.error.code) || "http_" + res.status;
    throw err;
  }
  return body;
}
const post = (path, body) => api(path, { method: "POST", body: JSON.stringify(body || {}) });

async function loadLang() {
  S.msgs = await (await fetch("/i18n/" + S.lang + ".json")).json();
  document.documentElement.lang = S.lang;
  $("#app-title").textContent = t("app.title");
}

function nav() {
  if (!S.token) { $("#nav").innerHTML = ""; return; }
  // What the caller may do comes from the server's policy table (GET /api/v1/me).
  const may = (action) => S.me && S.me.allowed_actions.includes(action);
  const links = may("ListOrders") ? [["board", "nav.board"], ["intake", "nav.intake"]] : [];
  if (may("Billing")) links.push(["billing", "nav.billing"]);
  if (may("ReadSchedule")) links.push(["schedule", "nav.schedule"]);
  if (may("Stats")) links.push(["month", "nav.month"]);
  if (may("ReadComplaints")) links.push(["complaints", "nav.complaints"]);
  // S3: vehicles and supplies (s3.js).
  if (may("ReadCases")) links.push(["s3", "nav.s3"]);
  if (may("FleetReport") || may("SuppliesReport")) links.push(["s3/reports", "nav.s3reports"]);
  $("#nav").innerHTML = links.map(([h, k]) => `<a href="#/${h}" id="nav-${h.replace("/", "-")}">${esc(t(k))}</a>`).join("") +
    `<button id="lang">${esc(t("nav.lang"))}</button><button id="signout">${esc(t("nav.signout"))}</button>`;
  $("#lang").onclick = async () => { S.lang = S.lang === "en" ? "zh-Hant" : "en"; localStorage.setItem("bx.lang", S.lang); await loadLang(); route(); };
  $("#signout").onclick = () => { localStorage.removeItem("bx.token"); S.token = null; location.hash = "#/login"; };
}

// An error in the reader's language, by the server's code: a rule's refusal names the
// rule; the server's own words are the detail on hover.
function fail(e) {
  const code = e.code || "network";
  const said = S.msgs["error." + code] ? t("error." + code) : /^R-/.test(code) ? t("error.rule") + " " + code : t("error.other");
  const p = document.createElement("p");
  p.className = "bad";
  p.id = "error";
  p.dataset.code = code;
  p.title = e.message;
  p.textContent = t("common.error") + ": " + said;
  $("#main").prepend(p);
}

// ---- sign in ----
function login() {
  $("#main").innerHTML = `<h2>${esc(t("login.title"))} <button id="login-lang" type="button">${esc(t("nav.lang"))}</button></h2><form id="login"><label>${esc(t("login.token"))}<br><textarea id="token" rows="4" cols="60"></textarea></label><button>${esc(t("login.submit"))}</button></form>`;
  $("#login-lang").onclick = async () => { S.lang = S.lang === "en" ? "zh-Hant" : "en"; localStorage.setItem("bx.lang", S.lang); await loadLang(); login(); };
  $("#login").onsubmit = async (ev) => {
    ev.preventDefault();
    S.token = $("#token").value.trim();
    try { S.me = await api("/api/v1/me"); localStorage.setItem("bx.token", S.token); location.hash = "#/board"; }
    catch { S.token = null; $("#main").insertAdjacentHTML("beforeend", `<p class="bad">${esc(t("login.bad"))}</p>`); }
  };
}

// ---- board ----
const STATUSES = ["logged", "received", "priced", "assigned", "scheduled", "on_site", "in_progress", "completed", "accepted", "closed"];
// How long before an appointment a card is marked at risk (a display choice, not a rule).
const AT_RISK_MS = 30 * 60000;
function flags(o, now) {
  const out = [];
  // The rules' numbers come from the server (R-APPOINT, R-HANDOVER), never from here.
  const grace = S.me.rules.arrival_grace_minutes * 60000;
  const handover = S.me.rules.handover_limit_minutes * 60000;
  if (o.appointment && !o.arrived_at && ["assigned", "scheduled"].includes(o.status)) {
    if (now > o.appointment + grace) out.push("late"); else if (now > o.appointment - AT_RISK_MS) out.push("atrisk");
  }
  if (o.status === "logged" && now > o.logged_at + handover) out.push("handover");
  // R-PAID: fees agreed on site await the manager's approval.
  if (o.fees_pending) out.push("fees");
  return out;
}
// Each column is its own page of the list, so a busy office sees every order (the count
// in the header, "more" for the next page); finished columns start folded, so the board
// fits a 1366 px screen. Built from DOM nodes (s3.js's `h`), data only as text.
const BOARD_PAGE = 50;
const FOLDED = ["accepted", "closed"];
async function board() {
  // The search (unit, name, id) stays while the board refreshes.
  const q = S.boardSearch ? "&q=" + encodeURIComponent(S.boardSearch) : "";
  const [pages, devices, users] = await Promise.all([
    Promise.all(STATUSES.map((st) => api(`/api/v1/orders?status=${st}&limit=${BOARD_PAGE}${q}`))),
    api("/api/v1/devices").catch(() => []),
    api("/api/v1/users").catch(() => []),
  ]);
  const name = (u) => (users.find((p) => p.id === u) || {}).name || u.slice(0, 8);
  const now = Date.now();
  const card = (o) => {
    const f = flags(o, now);
    if (o.anomalies > 0) f.push("anomaly");
    const label = { late: "board.late", atrisk: "board.atrisk", fees: "board.fees", handover: "board.handover", anomaly: "board.anomaly" };
    return h("a", { class: "card " + (f.includes("late") ? "late" : f.length ? "atrisk" : ""), href: "#/order/" + o.id, "data-order": o.id, "data-status": o.status },
      h("span", { class: "who" }, o.unit, " ", o.customer_name),
      f.map((x) => h("span", { class: "tag " + (x === "late" || x === "anomaly" ? "" : "warn"), "data-flag": x }, t(label[x]))),
      h("span", { class: "muted desc" }, o.description),
      o.technicians.length ? h("span", { class: "tech" }, t("board.card.tech"), o.technicians.map(name).join("、")) : null,
      o.appointment ? h("span", { class: "appt" }, t("board.card.appt"), when(o.appointment)) : null);
  };
  const column = (st, page) => {
    const list = h("div", { class: "cards" }, page.items.length ? page.items.map(card) : h("span", { class: "muted" }, t("board.empty")));
    let shown = page.items.length;
    const more = h("button", { class: "more", type: "button", on: { click: async () => {
      const next = await api(`/api/v1/orders?status=${st}&limit=${BOARD_PAGE}&offset=${shown}${q}`).catch(fail);
      if (!next) return;
      list.append(...next.items.map(card));
      shown += next.items.length;
      more.hidden = shown >= next.total;
    } } }, t("board.more"));
    more.hidden = shown >= page.total;
    const col = h("section", { class: "column" + (FOLDED.includes(st) ? " folded" : ""), "data-column": st },
      h("h3", {}, h("button", { type: "button", class: "fold", "aria-expanded": String(!FOLDED.includes(st)), on: { click: () => {
        const folded = col.classList.toggle("folded");
        col.querySelector(".fold").setAttribute("aria-expanded", String(!folded));
      } } }, t("status." + st), " ", h("span", { class: "count", "data-count": page.total }, page.total))),
      list, more);
    return col;
  };
  const search = h("input", { id: "board-q", type: "search", value: S.boardSearch || "", maxlength: 100, "aria-label": t("board.search") });
  document.getElementById("main").replaceChildren(
    h("h2", {}, t("board.title"), " ", h("span", { class: "live", id: "live" })),
    h("form", { id: "board-search", class: "inline", on: { submit: (ev) => { ev.preventDefault(); S.boardSearch = search.value.trim(); board().catch(fail); } } },
      h("label", {}, t("board.search"), " ", search), " ", h("button", {}, t("board.find"))),
    h("div", { class: "columns", id: "board" }, STATUSES.map((st, i) => column(st, pages[i]))),
    h("h3", {}, t("board.techs")),
    h("table", {}, h("tr", {}, h("th", {}, t("month.technician")), h("th", {}, t("board.lastsync"))),
      devices.map((d) => h("tr", {}, h("td", {}, name(d.user)), h("td", {}, d.last_sync ? when(d.last_sync) : t("board.never"))))));
  showConn();
}

// ---- intake ----
function intake() {
  const ch = ["phone", "walk_in", "app", "verbal"].map((c) => `<option value="${c}">${esc(t("channel." + c))}</option>`).join("");
  $("#main").innerHTML = `<h2>${esc(t("intake.title"))}</h2><form id="intake">
    <label>${esc(t("intake.name"))} <input id="in-name" required></label><label>${esc(t("intake.unit"))} <input id="in-unit" required></label>
    <label>${esc(t("intake.phone"))} <input id="in-phone" required></label>
    <label>${esc(t("intake.appointment"))} <input id="in-at" type="datetime-local"></label><label>${esc(t("intake.channel"))} <select id="in-channel">${ch}</select></label>
    <label>${esc(t("intake.description"))} <input id="in-desc" required></label><button id="in-submit">${esc(t("intake.submit"))}</button></form>`;
  $("#intake").onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      // R-APPOINT: the visit is booked with the caller at intake when they agree a time.
      const at = $("#in-at").value ? new Date($("#in-at").value).getTime() : null;
      const o = await post("/api/v1/orders", { customer: { name: $("#in-name").value, unit: $("#in-unit").value, phone: $("#in-phone").value }, channel: $("#in-channel").value, description: $("#in-desc").value, appointment: at });
      location.hash = "#/order/" + o.id;
    } catch (e) { fail(e); }
  };
}

// ---- order ----
function decodeStrokes(b64) {
  const bin = atob(b64.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64.length + 3) % 4));
  const bytes = Array.from(bin, (c) => c.charCodeAt(0));
  let pos = 0;
  const varint = () => { let v = 0, shift = 0, b; do { b = bytes[pos++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80); return v; };
  const unzig = (v) => (v % 2 ? -(v + 1) / 2 : v / 2);
  const strokes = [];
  let x = 0, y = 0;
  for (let n = varint(), i = 0; i < n; i++) {
    const s = [];
    for (let m = varint(), j = 0; j < m; j++) { x += unzig(varint()); y += unzig(varint()); s.push([x, y]); }
    strokes.push(s);
  }
  return strokes;
}
function signatureSvg(sig) {
  const strokes = decodeStrokes(sig.strokes);
  const pts = strokes.flat();
  const maxX = Math.max(10, ...pts.map((p) => p[0])) + 10, maxY = Math.max(10, ...pts.map((p) => p[1])) + 10;
  const paths = strokes.map((s) => `<path d="M${s.map((p) => p.join(" ")).join(" L")}" fill="none" stroke="#1f3a5f" stroke-width="2"/>`).join("");
  return `<svg class="sig" id="signature" viewBox="0 0 ${maxX} ${maxY}" width="320">${paths}</svg>`;
}
async function order(id) {
  const [o, users] = await Promise.all([api("/api/v1/orders/" + id), api("/api/v1/users").catch(() => [])]);
  const s = o.state;
  const name = (u) => (users.find((p) => p.id === u) || {}).name || u.slice(0, 8);
  const tl = s.timeline.map((e) => `<tr data-kind="${e.kind}"><td>${esc(t("event." + e.kind))}</td><td>${esc(name(e.author.user))} (${esc(e.author.role)})</td><td>${esc(e.author.device.slice(0, 8))}</td><td>${esc(when(e.at))}${e.time_certain ? "" : ` <span class="bad">(${esc(t("order.uncertain"))})</span>`}</td></tr>`).join("");
  const an = s.anomalies.length ? s.anomalies.map((a) => `<li class="bad" data-anomaly="${a.kind.type}">${esc(t("anomaly." + a.kind.type))} (${esc(a.rule)})</li>`).join("") : `<li class="good">${esc(t("order.noanomalies"))}</li>`;
  const fees = s.fees.items.map((i) => `<tr data-line="${esc(i.code || "")}"><td>${esc(i.description)}</td><td>${money(i.materials)}</td><td>${money(i.labour)}</td><td>${i.code ? esc(t("order.fromschedule")) + " " + esc(i.code) : `<span class="tag warn">${esc(t("order.offschedule"))}</span>`}</td></tr>`).join("");
  // R-PAID: fees agreed on site that the manager has not approved yet.
  const pending = s.anomalies.some((a) => a.kind.type === "fees_not_approved");
  const sig = s.customer_signature
    ? signatureSvg(s.customer_signature) + `<p class="${s.customer_signature.valid ? "good" : "bad"}" id="sig-valid">${esc(t(s.customer_signature.valid ? "order.sigvalid" : "order.siginvalid"))}</p>`
    : `<p class="muted">${esc(t("order.nosig"))}</p>`;
  $("#main").innerHTML = `<h2>${esc(t("order.title"))} <span id="order-status" data-status="${o.status}">${esc(t("status." + o.status))}</span></h2>
    <div class="panel">${esc(t("order.customer"))}: ${esc(s.customer.name)} ${esc(s.customer.unit)} · ${esc(s.description)}<br>${esc(t("order.appointment"))}: ${esc(when(s.appointment && s.appointment.at))}</div>
    <div id="actions"></div>
    <h3>${esc(t("order.fees"))}${s.paid === false ? " · " + esc(t("order.free")) : ""}</h3><table><tr><th>${esc(t("order.item"))}</th><th>${esc(t("order.materials"))}</th><th>${esc(t("order.labour"))}</th><th>${esc(t("order.source"))}</th></tr>${fees}<tr><th>${esc(t("order.total"))}</th><th colspan="3" id="fees-total">${money(s.fees.total)}</th></tr></table>
    ${s.damages.length ? `<h3>${esc(t("order.damages"))}</h3><table id="damages">${s.damages.map((d) => `<tr data-damage="${d.stamp.event}"><td>${esc(d.what)}</td><td>${money(d.compensation)}</td><td>${d.approved == null ? esc(t("order.notapproved")) : esc(t("order.approved")) + " " + money(d.approved)}</td><td>${d.settled ? esc(t("order.settled." + d.settled)) : ""}</td><td class="damage-actions"></td></tr>`).join("")}</table><p>${esc(t("order.due"))}: <b id="amount-due">${money(o.amount_due)}</b></p>` : ""}
    <h3>${esc(t("order.signature"))}</h3>${sig}
    <h3>${esc(t("order.anomalies"))}</h3><ul id="anomalies">${an}</ul>
    <h3>${esc(t("order.timeline"))}</h3><table id="timeline"><tr><th></th><th>${esc(t("order.who"))}</th><th>${esc(t("order.device"))}</th><th>${esc(t("order.when"))}</th></tr>${tl}</table>`;
  const act = $("#actions");
  const may = (a) => S.me.allowed_actions.includes(a);
  // R-COPIES: the printable four-part form, and a share link to the customer's copy.
  act.insertAdjacentHTML("beforeend", `<p class="copies"><button id="do-print">${esc(t("action.print"))}</button>${s.customer_signature ? ` <button id="do-share">${esc(t("action.share"))}</button> <input id="share-url" readonly size="60">` : ""}</p>`);
  $("#do-print").onclick = async () => {
    const res = await fetch(`/api/v1/orders/${id}/form`, { headers: { Authorization: "Bearer " + S.token } });
    const w = window.open(URL.createObjectURL(new Blob([await res.text()], { type: "text/html" })));
    if (w) w.onload = () => w.print();
  };
  if (s.customer_signature) $("#do-share").onclick = () => post(`/api/v1/orders/${id}/share`).then((r) => { $("#share-url").value = location.origin + r.url; }, fail);
  // R-HANDOVER: the administrator signs the register and hands the order to a manager.
  if (may("HandOver") && !s.handed_over && !s.received_at && o.status === "logged") {
    const managers = users.filter((p) => p.role === "dispatcher" && p.active !== false);
    act.innerHTML = `<form id="handover"><label>${esc(t("action.handover_to"))} <select id="ho-to">${managers.map((p) => `<option value="${p.id}">${esc(p.name)}</option>`).join("")}</select></label><button id="do-handover">${esc(t("action.handover"))}</button></form>`;
    $("#handover").onsubmit = (ev) => { ev.preventDefault(); post(`/api/v1/orders/${id}/handover`, { to: $("#ho-to").value }).then(() => order(id), fail); };
  }
  // R-COLLECT: finance receipts a signed paid order; the administrator collects with it.
  if (may("Receipt") && s.fees.paid && s.customer_signature && !s.receipt) {
    act.innerHTML = `<form id="receipt"><label>${esc(t("billing.receipt"))} <input id="rc-number" required></label><button id="do-receipt">${esc(t("action.receipt"))} ${money(o.amount_due)}</button></form>`;
    $("#receipt").onsubmit = (ev) => { ev.preventDefault(); post(`/api/v1/orders/${id}/receipt`, { number: $("#rc-number").value, amount: o.amount_due }).then(() => order(id), fail); };
  }
  if (may("Collect") && s.receipt && !s.collection) {
    act.innerHTML = `<form id="collect"><label>${esc(t("billing.method"))} <select id="co-method"><option value="cash">${esc(t("billing.cash"))}</option><option value="card">${esc(t("billing.card"))}</option><option value="transfer">${esc(t("billing.transfer"))}</option></select></label><button id="do-collect">${esc(t("action.collect"))} ${money(o.amount_due)} · ${esc(s.receipt.number)}</button></form>`;
    $("#collect").onsubmit = (ev) => { ev.preventDefault(); post(`/api/v1/orders/${id}/collection`, { amount: o.amount_due, method: $("#co-method").value, receipt: s.receipt.number }).then(() => order(id), fail); };
  }
  // R-PREMISES: the manager approves compensation; finance settles it (paid or credited).
  for (const d of s.damages) {
    const cell = document.querySelector(`tr[data-damage="${d.stamp.event}"] .damage-actions`);
    const path = (w) => `/api/v1/orders/${id}/damages/${d.stamp.event}/${w}`;
    if (may("Price") && !d.settled) {
      cell.insertAdjacentHTML("beforeend", `<input class="dm-amount" type="number" value="${(d.approved ?? d.compensation) / 100}"><button class="do-approve-damage">${esc(t("action.approve"))}</button>`);
      cell.querySelector(".do-approve-damage").onclick = () => post(path("approval"), { amount: Math.round(+cell.querySelector(".dm-amount").value * 100) }).then(() => order(id), fail);
    }
    if (may("Receipt") && d.approved != null && !d.settled) {
      cell.insertAdjacentHTML("beforeend", `<button class="do-settle-paid">${esc(t("order.settled.paid"))}</button>${s.receipt ? "" : `<button class="do-settle-credited">${esc(t("order.settled.credited"))}</button>`}`);
      cell.querySelector(".do-settle-paid").onclick = () => post(path("settlement"), { how: "paid" }).then(() => order(id), fail);
      const cr = cell.querySelector(".do-settle-credited");
      if (cr) cr.onclick = () => post(path("settlement"), { how: "credited" }).then(() => order(id), fail);
    }
  }
  // R-MONTH 零修: the manager may classify the order, overriding the office's rule.
  if (may("Price") && !s.cancelled) {
    const cls = s.small_repair == null ? "" : s.small_repair ? "small" : "project";
    act.insertAdjacentHTML("beforeend", `<form id="classify"><label>${esc(t("order.classification"))} <select id="cl-small"><option value="small"${cls === "small" ? " selected" : ""}>${esc(t("order.small"))}</option><option value="project"${cls === "project" ? " selected" : ""}>${esc(t("order.project"))}</option></select></label><label>${esc(t("action.reason"))} <input id="cl-reason" required></label><button id="do-classify">${esc(t("action.save"))}</button></form>`);
    $("#classify").onsubmit = (ev) => { ev.preventDefault(); post(`/api/v1/orders/${id}/classification`, { small: $("#cl-small").value === "small", reason: $("#cl-reason").value }).then(() => order(id), fail); };
  }
  if (may("Price") && pending) {
    act.insertAdjacentHTML("beforeend", `<form id="approve-fees"><p class="bad">${esc(t("order.awaiting"))} ${money(s.approved ? s.approved.total : 0)} → ${money(s.fees.total)}</p><label>${esc(t("action.reason"))} <input id="af-reason" required></label><button id="do-approve-fees">${esc(t("action.approvefees"))}</button></form>`);
    $("#approve-fees").onsubmit = (ev) => { ev.preventDefault(); post(`/api/v1/orders/${id}/fees`, { items: s.fees.items, paid: s.fees.paid, reason: $("#af-reason").value }).then(() => order(id), fail); };
  }
  if (!may("Receive")) return;
  if (o.status === "logged") {
    act.insertAdjacentHTML("afterbegin", `<button id="do-receive">${esc(t("action.receive"))}</button>`);
    $("#do-receive").onclick = () => post(`/api/v1/orders/${id}/receive`).then(() => order(id), fail);
  } else if (o.status === "received") {
    // R-PAID: the manager prices from the published schedule (or sets a price of their own).
    const sched = await api("/api/v1/fee-schedule").catch(() => null);
    const opts = sched ? sched.items.map((i) => `<option value="${esc(i.code)}">${esc(i.code)} ${esc(i.name)}</option>`).join("") : "";
    act.insertAdjacentHTML("afterbegin", `<form id="price"><label><input type="checkbox" id="pr-paid" checked> ${esc(t("action.paid"))}</label>${sched ? `<label>${esc(t("nav.schedule"))} <select id="pr-code"><option value="">—</option>${opts}</select></label>` : ""}<label>${esc(t("order.item"))} <input id="pr-desc" value="${esc(s.description)}"></label><label>${esc(t("order.materials"))} <input id="pr-mat" type="number" value="0"></label><label>${esc(t("order.labour"))} <input id="pr-lab" type="number" value="0"></label><button id="do-price">${esc(t("action.price"))}</button></form>`);
    const chosen = () => sched && $("#pr-code").value ? sched.items.find((i) => i.code === $("#pr-code").value) : null;
    if (sched) $("#pr-code").onchange = () => { const i = chosen(); if (i) { $("#pr-desc").value = i.name; $("#pr-mat").value = i.free ? 0 : i.materials / 100; $("#pr-lab").value = i.free ? 0 : i.labour / 100; $("#pr-paid").checked = !i.free; } };
    $("#price").onsubmit = (ev) => {
      ev.preventDefault();
      const paid = $("#pr-paid").checked;
      const line = { description: $("#pr-desc").value, materials: Math.round(+$("#pr-mat").value * 100), labour: Math.round(+$("#pr-lab").value * 100) };
      const i = chosen();
      // A line keeps its schedule code only while it is the schedule's item at its price.
      if (i && line.description === i.name && line.materials === (i.free ? 0 : i.materials) && line.labour === (i.free ? 0 : i.labour)) line.code = i.code;
      const items = paid ? [line] : [];
      post(`/api/v1/orders/${id}/pricing`, { paid, items }).then(() => order(id), fail);
    };
  } else if (o.status === "priced") {
    const sug = await api(`/api/v1/orders/${id}/suggestions`);
    const users = await api("/api/v1/users");
    const name = (u) => (users.find((p) => p.id === u) || {}).name || u;
    act.insertAdjacentHTML("afterbegin", `<form id="assign"><h3>${esc(t("action.suggest"))}</h3><select id="as-tech">${sug.map((x) => `<option value="${x.technician}">${x.rank}. ${esc(name(x.technician))}${x.specialty_match ? " ★" : ""} (${x.load})</option>`).join("")}</select><button id="do-assign">${esc(t("action.assign"))}</button></form>`);
    $("#assign").onsubmit = (ev) => { ev.preventDefault(); post(`/api/v1/orders/${id}/assign`, { technicians: [$("#as-tech").value] }).then(() => order(id), fail); };
  } else if (o.status === "assigned" && !s.appointment) {
    act.insertAdjacentHTML("afterbegin", `<form id="appoint"><label>${esc(t("action.appointment"))} <input id="ap-at" type="datetime-local"></label><button id="do-appoint">${esc(t("action.save"))}</button></form>`);
    $("#appoint").onsubmit = (ev) => { ev.preventDefault(); post(`/api/v1/orders/${id}/appointment`, { at: new Date($("#ap-at").value).getTime() }).then(() => order(id), fail); };
  }
}

// ---- fee schedule (R-PAID, R-SERVICE-LIST) ----
async function schedule() {
  const cur = await api("/api/v1/fee-schedule").catch(() => null);
  const rows = cur ? cur.items.map((i) => `<tr data-item="${esc(i.code)}"><td>${esc(i.code)}</td><td>${esc(i.name)}</td><td>${esc(i.category)}</td><td>${i.free ? esc(t("schedule.free")) : money(i.materials)}</td><td>${i.free ? "" : money(i.labour)}</td></tr>`).join("") : "";
  const csv = cur ? cur.items.map((i) => [i.code, i.name, i.category, decimal(i.materials), decimal(i.labour), i.free ? "free" : ""].join(",")).join("\n") : "";
  $("#main").innerHTML = `<h2>${esc(t("schedule.title"))} ${cur ? "v" + cur.version + " · " + esc(t("schedule.from")) + " " + esc(when(cur.effective_from)) : ""}</h2>
    ${cur ? "" : `<p class="muted" id="no-schedule">${esc(t("schedule.none"))}</p>`}
    <table id="schedule"><tr><th>${esc(t("schedule.code"))}</th><th>${esc(t("order.item"))}</th><th>${esc(t("schedule.category"))}</th><th>${esc(t("order.materials"))}</th><th>${esc(t("order.labour"))}</th></tr>${rows}</table>`;
  if (!S.me.allowed_actions.includes("PublishSchedule")) return;
  $("#main").insertAdjacentHTML("beforeend", `<form id="publish"><h3>${esc(t("schedule.publish"))}</h3><p class="muted">${esc(t("schedule.csv"))}</p><textarea id="sc-csv" rows="12" cols="90">${esc(csv)}</textarea><br><label>${esc(t("schedule.effective"))} <input id="sc-from" type="datetime-local"></label><button id="do-publish">${esc(t("schedule.publish"))}</button></form>`);
  $("#publish").onsubmit = (ev) => {
    ev.preventDefault();
    const cents = (x) => Math.round(+x * 100);
    const items = $("#sc-csv").value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
      const [code, name, category, materials, labour, free] = l.split(",").map((x) => (x || "").trim());
      return { code, name, category, materials: cents(materials || 0), labour: cents(labour || 0), free: free === "free" };
    });
    const from = $("#sc-from").value ? new Date($("#sc-from").value).getTime() : Date.now();
    post("/api/v1/fee-schedule", { effective_from: from, items }).then(schedule, fail);
  };
}

// ---- billing (R-COLLECT) ----
async function billing() {
  const [rc, co] = await Promise.all([api("/api/v1/billing?stage=receipt"), api("/api/v1/billing?stage=collection")]);
  const days = (ms) => (ms / 86400000).toFixed(1);
  const rows = (q) => q.items.map((r) => `<tr data-billing="${r.id}"><td><a href="#/order/${r.id}">${esc(r.unit)}</a></td><td>${esc(r.customer_name)}</td><td>${esc(r.phone)}</td><td>${money(r.total)}</td><td>${esc(r.receipt || "")}</td><td>${days(r.age_ms)}${r.overdue ? ` <span class="tag overdue">${esc(t("billing.overdue"))}</span>` : ""}</td></tr>`).join("") || `<tr><td colspan="6" class="muted">${esc(t("board.empty"))}</td></tr>`;
  const head = `<tr><th>${esc(t("intake.unit"))}</th><th>${esc(t("order.customer"))}</th><th>${esc(t("intake.phone"))}</th><th>${esc(t("order.total"))}</th><th>${esc(t("billing.receipt"))}</th><th>${esc(t("billing.age"))}</th></tr>`;
  $("#main").innerHTML = `<h2>${esc(t("billing.title"))}</h2><p class="muted">${esc(t("billing.overdue_after"))} ${rc.overdue_days}</p>
    <h3>${esc(t("billing.to_receipt"))}</h3><table id="to-receipt">${head}${rows(rc)}</table>
    <h3>${esc(t("billing.to_collect"))}</h3><table id="to-collect">${head}${rows(co)}</table>`;
}

// ---- month end ----
function bars(rows, key) {
  const w = 320;
  return `<svg width="${w + 200}" height="${rows.length * 22 + 4}" class="chart">${rows.map((r, i) => {
    const raw = r[key] && r[key].basis_points;
    const bp = raw ?? 0;
    const label = raw == null ? "—" : (bp / 100).toFixed(2) + "%";
    return `<text x="0" y="${i * 22 + 15}" font-size="12">${esc(r.name || "—")}</text><rect x="120" y="${i * 22 + 3}" width="${(bp / 10000) * w}" height="16" fill="#1f3a5f"/><text x="${125 + (bp / 10000) * w}" y="${i * 22 + 15}" font-size="12">${label}</text>`;
  }).join("")}</svg>`;
}
async function download(path, filename) {
  const res = await fetch(path, { headers: { Authorization: "Bearer " + S.token } });
  if (!res.ok) throw new Error(res.status);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(await res.blob());
  a.download = filename;
  // Attached while clicked (a detached link may be opened instead of saved), then freed.
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
async function month() {
  const m = new Date().toLocaleDateString("sv-SE", { timeZone: S.me.office.time_zone }).slice(0, 7);
  const [st, reg, cbs] = await Promise.all([api("/api/v1/stats?month=" + m), api("/api/v1/register?month=" + m).catch(() => null), api("/api/v1/callbacks?status=planned")]);
  const pct = (r) => (r.basis_points == null ? "—" : (r.basis_points / 100).toFixed(2) + "%");
  const regRows = reg ? reg.rows.map((r) => `<tr><td>${esc(r.unit)}</td><td>${esc(r.customer)}</td><td>${esc(r.items)}</td><td>${money(r.total)}</td><td>${esc(r.technician_name)}</td><td>${esc(r.receipt || "")}</td></tr>`).join("") : "";
  const queue = cbs.map((c) => `<tr data-callback="${c.id}"><td>${esc(c.order.slice(0, 8))}</td><td>${esc(t("cb." + c.status))}</td><td><form class="cb-form" data-id="${c.id}"><label><input type="checkbox" class="cb-reached" checked> ${esc(t("month.reached"))}</label> <label>${esc(t("month.score"))} <input class="cb-score" type="number" min="1" max="5" value="5"></label> <label><input type="checkbox" class="cb-held" checked> ${esc(t("month.held"))}</label> <button>${esc(t("month.record"))}</button></form></td></tr>`).join("");
  $("#main").innerHTML = `<h2>${esc(t("month.title"))} ${esc(m)}</h2>
    <div class="panel" id="stats">${esc(t("month.ontime"))}: <b id="st-ontime">${pct(st.on_time)}</b> (${esc(t("month.noshows"))} <span id="st-noshows">${st.no_shows}</span>) · ${esc(t("month.pass"))}: <b>${pct(st.pass)}</b> · ${esc(t("month.handover"))}: <span id="st-handover">${pct(st.handover_on_time)}</span> (${esc(t("month.handover_median"))} ${st.handover_median_minutes ?? "—"} · ${esc(t("month.handover_longest"))} ${st.handover_longest_minutes ?? "—"} ${esc(t("month.minutes"))}; ${esc(t("month.never_received"))} ${st.handover_never_received}) · ${esc(t("month.satisfaction"))}: <b id="st-satisfied">${pct(st.satisfaction.satisfied)}</b> (${st.satisfaction.average_hundredths == null ? "—" : (st.satisfaction.average_hundredths / 100).toFixed(2)}) · ${esc(t("month.completed"))}: ${st.completed} · ${esc(t("month.paid"))}: ${money(st.paid_total)} · ${esc(t("month.compensation"))}: <span id="st-compensation">${money(st.compensation)}</span></div>
    <h3>${esc(t("month.ontime"))}</h3>${bars(st.per_technician, "on_time")}
    <h3>${esc(t("month.pass"))}</h3>${bars(st.per_technician, "pass")}
    <p><button id="x-xlsx">${esc(t("month.export"))} XLSX</button> <button id="x-csv">${esc(t("month.export"))} CSV</button></p>
    <h3>${esc(t("month.register"))}</h3><table id="register"><tr><th>${esc(t("intake.unit"))}</th><th>${esc(t("order.customer"))}</th><th>${esc(t("order.item"))}</th><th>${esc(t("order.total"))}</th><th>${esc(t("month.technician"))}</th><th>${esc(t("month.receipt"))}</th></tr>${regRows}</table>
    <h3>${esc(t("month.sample"))}</h3><form id="sample"><label>${esc(t("month.percent"))} <input id="sm-pct" type="number" min="0" max="100" value="${S.me.settings.sample_percent}"></label><button id="do-sample">${esc(t("month.draw"))}</button></form>
    <h3>${esc(t("month.queue"))}</h3><table id="queue">${queue}</table><div id="close-panel"></div>`;
  // R-MONTH: the month before is closed and filed; later facts show as amendments.
  const [y, mo] = m.split("-").map(Number);
  const prev = mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, "0")}`;
  const pv = await api("/api/v1/months/" + prev);
  const panel = $("#close-panel");
  if (pv.closed) {
    const am = pv.amendments.map((a) => `<tr data-amendment="${esc(a.figure)}"><td>${esc(a.figure)}${a.what ? " (" + esc(t("month.amend." + a.what)) + ")" : ""}</td><td>${esc(a.name)}</td><td>${a.figure.includes("total") || a.figure === "register" ? money(a.filed) : a.filed}</td><td>${a.figure.includes("total") || a.figure === "register" ? money(a.live) : a.live}</td></tr>`).join("");
    panel.innerHTML = `<h3>${esc(prev)}</h3><p class="good" id="month-closed">${esc(t("month.closed"))} ${esc(when(pv.closed_at))}</p>${am ? `<h4>${esc(t("month.amendments"))}</h4><table id="amendments"><tr><th></th><th>${esc(t("month.technician"))}</th><th>${esc(t("month.filed"))}</th><th>${esc(t("month.live"))}</th></tr>${am}</table>` : `<p class="muted">${esc(t("month.noamendments"))}</p>`}`;
  } else if (S.me.allowed_actions.includes("CloseMonth")) {
    panel.innerHTML = `<h3>${esc(prev)}</h3><button id="do-close">${esc(t("month.close"))} ${esc(prev)}</button>`;
    $("#do-close").onclick = () => post(`/api/v1/months/${prev}/close`).then(month, fail);
  }
  const lang = S.lang === "en" ? "&lang=en" : "";
  $("#x-xlsx").onclick = () => download(`/api/v1/stats?month=${m}&format=xlsx${lang}`, `stats-${m}.xlsx`);
  $("#x-csv").onclick = () => download(`/api/v1/register?month=${m}&format=csv${lang}`, `register-${m}.csv`);
  $("#sample").onsubmit = (ev) => { ev.preventDefault(); post("/api/v1/samples", { month: m, percent: +$("#sm-pct").value }).then(month, fail); };
  document.querySelectorAll(".cb-form").forEach((f) => {
    f.onsubmit = (ev) => {
      ev.preventDefault();
      const reached = f.querySelector(".cb-reached").checked;
      post(`/api/v1/callbacks/${f.dataset.id}/result`, { reached, satisfaction: reached ? +f.querySelector(".cb-score").value : null, repair_held: reached ? (f.querySelector(".cb-held").checked ? "pass" : "fail") : null, fallback_method: reached ? null : "on_site" }).then(month, fail);
    };
  });
}

// ---- complaints ----
async function complaints() {
  const list = await api("/api/v1/complaints");
  // Only what the caller's role may do is offered (the server's policy, from /me).
  const may = (a) => S.me.allowed_actions.includes(a);
  const rows = list.map((v) => {
    const c = v.complaint, d = v.next_deadline;
    const mark = d ? (d.overdue ? `<span class="tag">${esc(t("complaints.overdue"))}</span>` : d.at_risk ? `<span class="tag warn">${esc(t("complaints.atrisk"))}</span>` : "") : "";
    return `<tr data-complaint="${c.id}"><td>${esc(c.received_day)}</td><td>${esc(c.complainant)}</td><td>${esc(c.subject)}</td><td data-status="${esc(v.status)}">${esc(t("complaint.status." + v.status))}</td><td>${d ? esc(d.due) + " (" + d.working_days_left + ")" : ""}${mark}</td><td>${may("ActOnComplaint") ? `<select class="cp-act"><option value="">${esc(t("complaints.action"))}</option><option value="material">${esc(t("complaints.material"))}</option><option value="accept">${esc(t("complaints.accept"))}</option><option value="refuse">${esc(t("complaints.refuse"))}</option>${may("DecideComplaint") ? `<option value="decide">${esc(t("complaints.decide"))}</option>` : ""}<option value="told">${esc(t("complaints.told"))}</option></select>` : ""}</td></tr>`;
  }).join("");
  const ch = ["hotline", "fax", "letter", "walk_in", "email", "online"].map((c) => `<option value="${c}">${esc(t("complaint.channel." + c))}</option>`).join("");
  $("#main").innerHTML = `<h2>${esc(t("complaints.title"))}</h2><table id="complaints"><tr><th></th><th>${esc(t("complaints.complainant"))}</th><th>${esc(t("complaints.subject"))}</th><th></th><th>${esc(t("complaints.due"))} (${esc(t("complaints.left"))})</th><th></th></tr>${rows}</table>
    ${may("RecordComplaint") ? `<form id="new-complaint"><h3>${esc(t("complaints.new"))}</h3><label>${esc(t("complaints.channel"))} <select id="cp-channel">${ch}</select></label><label>${esc(t("complaints.complainant"))} <input id="cp-who" required></label><label>${esc(t("intake.unit"))} <input id="cp-unit" required></label><label>${esc(t("complaints.subject"))} <input id="cp-subject" required></label><label><input type="checkbox" id="cp-complete" checked> ${esc(t("complaints.complete"))}</label><label><input type="checkbox" id="cp-cust" checked> ${esc(t("complaints.byCustomer"))}</label><button>${esc(t("complaints.new"))}</button></form>` : ""}`;
  if (may("RecordComplaint")) $("#new-complaint").onsubmit = (ev) => {
    ev.preventDefault();
    post("/api/v1/complaints", { channel: $("#cp-channel").value, complainant: $("#cp-who").value, unit: $("#cp-unit").value, subject: $("#cp-subject").value, by_customer_or_agent: $("#cp-cust").checked, material_complete: $("#cp-complete").checked }).then(complaints, fail);
  };
  document.querySelectorAll(".cp-act").forEach((sel) => {
    sel.onchange = () => {
      const id = sel.closest("tr").dataset.complaint, v = sel.value;
      const body = v === "accept" || v === "refuse" ? { action: "answer", decision: v, reason: v === "refuse" ? prompt(t("action.reason")) : null }
        : v === "decide" ? { action: "decide", outcome: "upheld", text: prompt(t("complaints.decide")) || "" } : { action: v };
      post(`/api/v1/complaints/${id}/actions`, body).then(complaints, fail);
    };
  });
}

// ---- routing and live updates ----
// The token never goes into a URL: the stream opens with a one-minute ticket, and a new one
// is fetched whenever the stream has to be opened again.
// The board tells the truth about the stream: live, reconnecting (since a moment ago), or
// offline since a time, once reconnecting has failed for a while.
const OFFLINE_AFTER_MS = 10000;
function showConn() {
  const el = document.getElementById("live");
  if (!el) return;
  const c = S.conn;
  el.dataset.state = c.state;
  el.className = "live " + c.state;
  el.textContent = "● " + (c.state === "live" ? t("board.live") : c.state === "offline" ? t("board.offline") + " " + when(c.since) : t("board.reconnecting"));
}
function lost() {
  S.events = null;
  const since = S.conn.since || Date.now();
  S.conn = { state: Date.now() - since > OFFLINE_AFTER_MS ? "offline" : "reconnecting", since };
  showConn();
  setTimeout(live, 2000);
}
async function live() {
  // Only the roles the policy lets follow the office's changes open the stream.
  if (S.events || !S.token || !S.me || !S.me.allowed_actions.includes("Events")) return;
  S.events = "opening";
  try {
    const { ticket } = await post("/api/v1/tickets");
    const es = new EventSource("/api/v1/events?ticket=" + encodeURIComponent(ticket));
    es.onopen = () => { S.conn = { state: "live", since: null }; showConn(); };
    es.onmessage = () => { const h = location.hash; if (h.startsWith("#/board") || h.startsWith("#/order/") || h.startsWith("#/case/")) route(); };
    es.onerror = () => { es.close(); lost(); };
    S.events = es;
  } catch { lost(); }
}
async function route() {
  const h = location.hash || "#/board";
  if (!S.token && h !== "#/login") { location.hash = "#/login"; return; }
  nav();
  try {
    if (h === "#/login") login();
    else if (h.startsWith("#/order/")) await order(h.slice(8));
    else if (h === "#/intake") intake();
    else if (h === "#/month") await month();
    else if (h === "#/billing") await billing();
    else if (h === "#/schedule") await schedule();
    else if (h === "#/complaints") await complaints();
    else if (h.startsWith("#/case/")) await s3Case(h.slice(7));
    else if (h === "#/s3/requisition") await s3NewRequisition();
    else if (h === "#/s3/reports") await s3Reports();
    // The roles of vehicles and supplies have no board: their home is their cases.
    else if (h === "#/s3" || !S.me.allowed_actions.includes("ListOrders")) await s3Cases();
    else await board();
    live();
  } catch (e) { fail(e); }
}
window.addEventListener("hashchange", route);
(async () => {
  await loadLang();
  if (S.token) S.me = await api("/api/v1/me").catch(() => { S.token = null; localStorage.removeItem("bx.token"); return null; });
  route();
})();
