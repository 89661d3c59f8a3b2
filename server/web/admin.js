// baoxiu web console: the admin's home — the office's people (add, deactivate) and its
// settings (the numbers the rules leave to the office, each with its documented default).
// Built from DOM nodes (dom.js).
"use strict";

// The people roles an office gives (the server refuses the system role).
const PERSON_ROLES = ["front_desk", "administrator", "dispatcher", "technician", "finance", "supervisor", "cs_agent", "admin",
  "leader", "fleet_manager", "driver", "department_head", "logistics_clerk"];

async function admin(saved) {
  const [users, settings] = await Promise.all([api("/api/v1/users"), api("/api/v1/settings")]);
  const parts = [h("h2", {}, t("admin.title")), h("h3", {}, t("admin.people"))];
  parts.push(table("people", [t("admin.name"), t("admin.role"), t("admin.specialties"), t("admin.active"), ""], users.map((p) => h("tr", { "data-user": p.id, "data-active": String(p.active) },
    h("td", {}, p.name), h("td", {}, t("role." + p.role)), h("td", {}, (p.specialties || []).join("、"), p.zone ? " · " + p.zone : ""),
    h("td", { class: p.active ? "good" : "muted" }, t(p.active ? "admin.yes" : "admin.no")),
    h("td", {}, mayDo("ManageUsers") && p.active && p.id !== S.me.user
      ? h("button", { type: "button", class: "do-deactivate", on: { click: () => {
        if (confirm(t("admin.confirm") + " " + p.name)) post(`/api/v1/users/${p.id}/deactivate`).then(admin, fail);
      } } }, t("admin.deactivate")) : null)))));
  if (mayDo("ManageUsers")) {
    const name = h("input", { id: "pu-name", required: true });
    const role = h("select", { id: "pu-role" }, options(PERSON_ROLES.map((r) => [r, t("role." + r)]), "technician"));
    const specialties = h("input", { id: "pu-specialties", placeholder: "plumbing, electrical" });
    const zone = h("input", { id: "pu-zone" });
    parts.push(h("form", { id: "new-person", on: onSubmit(() => post("/api/v1/users", {
      name: name.value, role: role.value, zone: zone.value.trim() || null,
      specialties: specialties.value.split(/[,，、]/).map((x) => x.trim()).filter(Boolean),
    }).then(admin)) }, h("h3", {}, t("admin.add")), field(t("admin.name"), name), field(t("admin.role"), role),
      field(t("admin.specialties"), specialties), field(t("admin.zone"), zone), h("p", { class: "muted" }, t("admin.tokenhint")), h("button", { id: "do-add-person" }, t("admin.add"))));
  }
  // Every setting the API serves, as a number field; the catalogue names each one.
  const inputs = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, h("input", { type: "number", id: "st-" + k, value: v, required: true })]));
  const editable = mayDo("EditSettings");
  for (const i of Object.values(inputs)) if (!editable) i.readOnly = true;
  parts.push(h("h3", {}, t("admin.settings")), h("form", { id: "settings", on: onSubmit(() => {
    const body = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, +i.value]));
    return api("/api/v1/settings", { method: "PUT", body: JSON.stringify(body) }).then(() => admin(true));
  }) }, Object.entries(inputs).map(([k, i]) => field(t("setting." + k), i)), editable ? h("button", { id: "do-settings" }, t("action.save")) : null,
    saved === true ? h("p", { class: "good", id: "settings-saved", role: "status" }, t("admin.saved")) : null));
  parts.push(await contactsForm(editable), mayDo("Quality") ? await filingForm(editable) : null, await channelsForm(editable), await trainingSection(users));
  show(...parts);
}

// R-CPL-CHANNEL: the complaint contacts the office publishes (on every customer's copy).
const CONTACT_FIELDS = ["phone", "fax", "postal_address", "reception_address", "email", "other"];
async function contactsForm(editable) {
  const cur = await api("/api/v1/complaint-contacts");
  const inputs = Object.fromEntries(CONTACT_FIELDS.map((k) => [k, h("input", { id: "cc-" + k, value: cur[k] || "", size: 40, readonly: !editable })]));
  return h("form", { id: "complaint-contacts", on: onSubmit(() => api("/api/v1/complaint-contacts", { method: "PUT",
    body: JSON.stringify(Object.fromEntries(CONTACT_FIELDS.map((k) => [k, inputs[k].value]))) }).then(() => admin(true))) },
  h("h3", {}, t("admin.contacts")), h("p", { class: "muted" }, t("admin.contactsHint")),
  CONTACT_FIELDS.map((k) => [field(t("contact." + k), inputs[k]), h("br")]), editable ? h("button", { id: "do-contacts" }, t("action.save")) : null);
}

// R-CPL-REPORT: the regulator's filing — the office's rules (one a line), its evaluation
// scheme, the people responsible (name | post | phone, one a line) — and its printout.
async function filingForm(editable) {
  const cur = await api("/api/v1/complaint-filing");
  const rules = h("textarea", { id: "fl-rules", rows: 3, cols: 60, readonly: !editable }, cur.rules.join("\n"));
  const scheme = h("textarea", { id: "fl-scheme", rows: 3, cols: 60, readonly: !editable }, cur.evaluation_scheme);
  const people = h("textarea", { id: "fl-people", rows: 3, cols: 60, readonly: !editable }, cur.people.map((p) => [p.name, p.post, p.phone].join(" | ")).join("\n"));
  const lines = (x) => x.value.split("\n").map((l) => l.trim()).filter(Boolean);
  return h("form", { id: "complaint-filing", on: onSubmit(() => api("/api/v1/complaint-filing", { method: "PUT", body: JSON.stringify({
    rules: lines(rules), evaluation_scheme: scheme.value,
    people: lines(people).map((l) => { const [name, post, phone] = l.split("|").map((x) => x.trim()); return { name: name || "", post: post || "", phone: phone || "" }; }),
  }) }).then(() => admin(true))) },
  h("h3", {}, t("filing.title")), h("p", { class: "muted" }, t("filing.hint")),
  field(t("filing.rules"), rules), field(t("filing.scheme"), scheme), field(t("filing.people"), people),
  cur.missing.length ? h("p", { class: "tag warn", id: "filing-missing" }, t("filing.missing") + " " + cur.missing.map((m) => t("filing.part." + m)).join("、"))
    : h("p", {}, h("a", { id: "filing-print", href: "/api/v1/complaint-filing/report?lang=" + (S.lang === "en" ? "en" : "zh"), target: "_blank", rel: "noopener" }, t("filing.print"))),
  editable ? h("button", { id: "do-filing" }, t("action.save")) : null);
}

// R-CS-TRAINING: who was trained for what, and recording a training (the admin).
async function trainingSection(users) {
  const records = await api("/api/v1/trainings");
  const name = (id) => (users.find((u) => u.id === id) || { name: id }).name;
  const parts = [h("h3", {}, t("training.title")),
    table("trainings", [t("admin.name"), t("training.kind"), t("training.course"), t("training.completed")],
      records.map((r) => h("tr", { "data-person": r.person }, h("td", {}, name(r.person)), h("td", {}, t("training.kind." + r.kind)), h("td", {}, r.course), h("td", {}, r.completed_on))))];
  if (mayDo("ManageUsers")) {
    const person = h("select", { id: "tr-person" }, options(users.filter((u) => u.active).map((u) => [u.id, u.name + " · " + t("role." + u.role)]), (users.find((u) => u.role === "cs_agent") || {}).id));
    const kind = h("select", { id: "tr-kind" }, options(["pre_duty", "refresher", "other"].map((k) => [k, t("training.kind." + k)]), "pre_duty"));
    const course = h("input", { id: "tr-course", required: true, value: "客服中心崗前培訓" });
    const day = h("input", { id: "tr-day", type: "date", required: true });
    parts.push(h("form", { id: "new-training", on: onSubmit(() => post("/api/v1/trainings", { person: person.value, kind: kind.value, course: course.value, completed_on: day.value }).then(() => admin(true))) },
      field(t("admin.name"), person), " ", field(t("training.kind"), kind), " ", field(t("training.course"), course), " ", field(t("training.completed"), day), " ",
      h("button", { id: "do-training" }, t("training.record"))));
  }
  return h("section", {}, parts);
}
