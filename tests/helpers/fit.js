// Whether the page fits its window (Journey.check_fit): no sideways scrolling, nothing cut.
// Called with the slack in pixels; answers a list of problems, empty when the page fits.
(slack) => {
  const view = document.documentElement.clientWidth;
  const problems = [];
  const name = (el) => {
    const classes = typeof el.className === "string" ? el.className.trim() : "";
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (classes ? "." + classes.split(/\s+/).join(".") : "");
  };
  const said = (el) => (el.textContent || el.value || "").trim().replace(/\s+/g, " ").slice(0, 60);
  const tiny = (el) => {
    const r = el.getBoundingClientRect();
    return r.width <= 1 || r.height <= 1;
  };
  const scrolls = (s) => s.overflowX === "auto" || s.overflowX === "scroll";
  const clips = (s) => s.overflowX === "hidden" || s.overflowX === "clip";
  const field = (el) => el instanceof HTMLInputElement || el instanceof HTMLSelectElement
    || el instanceof HTMLTextAreaElement;

  const width = document.documentElement.scrollWidth;
  if (width > view + slack) {
    problems.push(`the page scrolls sideways: ${width}px wide in a ${view}px window`);
  }
  const main = document.querySelector("main") || document.body;
  for (const el of main.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || getComputedStyle(el).visibility === "hidden") {
      continue;
    }
    let inScroller = false;
    let hidden = tiny(el);
    const clippers = [];
    for (let a = el.parentElement; a && !hidden; a = a.parentElement) {
      if (tiny(a)) {
        hidden = true;
        break;
      }
      const s = getComputedStyle(a);
      if (scrolls(s)) {
        inScroller = true;
        break;
      }
      if (clips(s) || a instanceof SVGSVGElement) clippers.push(a);
      if (a === main) break;
    }
    if (hidden) continue;
    const cut = clippers.find((c) => {
      const box = c.getBoundingClientRect();
      return r.right > box.right + slack || r.left < box.left - slack;
    });
    if (cut) problems.push(`${name(el)} "${said(el)}" is cut by ${name(cut)}`);
    if (!inScroller && (r.right > view + slack || r.left < -slack)) {
      const span = `${Math.round(r.left)} to ${Math.round(r.right)}px`;
      problems.push(`${name(el)} "${said(el)}" runs past the window (${span} of ${view}px)`);
    }
    const own = getComputedStyle(el);
    const hides = el.scrollWidth - el.clientWidth;
    if (clips(own) && !field(el) && own.textOverflow !== "ellipsis" && hides > slack) {
      problems.push(`${name(el)} "${said(el)}" hides ${hides}px of its content`);
    }
  }
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    let box = node.parentElement;
    while (box && box !== main && ["inline", "contents"].includes(getComputedStyle(box).display)) {
      box = box.parentElement;
    }
    if (!box || box instanceof SVGElement || tiny(box) || scrolls(getComputedStyle(box))) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const text = range.getBoundingClientRect();
    const outer = box.getBoundingClientRect();
    if (text.width && (text.right > outer.right + slack || text.left < outer.left - slack)) {
      problems.push(`"${node.textContent.trim().slice(0, 60)}" spills out of ${name(box)}`);
    }
  }
  return [...new Set(problems)].slice(0, 12);
}
