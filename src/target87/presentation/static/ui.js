// The design system's behaviour (issue 18): small, without dependencies, CSP-clean (no inline
// handlers, no eval). Everything here enhances markup that works without it.
//
// - Tables of main: wrapped in a .table-scroll box that scrolls sideways when the table is
//   wider than the page (then focusable, so a keyboard can scroll it); columns of numbers get
//   the class "num" (right-aligned). A box the server wrote (templates/_tables.html, focusable
//   and named for readers without JS) is kept, and loses its focus when the table fits.
// - table.sortable: each header cell gets a <button>; pressing it (mouse, Enter, Space) sorts
//   the rows by that column, ascending then descending, and sets aria-sort on the header cell.
//   Cells sort by their data-sort attribute when present (a number), else by their text
//   (localeCompare in the page's language, numbers in the text compared as numbers).
//   A header cell with data-nosort is left alone.
// - [data-tabs]: a container with a list of links to its sections becomes an ARIA tablist
//   (roles tab/tabpanel, arrow keys, Home/End); without JS the links jump to the sections.
(function () {
  "use strict";

  var lang = document.documentElement.lang || undefined;
  var NUMBER = /^[-+\u2212]?[\d\s\u00a0\u202f.,]*\d[\d\s\u00a0\u202f.,]*\s*%?$/;

  function text(cell) {
    return (cell ? cell.textContent : "").replace(/\s+/g, " ").trim();
  }

  // ---------- Tables: sideways scrolling and numeric columns ----------

  function label(table) {
    if (table.caption) return text(table.caption);
    var prev = table.parentElement;
    var node = table;
    while (node && node !== document.body) {
      prev = node.previousElementSibling;
      while (prev) {
        if (/^H[1-6]$/.test(prev.tagName)) return text(prev);
        prev = prev.previousElementSibling;
      }
      node = node.parentElement;
    }
    return "";
  }

  function fit(box) {
    var table = box.querySelector("table");
    if (!table) return;
    box.classList.remove("fits", "scrolls");
    var scrolls = table.scrollWidth > box.clientWidth + 1;
    box.classList.add(scrolls ? "scrolls" : "fits");
    if (scrolls) {
      box.setAttribute("tabindex", "0");
      var name = label(table);
      if (name) {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name);
      }
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }

  function numericColumns(table) {
    var body = table.tBodies[0];
    if (!body || !table.tHead) return;
    var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
    for (var col = 0; col < heads.length; col++) {
      if (heads[col].colSpan > 1) return; // columns no longer line up: leave the table be
      var seen = 0;
      var numeric = true;
      for (var r = 0; r < body.rows.length && numeric; r++) {
        var row = body.rows[r];
        if (row.cells.length !== heads.length) continue;
        var cell = row.cells[col];
        var value = text(cell);
        if (cell.hasAttribute("data-sort")) value = cell.getAttribute("data-sort");
        if (value === "" || value === "—" || value === "-" || value === "..") continue;
        if (NUMBER.test(value) && !/^\d{4}[-\u2013]\d{2,4}$/.test(value)) seen++;
        else numeric = false;
      }
      if (numeric && seen) {
        heads[col].classList.add("num");
        for (r = 0; r < body.rows.length; r++) {
          if (body.rows[r].cells.length === heads.length) body.rows[r].cells[col].classList.add("num");
        }
      }
    }
  }

  function tables() {
    var boxes = [];
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.closest("#vg-tooltip-element, .chart, figure")) return;
      numericColumns(table);
      var box = table.parentElement;
      if (!box.classList.contains("table-scroll")) {
        box = document.createElement("div");
        box.className = "table-scroll";
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
      }
      boxes.push(box);
    });
    boxes.forEach(fit);
    if (boxes.length && "ResizeObserver" in window) {
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) {
          fit(entry.target);
        });
      });
      boxes.forEach(function (box) {
        observer.observe(box);
      });
    }
  }

  // ---------- Sortable tables ----------

  function sortKey(cell) {
    if (!cell) return { missing: true };
    if (cell.hasAttribute("data-sort")) {
      var raw = cell.getAttribute("data-sort").trim();
      var n = raw === "" ? NaN : Number(raw);
      if (!isNaN(n)) return { number: n };
      if (raw === "") return { missing: true };
      return { text: raw };
    }
    var t = text(cell);
    return t === "" || t === "—" ? { missing: true } : { text: t };
  }

  function compare(a, b) {
    if ("number" in a && "number" in b) return a.number - b.number;
    if ("number" in a) return -1;
    if ("number" in b) return 1;
    return a.text.localeCompare(b.text, lang, { numeric: true, sensitivity: "base" });
  }

  function sortBy(table, th, index) {
    var direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    var sign = direction === "ascending" ? 1 : -1;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, position) {
      return { row: row, key: sortKey(row.cells[index]), position: position };
    });
    keyed.sort(function (x, y) {
      // Missing values last whatever the direction; equal keys keep their order.
      if (x.key.missing || y.key.missing) {
        if (x.key.missing && y.key.missing) return x.position - y.position;
        return x.key.missing ? 1 : -1;
      }
      return sign * compare(x.key, y.key) || x.position - y.position;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (k) {
      fragment.appendChild(k.row);
    });
    body.appendChild(fragment);
    table.querySelectorAll("thead th[aria-sort]").forEach(function (other) {
      other.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", direction);
  }

  function sortable(table) {
    if (!table.tHead || !table.tBodies.length) return;
    var row = table.tHead.rows[table.tHead.rows.length - 1];
    Array.prototype.forEach.call(row.cells, function (th, index) {
      if (th.hasAttribute("data-nosort") || th.querySelector("button, a, input, select")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      // A <button> is pressed by click, Enter and Space alike.
      button.addEventListener("click", function () {
        sortBy(table, th, index);
      });
    });
  }

  // ---------- Tabs ----------

  function tabs(container, number) {
    var list = container.querySelector("ul, ol");
    if (!list) return;
    var links = Array.prototype.slice.call(list.querySelectorAll("a[href^='#']"));
    var panels = links.map(function (a) {
      return document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
    });
    if (!links.length || panels.some(function (p) { return !p; })) return;

    list.setAttribute("role", "tablist");
    list.classList.add("tabs-list");
    links.forEach(function (a, i) {
      var panel = panels[i];
      if (a.parentElement !== list) a.parentElement.setAttribute("role", "presentation");
      if (!a.id) a.id = "tab-" + number + "-" + (panel.id || i);
      a.setAttribute("role", "tab");
      a.setAttribute("aria-controls", panel.id);
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", a.id);
      panel.setAttribute("tabindex", "0");
      panel.classList.add("tabs-panel");
    });

    function select(i, focus) {
      links.forEach(function (a, j) {
        var on = i === j;
        a.setAttribute("aria-selected", on ? "true" : "false");
        a.setAttribute("tabindex", on ? "0" : "-1");
        panels[j].hidden = !on;
      });
      if (focus) links[i].focus();
    }

    links.forEach(function (a, i) {
      a.addEventListener("click", function (event) {
        event.preventDefault();
        select(i, false);
        if (window.history && history.replaceState) history.replaceState(null, "", a.getAttribute("href"));
      });
      a.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight" || event.key === "ArrowDown") next = (i + 1) % links.length;
        else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = (i - 1 + links.length) % links.length;
        else if (event.key === "Home") next = 0;
        else if (event.key === "End") next = links.length - 1;
        if (next === null) return;
        event.preventDefault();
        select(next, true);
      });
    });

    var start = 0;
    var hash = window.location.hash.slice(1);
    panels.forEach(function (panel, i) {
      if (hash && (panel.id === hash || panel.querySelector("[id='" + hash.replace(/'/g, "") + "']"))) start = i;
    });
    container.classList.add("is-enhanced");
    select(start, false);
  }

  var tabsMade = 0;
  function enhanceTabs(container) {
    if (container.classList.contains("is-enhanced")) return;
    tabs(container, tabsMade++);
  }

  function init() {
    document.querySelectorAll("table.sortable").forEach(sortable);
    tables();
    document.querySelectorAll("[data-tabs]").forEach(enhanceTabs);
  }

  // For markup added after the page loaded (and for the tests).
  window.target87ui = { tabs: enhanceTabs, sortable: sortable };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
