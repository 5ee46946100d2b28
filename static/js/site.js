// Ask before destructive actions: any form with data-confirm.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// On phones, tables marked .stack-sm show each row as a card; label every cell with its
// column's heading so the card still says what each value is.
for (const table of document.querySelectorAll("table.stack-sm")) {
  const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  for (const row of table.querySelectorAll("tbody tr")) {
    let column = 0;
    for (const cell of row.cells) {
      const label = headings[column];
      if (label && !cell.hasAttribute("data-label")) {
        cell.dataset.label = label;
      }
      column += cell.colSpan || 1;
    }
  }
}

// Groups of choices that follow other fields (a profile's focus areas follow its specialties):
// each group shows while its key is chosen in one of those fields, as the choice changes. The
// button that sends the form back to show them, for browsers without script, goes.
for (const box of document.querySelectorAll("[data-groups-follow]")) {
  const form = box.closest("form");
  box.querySelector("[data-refresh]")?.remove();
  const names = box.dataset.groupsFollow.split(" ").filter(Boolean);
  const follow = () => {
    const chosen = new Set(names.map((name) => form.elements[name]?.value).filter(Boolean));
    for (const group of box.querySelectorAll("[data-group-key]")) {
      group.hidden = !chosen.has(group.dataset.groupKey);
    }
  };
  for (const name of names) {
    form.elements[name]?.addEventListener("change", follow);
  }
}

// A time zone choice marked data-browser-zone starts at the browser's own zone, when the
// page was not sent back with a choice already made (data-chosen) and the list knows it.
for (const select of document.querySelectorAll("select[data-browser-zone]")) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!select.hasAttribute("data-chosen") && zone && [...select.options].some((o) => o.value === zone)) {
    select.value = zone;
  }
}
