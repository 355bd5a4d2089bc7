// The playground page: renders Tandem's neutral messages and forms as HTML.
"use strict";
// Every change carries the token this page was served with, so no other site can make one.
const token = document.querySelector('meta[name="tandem-token"]').content;
const api = (path, body) =>
  fetch(path, body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Tandem-Token": token },
    body: JSON.stringify(body),
  }).then(async (r) => {
    if (!r.ok) throw new Error(await r.text());
    return r.json();
  });

let me = localStorage.getItem("tandem-as") || "";
let openFormId = null;
let people = [];  // the playground's people, for a form's person fields
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) node.append(c);
  return node;
};
const notice = (text) => { $("notice").textContent = text || ""; };
const requestId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));

// The neutral model's light markup: *bold*, _italic_ and `code`, built as nodes, never as HTML.
function markup(text) {
  const parts = [];
  const pattern = /(\*[^*\n]+\*|_[^_\n]+_|`[^`\n]+`)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    const inner = match[0].slice(1, -1);
    const tag = { "*": "strong", "_": "em", "`": "code" }[match[0][0]];
    parts.push(el(tag, {}, inner));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

function renderBlock(block, itemId) {
  switch (block.type) {
    case "Text": return el("p", {}, markup(block.text));
    case "Context": return el("p", { class: "context" }, markup(block.text));
    case "Divider": return el("hr");
    case "Section": return el("div", { class: "section" },
      el("div", { class: "section-title" }, block.title),
      block.text ? el("p", {}, markup(block.text)) : null,
      block.fields.length ? el("dl", {}, block.fields.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])) : null);
    case "Buttons": return el("div", { class: "actions" }, block.buttons.map((b) =>
      b.url ? el("a", { href: b.url, target: "_blank", rel: "noopener" }, b.label)
        : el("button", { class: b.style, onclick: () => click(itemId, b.action_id, b.value) }, b.label)));
    case "Poll": {
      if (!block.multi) return el("div", { class: "poll" }, el("p", {}, block.question),
        el("div", { class: "actions" }, block.choices.map((c) =>
          el("button", { onclick: () => click(itemId, block.action_id, c.value) }, c.label))));
      const boxes = block.choices.map((c) => el("label", {}, el("input", { type: "checkbox", value: c.value }), " ", c.label));
      return el("div", { class: "poll" }, el("p", {}, block.question), ...boxes,
        el("div", { class: "actions" }, el("button", { class: "primary", onclick: () =>
          click(itemId, block.action_id, block.context, { choices: boxes.map((b) => b.firstChild).filter((i) => i.checked).map((i) => i.value) }) }, "Submit")));
    }
    default: return null;
  }
}

function renderMessage(item, from) {
  return el("article", { class: "message", "data-item": item.id },
    el("div", { class: "from" }, from), item.body.blocks.map((b) => renderBlock(b, item.id)));
}

function renderField(field, errors) {
  const id = `f-${field.name}`;
  let input;
  const initial = field.initial;
  if (field.kind === "long_text") input = el("textarea", { id, name: field.name, rows: 4, placeholder: field.placeholder });
  else if (field.kind === "select" || field.kind === "multi_select") {
    input = el("select", { id, name: field.name, multiple: field.kind === "multi_select" ? "" : null },
      field.kind === "select" ? el("option", { value: "" }, "Choose…") : null,
      field.options.map((o) => el("option", { value: o.value }, o.label)));
  } else if (field.kind === "user") {
    // The playground's people picker: anyone on the People list, by name.
    input = el("select", { id, name: field.name },
      el("option", { value: "" }, "Choose a person…"),
      people.map((p) => el("option", { value: p.id }, p.name)));
  } else if (field.kind === "checkbox") input = el("input", { id, name: field.name, type: "checkbox", value: "yes" });
  else if (field.kind === "number") input = el("input", { id, name: field.name, type: "number" });
  else if (field.kind === "datetime") input = el("input", { id, name: field.name, type: "datetime-local" });
  else input = el("input", { id, name: field.name, type: "text", placeholder: field.placeholder });
  if (initial !== null && initial !== undefined) {
    if (field.kind === "checkbox") input.checked = initial === "yes";
    else if (field.kind === "multi_select") for (const o of input.options) o.selected = initial.includes(o.value);
    else input.value = initial;
  }
  const error = errors[field.name];
  const label = el("label", { for: id }, field.label, field.required ? "" : " (optional)");
  const wrap = el("div", { class: `field ${field.kind === "checkbox" ? "checkbox" : ""} ${error ? "invalid" : ""}`, "data-field": field.name });
  if (field.kind === "checkbox") wrap.append(el("label", { for: id }, input, el("span", {}, field.label)));
  else wrap.append(label, input);
  if (field.hint) wrap.append(el("span", { class: "hint" }, field.hint));
  if (error) wrap.append(el("span", { class: "error", role: "alert" }, error));
  return wrap;
}

function showForm(item) {
  const dialog = $("form-dialog");
  if (!item) { if (dialog.open) dialog.close(); openFormId = null; return; }
  const key = `${item.id}:${JSON.stringify(item.body.errors)}`;
  if (openFormId === key && dialog.open) return;
  openFormId = key;
  const form = item.body;
  $("form-title").textContent = form.title;
  $("form-intro").textContent = form.intro;
  $("form-error").textContent = (form.errors || {})[""] || "";
  $("form-submit").textContent = form.submit_label;
  $("form-fields").replaceChildren(...form.fields.map((f) => renderField(f, form.errors || {})));
  $("form").dataset.item = item.id;
  if (!dialog.open) dialog.showModal();
}

function formValues() {
  const values = {};
  for (const node of $("form-fields").querySelectorAll("input, select, textarea")) {
    if (node.type === "checkbox") values[node.name] = node.checked ? "yes" : "";
    else if (node.multiple) values[node.name] = [...node.selectedOptions].map((o) => o.value);
    else values[node.name] = node.value;
  }
  return values;
}

async function refresh() {
  const state = await api(`state?as=${encodeURIComponent(me)}`);
  people = state.people;
  $("now").textContent = new Date(state.now).toUTCString().replace(" GMT", " UTC");
  $("people").replaceChildren(...state.people.map((p) => el("li", {},
    el("button", { "aria-current": p.id === me ? "true" : "false", onclick: () => actAs(p.id) }, p.name))));
  const person = state.people.find((p) => p.id === me);
  $("dm-title").textContent = person ? `Tandem ↔ ${person.name}` : "Pick or add a person";
  for (const node of $("composer").elements) node.disabled = !person;
  const box = $("dm-messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...state.dms.map((i) => renderMessage(i, "Tandem")));
  if (atBottom) box.scrollTop = box.scrollHeight;
  $("channels").replaceChildren(...Object.entries(state.channels).map(([name, items]) =>
    el("div", { class: "channel", "data-channel": name }, el("h3", {}, name),
      items.length ? items.map((i) => renderMessage(i, "Tandem")) : el("p", { class: "context" }, "No posts yet."))));
  showForm(person ? state.form : null);
}

function actAs(id) { me = id; localStorage.setItem("tandem-as", id); openFormId = null; notice(""); refresh(); }

async function click(itemId, actionId, value, values) {
  notice("");
  try { await api("click", { as: me, item_id: itemId, action_id: actionId, value, values, request_id: requestId() }); }
  catch (e) { notice(e.message); }
  refresh();
}

$("composer").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("say").value.trim();
  if (!text) return;
  notice("");
  try {
    const r = await api("say", { as: me, text, request_id: requestId() });
    if (r.error) notice(r.error); else $("say").value = "";
  } catch (err) { notice(err.message); }
  refresh();
});

$("form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await api("submit", { as: me, item_id: $("form").dataset.item, values: formValues() });
  if (r.error) { notice(r.error); $("form-dialog").close(); }
  refresh();
});
$("form-cancel").addEventListener("click", async () => {
  await api("close-form", { as: me, item_id: $("form").dataset.item });
  $("form-dialog").close(); refresh();
});

$("add-person").addEventListener("submit", async (e) => {
  e.preventDefault();
  const name = $("new-person").value.trim();
  if (!name) return;
  const p = await api("people", { name });
  $("new-person").value = "";
  actAs(p.id);
});

for (const b of document.querySelectorAll(".clock-move")) {
  b.addEventListener("click", async () => { await api("clock", { minutes: Number(b.dataset.minutes) }); refresh(); });
}

refresh();
setInterval(refresh, 2000);
