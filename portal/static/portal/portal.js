// Keeps the language switch's "next" in step with the address after htmx pushes a search
// into the history, so switching language keeps the search the user is looking at.
document.addEventListener("htmx:pushedIntoHistory", function () {
  var here = window.location.pathname + window.location.search;
  document.querySelectorAll('.lang-switch input[name="next"]').forEach(function (input) {
    input.value = here;
  });
});

// "Select all" for a group of checkboxes: <input type="checkbox" data-select-all="NAME"> ticks
// every checkbox named NAME in its form. It sits in a hidden label, shown only when this runs.
function initSelectAll(root) {
  root.querySelectorAll("input[data-select-all]").forEach(function (master) {
    if (master.dataset.ready) return;
    master.dataset.ready = "1";
    var form = master.form;
    var name = master.dataset.selectAll;
    var boxes = function () {
      return Array.prototype.slice.call(
        form.querySelectorAll('input[type="checkbox"][name="' + name + '"]')
      );
    };
    var sync = function () {
      var all = boxes();
      var ticked = all.filter(function (box) { return box.checked; }).length;
      master.checked = all.length > 0 && ticked === all.length;
      master.indeterminate = ticked > 0 && ticked < all.length;
    };
    master.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = master.checked; });
      master.indeterminate = false;
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === name) sync();
    });
    var label = master.closest("label");
    if (label) label.hidden = false;
    sync();
  });
}

// Shows only the details of the chosen target: elements with data-show-for="VALUE" are visible
// when the form's "target" radio has that value. Without JS every detail stays visible.
function initTargetDetails(root) {
  root.querySelectorAll("form").forEach(function (form) {
    var details = form.querySelectorAll("[data-show-for]");
    if (!details.length || form.dataset.targetReady) return;
    form.dataset.targetReady = "1";
    var update = function () {
      var chosen = form.querySelector('input[name="target"]:checked');
      details.forEach(function (detail) {
        detail.hidden = !chosen || chosen.value !== detail.dataset.showFor;
      });
    };
    form.addEventListener("change", function (event) {
      if (event.target.name === "target") update();
    });
    update();
  });
}

// A polled fragment (the reassignment progress) that comes back finished asks for the whole
// page again, so the result, the summary and the revert form appear.
document.addEventListener("htmx:load", function (event) {
  if (event.target.matches && event.target.matches("[data-reload-page]")) {
    window.location.reload();
  }
});

// A search form marked data-drop-empty leaves its empty filters out of the request, so the
// address htmx pushes reads ?q=... rather than ?q=...&field=&level=...
document.addEventListener("htmx:configRequest", function (event) {
  var form = event.detail.elt;
  if (!form.hasAttribute || !form.hasAttribute("data-drop-empty")) return;
  var data = event.detail.formData;
  Array.from(new Set(data.keys())).forEach(function (name) {
    var values = data.getAll(name).filter(function (value) { return value !== ""; });
    data.delete(name);
    values.forEach(function (value) { data.append(name, value); });
  });
});

// The submission form: with htmx the commune list follows the province select by itself, so
// the "show the communes" button that does it without JavaScript goes away; and only the
// documents of the chosen case (radio "case") are shown.
function initSubmissionForm(root) {
  if (window.htmx) {
    root.querySelectorAll("[data-js-remove]").forEach(function (element) { element.remove(); });
  }
  root.querySelectorAll("form").forEach(function (form) {
    var groups = form.querySelectorAll("[data-case]");
    if (!groups.length || form.dataset.caseReady) return;
    form.dataset.caseReady = "1";
    var update = function () {
      var chosen = form.querySelector('input[name="case"]:checked');
      if (!chosen) return;
      groups.forEach(function (group) { group.hidden = group.dataset.case !== chosen.value; });
    };
    form.addEventListener("change", function (event) {
      if (event.target.name === "case") update();
    });
    update();
  });
}

// The site menu on phones: the button (shown only when this runs, in place of the link that
// opens the menu through :target) folds and unfolds it; Escape folds it back.
function initMenu() {
  var button = document.querySelector("[data-menu-toggle]");
  var fallback = document.querySelector("[data-menu-fallback]");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;
  if (fallback) fallback.hidden = true;
  button.hidden = false;
  var open = window.location.hash === "#" + menu.id;
  button.setAttribute("aria-expanded", open ? "true" : "false");
  button.addEventListener("click", function () {
    var opening = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", opening ? "true" : "false");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
}

// Panels folded on phones (<details data-open-wide>) start open on wider screens.
function initWidePanels() {
  if (!window.matchMedia("(min-width: 40em)").matches) return;
  document.querySelectorAll("details[data-open-wide]").forEach(function (panel) {
    panel.open = true;
  });
}

// A table wider than the screen scrolls inside its box (.table-wrap); the box then takes the
// keyboard focus, so it can be scrolled without a mouse, and is named after its table.
function initScrollBoxes(root) {
  root.querySelectorAll(".table-wrap").forEach(function (box) {
    var scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      // Named by the table's caption, else by its section's heading and first column
      // headers (two tables under one heading must not share a name).
      var table = box.querySelector("table");
      var caption = table && table.caption;
      var section = box.closest("section");
      var heading = section && section.querySelector("h2, h3");
      var columns = Array.prototype.slice
        .call(box.querySelectorAll("thead th"), 0, 3)
        .map(function (th) { return th.textContent.trim(); })
        .filter(Boolean);
      var name = caption
        ? caption.textContent
        : [heading ? heading.textContent : "", columns.join(", ")].filter(Boolean).join(": ");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      if (name.trim()) box.setAttribute("aria-label", name.trim().replace(/\s+/g, " "));
    } else if (!scrolls && box.getAttribute("role") === "region") {
      ["tabindex", "role", "aria-label"].forEach(function (name) {
        box.removeAttribute(name);
      });
    }
  });
}

document.addEventListener("DOMContentLoaded", function () {
  initMenu();
  initScrollBoxes(document);
  initWidePanels();
  initSelectAll(document);
  initTargetDetails(document);
  initSubmissionForm(document);
});

window.addEventListener("resize", function () { initScrollBoxes(document); });
document.addEventListener("htmx:load", function (event) { initScrollBoxes(event.target); });
