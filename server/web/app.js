// baoxiu web console: the office's staff at their desks. No build step; every string comes
// from the message catalogue (/i18n/<lang>.json), Traditional Chinese by default. Pages are
// built from DOM nodes (dom.js). The session is an HttpOnly cookie the page never sees: the
// token is exchanged for it once at sign-in, and sign-out revokes it on the server.
"use strict";

const S = { lang: localStorage.getItem("bx.lang") || "zh-Hant", msgs: {}, me: null, events: null, conn: { state: "connecting", since: null }, board: {} };
const $ = (sel) => document.querySelector(sel);
const t = (k) => S.msgs[k] || k;

async function api(path, opts = {}) {
  // Same-origin requests carry the session cookie; no credential is held by the page.
  const res = await fetch(path, { ...opts, credentials: "same-origin", headers: { "Content-Type": "application/json", ...(opts.headers || {}) } });
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (res.status === 401 && S.me) {
    // The session ended (signed out elsewhere, deactivated, expired): sign in again.
    S.me = null;
    location.hash = "#/login";
  }
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
async function switchLang() {
  S.lang = S.lang === "en" ? "zh-Hant" : "en";
  localStorage.setItem("bx.lang", S.lang);
  await loadLang();
  route();
}

// Each role's home: where its day starts (issue 17). What it may open comes from the
// server's policy (GET /api/v1/me), never from a copy here.
function home() {
  const r = S.me.role;
  if (!mayDo("ListOrders")) return "#/s3";
  if (r === "front_desk") return "#/intake";
  if ((r === "administrator" || r === "finance") && mayDo("Billing")) return "#/billing";
  if (r === "supervisor" && mayDo("Stats")) return "#/month";
  return "#/board";
}

function nav() {
  const el = $("#nav");
  if (!S.me) { el.replaceChildren(); return; }
  const links = mayDo("ListOrders") ? [["board", "nav.board"], ["intake", "nav.intake"]] : [];
  if (mayDo("Billing")) links.push(["billing", "nav.billing"]);
  if (mayDo("ReadSchedule")) links.push(["schedule", "nav.schedule"]);
  if (mayDo("Stats")) links.push(["month", "nav.month"]);
  if (mayDo("ReadComplaints")) links.push(["complaints", "nav.complaints"]);
  // S3: vehicles and supplies (s3.js).
  if (mayDo("ReadCases")) links.push(["s3", "nav.s3"]);
  if (mayDo("FleetReport") || mayDo("SuppliesReport")) links.push(["s3/reports", "nav.s3reports"]);
  const here = location.hash;
  el.replaceChildren(
    ...links.map(([p, k]) => h("a", { href: "#/" + p, id: "nav-" + p.replace("/", "-"), "aria-current": here === "#/" + p ? "page" : null }, t(k))),
    h("span", { class: "who", id: "who" }, S.me.name, " · ", t("role." + S.me.role)),
    h("button", { id: "lang", type: "button", on: { click: switchLang } }, t("nav.lang")),
    h("button", { id: "signout", type: "button", on: { click: signOut } }, t("nav.signout")));
}

async function signOut() {
  // The server revokes the session; a copy of the cookie is worth nothing after.
  await api("/api/v1/session", { method: "DELETE" }).catch(() => null);
  localStorage.removeItem("bx.signedin");
  if (S.events && S.events.close) S.events.close();
  S.events = null;
  S.me = null;
  location.hash = "#/login";
}

// An error in the reader's language, by the server's code: a rule's refusal names the
// rule; the server's own words are the detail on hover.
function fail(e) {
  const code = e.code || "network";
  const said = S.msgs["error." + code] ? t("error." + code) : /^R-/.test(code) ? t("error.rule") + " " + code : t("error.other");
  const old = document.getElementById("error");
  if (old) old.remove();
  const p = h("p", { class: "bad", id: "error", role: "alert", "data-code": code, title: e.message }, t("common.error") + ": " + said);
  $("#main").prepend(p);
}

// ---- sign in ----
function login() {
  const token = h("textarea", { id: "token", rows: 4, cols: 60, autocomplete: "off", required: true });
  const form = h("form", { id: "login", on: onSubmit(async () => {
    try {
      await post("/api/v1/session", { token: token.value.trim() });
      S.me = await api("/api/v1/me");
      // Not a credential: only whether to ask the server who we are on the next load.
      localStorage.setItem("bx.signedin", "1");
      location.hash = home();
    } catch {
      S.me = null;
      form.querySelector(".bad")?.remove();
      form.append(h("p", { class: "bad", role: "alert" }, t("login.bad")));
    }
  }) }, h("label", {}, t("login.token"), h("br"), token), " ", h("button", {}, t("login.submit")));
  show(h("h2", {}, t("login.title"), " ", h("button", { id: "login-lang", type: "button", on: { click: async () => {
    S.lang = S.lang === "en" ? "zh-Hant" : "en";
    localStorage.setItem("bx.lang", S.lang);
    await loadLang();
    login();
  } } }, t("nav.lang"))), form);
  token.focus();
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
  // The search (unit, name, phone, id) and the filters stay while the board refreshes.
  const f = S.board;
  const day = (d, end) => (d ? new Date(d + "T00:00:00").getTime() + (end ? 86400000 : 0) : null);
  const q = (f.q ? "&q=" + encodeURIComponent(f.q) : "") + (f.tech ? "&technician=" + f.tech : "") +
    (f.paid ? "&paid=" + f.paid : "") + (f.from ? "&from=" + day(f.from) : "") + (f.to ? "&to=" + day(f.to, true) : "");
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
  const search = h("input", { id: "board-q", type: "search", value: f.q || "", maxlength: 100 });
  const techs = users.filter((p) => p.role === "technician");
  const tech = h("select", { id: "board-tech" }, h("option", { value: "" }, t("board.all")), options(techs.map((p) => [p.id, p.name]), f.tech));
  const paid = h("select", { id: "board-paid" }, options([["", t("board.all")], ["true", t("board.paid")], ["false", t("board.free")]], f.paid || ""));
  const from = h("input", { id: "board-from", type: "date", value: f.from || "" });
  const to = h("input", { id: "board-to", type: "date", value: f.to || "" });
  document.getElementById("main").replaceChildren(
    h("h2", {}, t("board.title"), " ", h("span", { class: "live", id: "live" })),
    h("form", { id: "board-search", class: "inline", on: onSubmit(() => {
      S.board = { q: search.value.trim(), tech: tech.value, paid: paid.value, from: from.value, to: to.value };
      return board();
    }) },
      field(t("board.search"), search), " ", field(t("month.technician"), tech), " ", field(t("board.paidfilter"), paid), " ",
      field(t("board.from"), from), " ", field(t("board.to"), to), " ", h("button", {}, t("board.find"))),
    h("div", { class: "columns", id: "board" }, STATUSES.map((st, i) => column(st, pages[i]))),
    h("h3", {}, t("board.techs")),
    h("table", {}, h("tr", {}, h("th", {}, t("month.technician")), h("th", {}, t("board.lastsync"))),
      devices.map((d) => h("tr", {}, h("td", {}, name(d.user)), h("td", {}, d.last_sync ? when(d.last_sync) : t("board.never"))))));
  showConn();
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
  if (S.events || !S.me || !S.me.allowed_actions.includes("Events")) return;
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
  const hsh = location.hash || "";
  if (!S.me && hsh !== "#/login") { location.hash = "#/login"; return; }
  if (S.me && (hsh === "" || hsh === "#/" || hsh === "#/login")) { location.hash = home(); return; }
  nav();
  try {
    if (hsh === "#/login") login();
    else if (hsh.startsWith("#/order/")) await order(hsh.slice(8));
    else if (hsh === "#/intake") await intake();
    else if (hsh === "#/month") await month();
    else if (hsh === "#/billing") await billing();
    else if (hsh === "#/schedule") await schedule();
    else if (hsh === "#/complaints") await complaints();
    else if (hsh.startsWith("#/case/")) await s3Case(hsh.slice(7));
    else if (hsh === "#/s3/requisition") await s3NewRequisition();
    else if (hsh === "#/s3/reports") await s3Reports();
    // The roles of vehicles and supplies have no board: their home is their cases.
    else if (hsh === "#/s3" || !mayDo("ListOrders")) await s3Cases();
    else await board();
    live();
  } catch (e) { fail(e); }
}
window.addEventListener("hashchange", route);
(async () => {
  await loadLang();
  // A session cookie from earlier (same browser session) signs straight in.
  if (localStorage.getItem("bx.signedin")) S.me = await api("/api/v1/me").catch(() => { localStorage.removeItem("bx.signedin"); return null; });
  route();
})();
