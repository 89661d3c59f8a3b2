// baoxiu web console: the dispatcher's board. Two views of the same list: a column per
// status (each column its own page of the list, with the API's count and "more", so a busy
// office sees every order; finished columns folded, so it fits 1366 px), or a lane per
// technician with their open work. Search (unit, name, phone, id) and filters (technician,
// paid, logged dates) are the API's. Built from DOM nodes (dom.js).
"use strict";

const STATUSES = ["logged", "received", "priced", "assigned", "scheduled", "on_site", "in_progress", "completed", "accepted", "closed"];
// A technician's work not finished yet: what a lane shows.
const OPEN = ["assigned", "scheduled", "on_site", "in_progress"];
const BOARD_PAGE = 50;
const FOLDED = ["accepted", "closed"];
// How long before an appointment a card is marked at risk (a display choice, not a rule).
const AT_RISK_MS = 30 * 60000;

// A card's badges. The rules' numbers come from the server (R-APPOINT, R-HANDOVER), never
// from here. `lastSync` is each technician's latest phone sync.
function flags(o, now, lastSync) {
  const out = [];
  const grace = S.me.rules.arrival_grace_minutes * 60000;
  const handover = S.me.rules.handover_limit_minutes * 60000;
  if (o.appointment && !o.arrived_at && ["assigned", "scheduled"].includes(o.status)) {
    if (now > o.appointment + grace) out.push("late"); else if (now > o.appointment - AT_RISK_MS) out.push("atrisk");
  }
  if (o.status === "logged" && now > o.logged_at + handover) out.push("handover");
  // R-PAID: fees agreed on site await the manager's approval.
  if (o.fees_pending) out.push("fees");
  if (o.anomalies > 0) out.push("anomaly");
  // Offline work: the visit was due, and no phone of its technicians has synced since —
  // what happened on site may be sitting on a phone in a basement.
  if (o.appointment && now > o.appointment && OPEN.includes(o.status) && o.technicians.length &&
      o.technicians.every((u) => (lastSync[u] || 0) < o.appointment)) out.push("unsynced");
  return out;
}

function boardQuery() {
  const f = S.board;
  // Dates are the office's days.
  const day = (d, end) => (d ? new Date(new Date(d + "T00:00:00Z").getTime() + (end ? 86400000 : 0)).getTime() - zoneOffset(d) : null);
  return (f.q ? "&q=" + encodeURIComponent(f.q) : "") + (f.tech ? "&technician=" + f.tech : "") +
    (f.paid ? "&paid=" + f.paid : "") + (f.from ? "&from=" + day(f.from) : "") + (f.to ? "&to=" + day(f.to, true) : "");
}
// The office zone's offset from UTC on a day (ms), so a date filter means the office's day.
function zoneOffset(d) {
  const noon = new Date(d + "T12:00:00Z");
  const local = new Date(noon.toLocaleString("sv-SE", { timeZone: S.me.office.time_zone }).replace(" ", "T") + "Z");
  return local.getTime() - noon.getTime();
}

async function board() {
  const f = S.board;
  const q = boardQuery();
  const [devices, users] = await Promise.all([api("/api/v1/devices").catch(() => []), api("/api/v1/users").catch(() => [])]);
  const name = (u) => (users.find((p) => p.id === u) || {}).name || String(u).slice(0, 8);
  const lastSync = {};
  for (const d of devices) lastSync[d.user] = Math.max(lastSync[d.user] || 0, d.last_sync || 0);
  const now = Date.now();
  const label = { late: "board.late", atrisk: "board.atrisk", fees: "board.fees", handover: "board.handover", anomaly: "board.anomaly", unsynced: "board.unsynced" };
  const card = (o) => {
    const fl = flags(o, now, lastSync);
    return h("a", { class: "card " + (fl.includes("late") ? "late" : fl.length ? "atrisk" : ""), href: "#/order/" + o.id, "data-order": o.id, "data-status": o.status },
      h("span", { class: "who" }, o.unit, " ", o.customer_name),
      fl.map((x) => h("span", { class: "tag " + (x === "late" || x === "anomaly" ? "" : "warn"), "data-flag": x }, t(label[x]))),
      h("span", { class: "muted desc" }, o.description),
      o.technicians.length ? h("span", { class: "tech" }, t("board.card.tech"), o.technicians.map(name).join("、")) : null,
      o.appointment ? h("span", { class: "appt" }, t("board.card.appt"), when(o.appointment)) : null);
  };
  // A list that pages: the first page, then "more" until the API's total is shown.
  const paged = (path, page) => {
    const list = h("div", { class: "cards" }, page.items.length ? page.items.map(card) : h("span", { class: "muted" }, t("board.empty")));
    let shown = page.items.length;
    const more = h("button", { class: "more", type: "button", on: { click: async () => {
      const next = await api(`${path}&offset=${shown}`).catch(fail);
      if (!next) return;
      list.append(...next.items.map(card));
      shown += next.items.length;
      more.hidden = shown >= next.total;
    } } }, t("board.more"));
    more.hidden = shown >= page.total;
    return [list, more];
  };
  let view;
  if (f.view === "lanes") {
    // A lane per technician (or the one the filter names): their open work, by status.
    const techs = users.filter((p) => p.role === "technician" && p.active !== false && (!f.tech || p.id === f.tech));
    const lanes = await Promise.all(techs.map(async (p) => {
      const path = `/api/v1/orders?technician=${p.id}&limit=${BOARD_PAGE}${q.replace(/&technician=[^&]*/, "")}`;
      const pages = await Promise.all(OPEN.map((st) => api(`${path}&status=${st}`)));
      const items = pages.flatMap((x) => x.items).sort((a, b) => (a.appointment || Infinity) - (b.appointment || Infinity));
      const total = pages.reduce((n, x) => n + x.total, 0);
      return h("section", { class: "lane", "data-lane": p.id },
        h("h3", {}, p.name, " ", h("span", { class: "count", "data-count": total }, total), " · ", t("board.lastsync"), " ",
          lastSync[p.id] ? when(lastSync[p.id]) : t("board.never")),
        h("div", { class: "cards" }, items.length ? items.map(card) : h("span", { class: "muted" }, t("board.empty"))),
        total > items.length ? h("p", { class: "muted" }, t("board.lanemore"), " ", total - items.length) : null);
    }));
    view = h("div", { class: "lanes", id: "lanes" }, lanes);
  } else {
    const pages = await Promise.all(STATUSES.map((st) => api(`/api/v1/orders?status=${st}&limit=${BOARD_PAGE}${q}`)));
    view = h("div", { class: "columns", id: "board" }, STATUSES.map((st, i) => {
      const [list, more] = paged(`/api/v1/orders?status=${st}&limit=${BOARD_PAGE}${q}`, pages[i]);
      const folded = FOLDED.includes(st);
      const col = h("section", { class: "column" + (folded ? " folded" : ""), "data-column": st },
        h("h3", {}, h("button", { type: "button", class: "fold", "aria-expanded": String(!folded), on: { click: () => {
          const now2 = col.classList.toggle("folded");
          col.querySelector(".fold").setAttribute("aria-expanded", String(!now2));
        } } }, t("status." + st), " ", h("span", { class: "count", "data-count": pages[i].total }, pages[i].total))),
        list, more);
      return col;
    }));
  }
  const search = h("input", { id: "board-q", type: "search", value: f.q || "", maxlength: 100 });
  const techs = users.filter((p) => p.role === "technician");
  const tech = h("select", { id: "board-tech" }, h("option", { value: "" }, t("board.all")), options(techs.map((p) => [p.id, p.name]), f.tech));
  const paid = h("select", { id: "board-paid" }, options([["", t("board.all")], ["true", t("board.paid")], ["false", t("board.free")]], f.paid || ""));
  const from = h("input", { id: "board-from", type: "date", value: f.from || "" });
  const to = h("input", { id: "board-to", type: "date", value: f.to || "" });
  const switchTo = (v) => () => { S.board = { ...S.board, view: v }; board().catch(fail); };
  show(
    h("h2", {}, t("board.title"), " ", h("span", { class: "live", id: "live", role: "status" })),
    h("div", { class: "view-switch", role: "group", "aria-label": t("board.view") },
      h("button", { type: "button", id: "view-columns", "aria-pressed": String(f.view !== "lanes"), on: { click: switchTo("columns") } }, t("board.bystatus")), " ",
      h("button", { type: "button", id: "view-lanes", "aria-pressed": String(f.view === "lanes"), on: { click: switchTo("lanes") } }, t("board.bytech"))),
    h("form", { id: "board-search", class: "inline", on: onSubmit(() => {
      S.board = { view: f.view, q: search.value.trim(), tech: tech.value, paid: paid.value, from: from.value, to: to.value };
      return board();
    }) },
      field(t("board.search"), search), " ", field(t("month.technician"), tech), " ", field(t("board.paidfilter"), paid), " ",
      field(t("board.from"), from), " ", field(t("board.to"), to), " ", h("button", {}, t("board.find"))),
    view,
    h("h3", {}, t("board.techs")),
    table("devices", [t("month.technician"), t("board.lastsync")],
      devices.map((d) => h("tr", {}, h("td", {}, name(d.user)), h("td", {}, d.last_sync ? when(d.last_sync) : t("board.never"))))));
  showConn();
}
