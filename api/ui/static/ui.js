// Staff pages: sortable and filterable tables, the pair panel without a reload, auto-submit.
// Everything works without this script (links and forms reload the page).
"use strict";

function cellValue(row, index, kind) {
  const cell = row.cells[index];
  if (!cell) return "";
  const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  return kind === "num" ? parseFloat(raw) || 0 : raw.toLowerCase();
}

function makeSortable(table) {
  const headers = table.tHead ? Array.from(table.tHead.rows[0].cells) : [];
  headers.forEach((th, index) => {
    const kind = th.dataset.sort;
    if (!kind) return;
    th.tabIndex = 0;
    const sort = () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = cellValue(a, index, kind), y = cellValue(b, index, kind);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      rows.forEach((row) => body.appendChild(row));
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter") sort(); });
  });
}

function makeFilterable(bar) {
  const table = document.getElementById(bar.dataset.for);
  if (!table) return;
  const text = bar.querySelector(".filter-text");
  const state = bar.querySelector(".filter-state");
  const shown = bar.querySelector(".shown");
  const apply = () => {
    const words = (text.value || "").toLowerCase().split(/\s+/).filter(Boolean);
    let count = 0;
    const rows = Array.from(table.tBodies[0].rows);
    rows.forEach((row) => {
      const content = row.textContent.toLowerCase();
      const ok = words.every((w) => content.includes(w)) &&
        (!state.value || row.dataset.state === state.value);
      row.hidden = !ok;
      if (ok) count += 1;
    });
    if (shown) shown.textContent = shown.dataset.template
      .replace("{shown}", count).replace("{total}", rows.length);
  };
  text.addEventListener("input", apply);
  state.addEventListener("change", apply);
  apply();
}

function openPanel(link) {
  const panel = document.getElementById("panel");
  if (!panel || !link.dataset.panel) return false;
  fetch(link.dataset.panel, { credentials: "same-origin", headers: { "Accept": "text/html" } })
    .then((r) => {
      // Signed out meanwhile (redirected to sign-in) or an error: load the page itself.
      if (!r.ok || r.redirected) throw new Error(String(r.status));
      return r.text();
    })
    .then((html) => {
      panel.innerHTML = html;
      document.querySelectorAll("tr.selected").forEach((tr) => tr.classList.remove("selected"));
      link.closest("tr").classList.add("selected");
      history.replaceState(null, "", link.href);
      panel.scrollTop = 0;
    })
    .catch(() => { window.location.href = link.href; });
  return true;
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  document.querySelectorAll(".filters[data-for]").forEach(makeFilterable);
  document.querySelectorAll("select[data-autosubmit]").forEach((s) =>
    s.addEventListener("change", () => s.form.submit()));
  document.addEventListener("click", (e) => {
    const link = e.target.closest("a.pair-link");
    if (link && !e.ctrlKey && !e.metaKey && openPanel(link)) e.preventDefault();
  });
});
