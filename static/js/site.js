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
