// baoxiu web console: the building blocks every screen uses. Pages are built from DOM
// nodes: data goes in only as text nodes or attribute values, never as HTML, so nothing a
// customer typed can become markup. No build step; loaded first.
"use strict";

// An element with attributes (`on` maps events to handlers) and children (strings become
// text nodes).
function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "on") for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else if (v === true) e.setAttribute(k, "");
    else if (v !== false && v != null) e.setAttribute(k, String(v));
  }
  for (const k of kids.flat(Infinity)) if (k != null && k !== false) e.append(k instanceof Node ? k : String(k));
  return e;
}
// The same for SVG (the charts and the signature).
function svg(tag, attrs, ...kids) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, String(v));
  for (const k of kids.flat(Infinity)) if (k != null && k !== false) e.append(k instanceof Node ? k : String(k));
  return e;
}
// A page painted afresh has nothing typed into it yet (see app.js: live updates).
const show = (...nodes) => { S.typing = false; document.getElementById("main").replaceChildren(...nodes.flat(Infinity).filter((n) => n != null && n !== false)); };
const mayDo = (a) => S.me.allowed_actions.includes(a);
const locale = () => (S.lang === "en" ? "en-GB" : "zh-TW");
// Dates and times in the office's zone (each office has its own).
const dayOf = (ms) => (ms ? new Date(ms).toLocaleDateString(locale(), { timeZone: S.me.office.time_zone }) : "");
const timeOf = (ms) => (ms ? new Date(ms).toLocaleString(locale(), { timeZone: S.me ? S.me.office.time_zone : undefined }) : "");
const when = timeOf;
const table = (id, heads, rows) => h("table", { id }, h("tr", {}, heads.map((x) => h("th", {}, x))), rows);
const monthNow = () => new Date().toLocaleDateString("sv-SE", { timeZone: S.me.office.time_zone }).slice(0, 7);
// A labelled form field: the label wraps the control, so a screen reader names it.
const field = (label, control) => h("label", {}, label, " ", control);
const options = (pairs, selected) => pairs.map(([v, label]) => h("option", { value: v, selected: v === selected }, label));
// Minor units as a plain decimal, for the fee schedule's editable CSV.
// A rate from the API (basis points) as a percentage, "—" where nothing was counted.
const percent = (r) => (r && r.basis_points != null ? (r.basis_points / 100).toFixed(2) + "%" : "—");
const decimal = (m) => (m < 0 ? "-" : "") + Math.floor(Math.abs(m) / 100) + "." + String(Math.abs(m) % 100).padStart(2, "0");
// Money as shown: the office's currency (NT$ for TWD), or another office's where given;
// decimals only where there are some.
function money(m, currency) {
  const cents = Math.abs(m) % 100;
  const major = Math.floor(Math.abs(m) / 100).toLocaleString(locale());
  const cur = currency || (S.me ? S.me.office.currency : "TWD");
  return (m < 0 ? "-" : "") + (cur === "TWD" ? "NT$" : cur + " ") + major + (cents ? "." + String(cents).padStart(2, "0") : "");
}
// A form's submit handler that never reloads the page and shows the server's refusal.
const onSubmit = (f) => ({ submit: (ev) => { ev.preventDefault(); Promise.resolve().then(f).catch(fail); } });
// Saves a file the server makes (an export), with the session cookie.
async function download(path, filename) {
  const res = await fetch(path, { credentials: "same-origin" });
  if (!res.ok) { const e = new Error(String(res.status)); e.code = "http_" + res.status; throw e; }
  const a = h("a", { href: URL.createObjectURL(await res.blob()), download: filename });
  // Attached while clicked (a detached link may be opened instead of saved), then freed.
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
