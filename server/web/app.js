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
  // R-CS-HQ: head office starts at every office side by side.
  if (mayDo("Oversee")) return "#/hq";
  if (!mayDo("ListOrders")) return "#/s3";
  if (r === "front_desk" || r === "cs_agent") return "#/intake";
  if (r === "cs_manager") return "#/complaints";
  if (r === "qa_inspector") return "#/qa";
  if ((r === "administrator" || r === "finance") && mayDo("Billing")) return "#/billing";
  if (r === "supervisor" && mayDo("Stats")) return "#/month";
  if (r === "admin") return "#/admin";
  return "#/board";
}

function nav() {
  const el = $("#nav");
  if (!S.me) { el.replaceChildren(); return; }
  const links = mayDo("ListOrders") ? [["board", "nav.board"]] : [];
  if (mayDo("Intake")) links.push(["intake", "nav.intake"]);
  if (mayDo("Oversee")) links.push(["hq", "nav.hq"]);
  if (mayDo("Billing")) links.push(["billing", "nav.billing"]);
  if (mayDo("ReadSchedule")) links.push(["schedule", "nav.schedule"]);
  if (mayDo("Stats")) links.push(["month", "nav.month"]);
  // R-VISIT: the calls given to the caller, and the call-back programmes (visits.js).
  if (mayDo("MakeCallbacks")) links.push(["visits", "nav.visits"]);
  if (mayDo("ReadComplaints")) links.push(["complaints", "nav.complaints"]);
  if (mayDo("ReadContacts")) links.push(["contacts", "nav.contacts"]);
  if (mayDo("ReadCustomers")) links.push(["customers", "nav.customers"]);
  if (mayDo("ReadImprovements")) links.push(["improvements", "nav.improvements"]);
  if (mayDo("ReadQa")) links.push(["qa", "nav.qa"]);
  if (mayDo("Kpi")) links.push(["kpi", "nav.kpi"]);
  // S3: vehicles and supplies (s3.js).
  if (mayDo("ReadCases")) links.push(["s3", "nav.s3"]);
  // R-VISIT-OWNER: everyone may be named the owner of a problem found on a call-back.
  if (mayDo("Tasks")) links.push(["tasks", "nav.tasks"]);
  if (mayDo("ManageUsers")) links.push(["admin", "nav.admin"]);
  if (mayDo("FleetReport") || mayDo("SuppliesReport")) links.push(["s3/reports", "nav.s3reports"]);
  const here = location.hash;
  el.replaceChildren(
    // R-VISIT-OWNER: the caller's tasks that ask for attention, counted on the nav.
    ...links.map(([p, k]) => h("a", { href: "#/" + p, id: "nav-" + p.replace("/", "-"), "aria-current": here === "#/" + p ? "page" : null }, t(k),
      p === "tasks" && S.me.tasks_needing_attention ? h("span", { class: "badge", id: "tasks-badge" }, String(S.me.tasks_needing_attention)) : null)),
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
    // A change elsewhere repaints the page, unless the reader has started filling in a
    // form on it: what they typed is never wiped; the page is fresh again once they act.
    es.onmessage = () => { const h = location.hash; if (!S.typing && (h.startsWith("#/board") || h.startsWith("#/order/") || h.startsWith("#/case/"))) route(); };
    es.onerror = () => { es.close(); lost(); };
    S.events = es;
  } catch { lost(); }
}
// Renders run one after another, so a slow page (a language switch re-rendering the page
// it is on) never paints over the page navigated to after it; calls while one waits to
// start fold into it (it reads the location when it starts).
let routing = Promise.resolve();
let queued = false;
function route() {
  if (queued) return routing;
  queued = true;
  routing = routing.then(() => { queued = false; return render(); });
  return routing;
}
async function render() {
  const hsh = location.hash || "";
  if (!S.me && hsh !== "#/login") { location.hash = "#/login"; return; }
  if (S.me && (hsh === "" || hsh === "#/" || hsh === "#/login")) { location.hash = home(); return; }
  nav();
  try {
    if (hsh === "#/login") login();
    else if (hsh.startsWith("#/order/")) await order(hsh.slice(8));
    else if (hsh === "#/intake") await intake();
    else if (hsh.startsWith("#/intake?customer=")) await intake(decodeURIComponent(hsh.slice(18)));
    else if (hsh === "#/contacts") await frontDoor();
    else if (hsh === "#/customers") await customers();
    else if (hsh === "#/customers/tiers") await customerTiers();
    else if (hsh === "#/customers/churn") await customerChurn();
    else if (hsh.startsWith("#/customer/")) await customerPage(hsh.slice(11));
    else if (hsh === "#/improvements") await improvements();
    else if (hsh.startsWith("#/improvement/")) await improvementPage(hsh.slice(14));
    else if (hsh === "#/month") await month();
    else if (hsh === "#/qa") await qaPage();
    else if (hsh === "#/visits") await visitsPage();
    else if (hsh.startsWith("#/programme/")) await programmePage(decodeURIComponent(hsh.slice(12)));
    else if (hsh === "#/kpi") await kpiPage();
    else if (hsh === "#/hq") await hq();
    else if (hsh.startsWith("#/hq/office/")) await hqOffice(decodeURIComponent(hsh.slice(12)));
    else if (hsh === "#/billing") await billing();
    else if (hsh === "#/schedule") await schedule();
    else if (hsh === "#/complaints") await complaints();
    else if (hsh === "#/complaints/analysis") await complaintAnalysis();
    else if (hsh.startsWith("#/complaint/")) await complaintPage(hsh.slice(12));
    else if (hsh === "#/tasks") await tasks();
    else if (hsh === "#/admin") await admin();
    else if (hsh.startsWith("#/case/")) await s3Case(hsh.slice(7));
    else if (hsh === "#/s3/requisition") await s3NewRequisition();
    else if (hsh === "#/s3/reports") await s3Reports();
    // The roles of vehicles and supplies have no board: their home is their cases.
    else if (hsh === "#/s3" || (!mayDo("ListOrders") && mayDo("ReadCases"))) await s3Cases();
    else if (!mayDo("ListOrders")) location.hash = home();
    else await board();
    live();
  } catch (e) { fail(e); }
}
window.addEventListener("hashchange", route);
for (const ev of ["input", "change"]) document.addEventListener(ev, (e) => { if (e.target.closest && e.target.closest("#main form")) S.typing = true; });
(async () => {
  await loadLang();
  // A session cookie from earlier (same browser session) signs straight in.
  if (localStorage.getItem("bx.signedin")) S.me = await api("/api/v1/me").catch(() => { localStorage.removeItem("bx.signedin"); return null; });
  route();
})();
