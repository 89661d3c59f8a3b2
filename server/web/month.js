// baoxiu web console: month end (R-MONTH) — the figures, the paid-service register, and
// the supervisor's call-back workflow (R-VISIT): the month's sample drawn once, a queue a
// supervisor can make the calls from, the answers recorded, a fallback when a call fails,
// and the month's progress. Built from DOM nodes (dom.js).
"use strict";

function bars(rows, key) {
  const w = 320;
  return svg("svg", { width: w + 200, height: rows.length * 22 + 4, class: "chart", role: "img", "aria-label": t(key === "pass" ? "month.pass" : "month.ontime") }, rows.map((r, i) => {
    const raw = r[key] && r[key].basis_points;
    const bp = raw ?? 0;
    return [svg("text", { x: 0, y: i * 22 + 15, "font-size": 12 }, r.name || "—"),
      svg("rect", { x: 120, y: i * 22 + 3, width: (bp / 10000) * w, height: 16, fill: "#1f3a5f" }),
      svg("text", { x: 125 + (bp / 10000) * w, y: i * 22 + 15, "font-size": 12 }, raw == null ? "—" : (bp / 100).toFixed(2) + "%")];
  }));
}

async function month() {
  const m = monthNow();
  const [y, mo] = m.split("-").map(Number);
  // Call-backs are about the work of the month before (month end), and this one's.
  const prev = mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, "0")}`;
  const [st, reg, pv, users] = await Promise.all([api("/api/v1/stats?month=" + m), api("/api/v1/register?month=" + m).catch(() => null),
    api("/api/v1/months/" + prev), api("/api/v1/users").catch(() => [])]);
  const pct = (r) => (r.basis_points == null ? "—" : (r.basis_points / 100).toFixed(2) + "%");
  const lang = S.lang === "en" ? "&lang=en" : "";
  const stats = h("div", { class: "panel", id: "stats" },
    t("month.ontime"), ": ", h("b", { id: "st-ontime" }, pct(st.on_time)), " (", t("month.noshows"), " ", h("span", { id: "st-noshows" }, st.no_shows), ") · ",
    t("month.pass"), ": ", h("b", {}, pct(st.pass)), " · ",
    t("month.handover"), ": ", h("span", { id: "st-handover" }, pct(st.handover_on_time)), " (", t("month.handover_median"), " ", st.handover_median_minutes ?? "—", " · ",
    t("month.handover_longest"), " ", st.handover_longest_minutes ?? "—", " ", t("month.minutes"), "; ", t("month.never_received"), " ", st.handover_never_received, ") · ",
    t("month.satisfaction"), ": ", h("b", { id: "st-satisfied" }, pct(st.satisfaction.satisfied)), " (", st.satisfaction.average_hundredths == null ? "—" : (st.satisfaction.average_hundredths / 100).toFixed(2), "; ",
    dimensionMeans(st.satisfaction.dimensions, "st-dimensions"), ") · ",
    t("month.completed"), ": ", st.completed, " · ", t("month.paid"), ": ", money(st.paid_total), " · ", t("month.compensation"), ": ", h("span", { id: "st-compensation" }, money(st.compensation)));
  const register = table("register", [t("intake.unit"), t("order.customer"), t("order.item"), t("order.total"), t("month.technician"), t("month.receipt")],
    reg ? reg.rows.map((r) => h("tr", {}, h("td", {}, r.unit), h("td", {}, r.customer), h("td", {}, r.items), h("td", {}, money(r.total)), h("td", {}, r.technician_name), h("td", {}, r.receipt || ""))) : []);
  // R-MONTH: the month before is closed and filed; later facts show as amendments.
  const close = h("div", { id: "close-panel" });
  if (pv.closed) {
    const isMoney = (a) => a.figure.includes("total") || a.figure === "register";
    close.append(h("h3", {}, prev), h("p", { class: "good", id: "month-closed" }, t("month.closed"), " ", timeOf(pv.closed_at)),
      pv.amendments.length ? [h("h4", {}, t("month.amendments")), table("amendments", ["", t("month.technician"), t("month.filed"), t("month.live")], pv.amendments.map((a) => h("tr", { "data-amendment": a.figure },
        h("td", {}, a.figure, a.what ? " (" + t("month.amend." + a.what) + ")" : ""), h("td", {}, a.name), h("td", {}, isMoney(a) ? money(a.filed) : a.filed), h("td", {}, isMoney(a) ? money(a.live) : a.live))))]
        : h("p", { class: "muted" }, t("month.noamendments")));
  } else if (mayDo("CloseMonth")) {
    close.append(h("h3", {}, prev), h("button", { id: "do-close", type: "button", on: { click: () => post(`/api/v1/months/${prev}/close`).then(month, fail) } }, t("month.close"), " ", prev));
  }
  show(h("h2", {}, t("month.title"), " ", m), stats,
    h("h3", {}, t("month.ontime")), bars(st.per_technician, "on_time"),
    h("h3", {}, t("month.pass")), bars(st.per_technician, "pass"),
    h("p", {}, h("button", { id: "x-xlsx", type: "button", on: { click: () => download(`/api/v1/stats?month=${m}&format=xlsx${lang}`, `stats-${m}.xlsx`).catch(fail) } }, t("month.export"), " XLSX"), " ",
      h("button", { id: "x-csv", type: "button", on: { click: () => download(`/api/v1/register?month=${m}&format=csv${lang}`, `register-${m}.csv`).catch(fail) } }, t("month.export"), " CSV")),
    h("h3", {}, t("month.register")), register,
    h("section", { id: "callbacks" }),
    close);
  if (mayDo("Callbacks")) await callbacks(m, users);
}

// ---- the call-back programme of a month ----
async function callbacks(m, users) {
  const q = await api("/api/v1/callbacks/queue?month=" + m);
  const name = (u) => (users.find((p) => p.id === u) || {}).name || String(u).slice(0, 8);
  const box = document.getElementById("callbacks");
  const again = () => callbacks(m, users).catch(fail);
  const pctIn = h("input", { id: "sm-pct", type: "number", min: 0, max: 100, value: S.me.settings.sample_percent });
  const parts = [h("h3", {}, t("month.sample"))];
  if (!q.sample) {
    parts.push(h("form", { id: "sample", on: onSubmit(() => post("/api/v1/samples", { month: m, percent: +pctIn.value }).then(again)) },
      field(t("month.percent"), pctIn), " ", h("button", { id: "do-sample" }, t("month.draw"))));
  } else {
    // Drawn once; drawing again needs a reason, and keeps the calls already made.
    const reason = h("input", { id: "rd-reason", required: true, maxlength: 500, size: 40 });
    parts.push(h("p", { id: "sample-drawn" }, t("month.drawn"), " ", timeOf(q.sample.created_at), " · ", name(q.sample.created_by), " · ",
      q.sample.percent, "% · ", q.sample.orders.length, " ", t("month.orders"), q.sample.reason ? [" · ", t("month.redrawn"), ": ", q.sample.reason] : null),
    h("details", { id: "redraw-box" }, h("summary", {}, t("month.redraw")),
      h("form", { id: "redraw", on: onSubmit(() => post("/api/v1/samples", { month: m, percent: +pctIn.value, redraw: reason.value }).then(again)) },
        field(t("month.percent"), pctIn), " ", field(t("action.reason"), reason), " ", h("button", { id: "do-redraw" }, t("month.redraw")))));
  }
  const p = q.progress;
  const open = await api("/api/v1/tasks?all=true").catch(() => []);
  parts.push(h("p", { id: "open-tasks" }, h("a", { href: "#/tasks" }, t("tasks.open"), " ", open.length),
    open.some((x) => x.overdue) ? [" ", h("span", { class: "tag" }, t("tasks.overdue"), " ", open.filter((x) => x.overdue).length)] : null));
  parts.push(h("h3", {}, t("month.queue")),
    h("p", { id: "cb-progress" }, t("month.done"), " ", h("b", { "data-done": p.done }, p.done), " · ", t("month.todo"), " ", h("b", { "data-todo": p.to_do }, p.to_do), " · ",
      t("month.unreachable"), " ", h("b", { "data-unreachable": p.unreachable }, p.unreachable)),
    table("queue", [t("month.when"), t("order.customer"), t("intake.unit"), t("intake.phone"), t("month.technician"), t("month.work"), t("month.completed_on"), t("month.method"), ""],
      q.rows.map((r) => queueRow(r, name, users, again))),
    // R-VISIT-RECORD: the month's call-back records, filed (回訪檔案), every call made.
    h("p", {}, h("button", { id: "x-records", type: "button", on: { click: () => download(`/api/v1/callbacks/records?month=${m}&format=xlsx${S.lang === "en" ? "&lang=en" : ""}`, `callback-records-${m}.xlsx`).catch(fail) } }, t("month.records"), " XLSX")));
  box.replaceChildren(...parts);
}

function queueRow(r, name, users, again) {
  const c = r.callback, o = r.order || {};
  const row = h("tr", { "data-callback": c.id, "data-status": c.status },
    h("td", {}, timeOf(c.planned_at)), h("td", {}, h("a", { href: "#/order/" + c.order }, o.customer_name || c.order.slice(0, 8))), h("td", {}, o.unit || ""),
    h("td", {}, o.phone ? h("a", { href: "tel:" + o.phone }, o.phone) : ""), h("td", {}, (o.technicians || []).map(name).join("、")),
    h("td", {}, (o.work && o.work.length ? o.work.join("、") : o.description || ""), o.completion_notes ? h("div", { class: "muted" }, o.completion_notes) : null),
    h("td", {}, dayOf(o.completed_at)), h("td", {}, t("cb.method." + c.method)),
    h("td", {}, c.status === "planned" ? callForm(c, users, again) : h("span", { class: c.status === "done" ? "good" : "bad" }, t("cb." + c.status),
      c.satisfaction ? " · " + c.satisfaction + "/5" : "", c.repair_held ? " · " + t("month.held." + c.repair_held) : "", c.problems ? " · " + c.problems : "",
      c.responsible ? " → " + c.responsible : "")));
  return row;
}

// The questionnaire of one call: reached or not; if reached, satisfaction, whether the
// repair held, a problem and who must act on it (R-VISIT-OWNER); if not, another way to
// try (R-VISIT: if one way fails, use another).
function callForm(c, users, again, prog) {
  const reached = h("input", { type: "checkbox", class: "cb-reached", checked: true });
  const score = h("select", { class: "cb-score" }, options([5, 4, 3, 2, 1].map((n) => [String(n), n + " · " + t("month.score." + n)]), "5"));
  const held = h("input", { type: "checkbox", class: "cb-held", checked: true });
  const problems = h("input", { class: "cb-problems", maxlength: 2000, size: 24 });
  const owner = h("select", { class: "cb-owner" }, h("option", { value: "" }, "—"), options(users.filter((p) => p.active !== false && p.role !== "admin").map((p) => [p.id, p.name + " (" + t("role." + p.role) + ")"])));
  // Under a programme its next way is the default (R-VISIT: if one way fails, use another).
  const fallback = h("select", { class: "cb-fallback" }, options([["on_site", t("cb.method.on_site")], ["online_survey", t("cb.method.online_survey")], ["phone", t("cb.method.phone")], ["", prog ? t("visit.programmeNext") : t("month.nofallback")]], prog ? "" : "on_site"));
  // S5 8: the questionnaire's dimensions and, under a programme, its free questions.
  const q = questionnaire(prog);
  // R-VISIT-CONTENT: a complaint's call-back asks about the handling, not a repair.
  const asksHeld = !c.complaint;
  const ifReached = h("span", { class: "cb-reached-fields" }, field(t("month.score"), score), " ", asksHeld ? h("label", {}, held, " ", t("month.held")) : null, " ",
    q.nodes, " ", field(t("month.problems"), problems), " ", field(t("month.owner"), owner));
  const ifNot = h("span", { class: "cb-fallback-fields", hidden: true }, field(t("month.fallback"), fallback));
  reached.addEventListener("change", () => { ifReached.hidden = !reached.checked; ifNot.hidden = reached.checked; });
  return h("form", { class: "cb-form", "data-id": c.id, on: onSubmit(() => {
    const yes = reached.checked;
    // R-VISIT-OWNER: a problem with an owner opens a task on the owner's list.
    const task = yes && problems.value.trim() && owner.value ? owner.value : null;
    return post(`/api/v1/callbacks/${c.id}/result`, {
      reached: yes,
      satisfaction: yes ? +score.value : null,
      repair_held: yes && asksHeld ? (held.checked ? "pass" : "fail") : null,
      problems: yes ? problems.value : "",
      responsible: task ? owner.selectedOptions[0].textContent : null,
      task_owner: task,
      fallback_method: yes || !fallback.value ? null : fallback.value,
      ...(yes ? q.read() : {}),
    }).then(again);
  }) }, h("label", {}, reached, " ", t("month.reached")), " ", ifReached, ifNot, " ", h("button", {}, t("month.record")));
}

// ---- owner tasks (R-VISIT-OWNER): the caller's own list; everyone's for a supervisor ----
// Each open task says why it asks for attention now (overdue, due soon, chased); those
// who make call-backs chase an owner with a note; the owner or a supervisor closes it.
async function tasks() {
  const all = mayDo("Callbacks") && S.tasksAll !== false;
  const [list, users] = await Promise.all([api("/api/v1/tasks" + (all ? "?all=true" : "")), api("/api/v1/users").catch(() => [])]);
  // The nav's reminder count follows what was just done here.
  S.me = await api("/api/v1/me");
  nav();
  const name = (u) => (users.find((p) => p.id === u) || {}).name || String(u).slice(0, 8);
  const again = () => tasks().catch(fail);
  const rows = list.map((x) => {
    const outcome = h("input", { class: "tk-outcome", required: true, maxlength: 2000, size: 28, "aria-label": t("tasks.outcome") });
    const mine = x.owner === S.me.user || mayDo("Callbacks");
    const about = x.order ? h("a", { href: "#/order/" + x.order }, x.unit || x.order.slice(0, 8)) : h("a", { href: "#/complaint/" + x.complaint }, x.unit || t("tasks.complaint"));
    const last = x.reminders[x.reminders.length - 1];
    const chased = last ? h("div", { class: "muted tk-reminded" }, t("tasks.reminded") + " ×" + x.reminders.length + " · " + name(last.by) + " " + when(last.at), last.note ? " · " + last.note : "") : null;
    const note = h("input", { class: "tk-note", maxlength: 500, size: 20, "aria-label": t("tasks.remindNote") });
    const chase = mayDo("Callbacks") && x.owner !== S.me.user
      ? h("form", { class: "tk-remind", on: onSubmit(() => post(`/api/v1/tasks/${x.id}/remind`, { note: note.value }).then(again)) }, note, " ", h("button", {}, t("tasks.remind")))
      : null;
    return h("tr", { "data-task": x.id, "data-overdue": String(x.overdue), "data-attention": x.attention || "" },
      h("td", {}, dayOf(x.due_at), x.attention ? [" ", h("span", { class: "tag" }, t("tasks.attention." + x.attention))] : null),
      h("td", {}, about, " ", x.customer_name || ""),
      h("td", {}, x.problem, chased), h("td", {}, name(x.owner)),
      h("td", {}, mine ? h("form", { class: "tk-close", on: onSubmit(() => post(`/api/v1/tasks/${x.id}/close`, { outcome: outcome.value }).then(again)) },
        outcome, " ", h("button", {}, t("tasks.close"))) : null, chase));
  });
  const waiting = S.me.tasks_needing_attention;
  show(h("h2", {}, t("tasks.title")),
    waiting ? h("p", { class: "tag", id: "tasks-attention", role: "status" }, t("tasks.needAttention") + " " + waiting) : null,
    mayDo("Callbacks") ? h("p", {}, h("button", { type: "button", id: "tasks-scope", on: { click: () => { S.tasksAll = !all; again(); } } }, t(all ? "tasks.mine" : "tasks.all"))) : null,
    list.length ? table("tasks", [t("tasks.due"), t("order.customer"), t("month.problems"), t("month.owner"), ""], rows) : h("p", { class: "muted", id: "no-tasks" }, t("tasks.none")));
}
