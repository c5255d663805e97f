/* Keyboard shortcuts of the back-office (progressive enhancement: every action has its
 * button or link; this only adds keys). Keys never fire while typing in a field, nor with
 * Ctrl, Alt or Meta. Each page marks what its keys do:
 *   [data-shortcut="k"] on a link: the key follows the link;
 *   on a <details>: the key opens it and focuses its first field (its form still has its
 *   Confirm button); on a button: the key focuses the button and says "press Enter", so a
 *   state change still takes a deliberate second key, as a click takes a deliberate click.
 * In the queue, j/k move between dossiers, o opens the current one, x ticks it.
 * "?" opens the list of keys (a <dialog> written by the server in the officer's language).
 * What a key did is announced in a polite live region (#shortcut-status).
 */
(function () {
  "use strict";
  var dialog = document.getElementById("shortcuts-help");
  var status = document.getElementById("shortcut-status");
  if (!dialog || !status || typeof dialog.showModal !== "function") {
    return; // an old browser: the page works as it is, without keys
  }
  var text = dialog.dataset;

  function announce(message) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  function label(element) {
    var summary = element.tagName === "DETAILS" ? element.querySelector("summary") : null;
    return ((summary || element).textContent || "").replace(/\s+/g, " ").trim();
  }

  // --- The queue: a current row moved by j/k ---------------------------------------------
  var rows = Array.prototype.filter.call(
    document.querySelectorAll(".table-queue tbody tr"),
    function (row) { return row.querySelector("a"); }
  );
  var current = -1;

  function move(step) {
    if (!rows.length) { return; }
    if (current >= 0) { rows[current].classList.remove("row-current"); }
    current = Math.min(rows.length - 1, Math.max(0, current + step));
    var row = rows[current];
    row.classList.add("row-current");
    row.querySelector("a").focus();
  }

  function currentRow() {
    if (current < 0) {
      var focused = document.activeElement && document.activeElement.closest
        ? document.activeElement.closest(".table-queue tbody tr") : null;
      current = focused ? rows.indexOf(focused) : -1;
    }
    return current >= 0 ? rows[current] : null;
  }

  // --- Marked actions --------------------------------------------------------------------
  function activate(element) {
    if (element.tagName === "A") {
      announce(text.opening + " " + label(element));
      element.click();
    } else if (element.tagName === "DETAILS") {
      element.open = true;
      var field = element.querySelector("input:not([type=hidden]), select, textarea, button");
      if (field) { field.focus(); }
      announce(label(element) + ". " + text.formOpened);
    } else {
      element.focus();
      announce(label(element) + ". " + text.pressEnter);
    }
  }

  function openHelp() {
    dialog.showModal();
    announce(text.helpOpened);
  }

  var opener = document.querySelector("[data-shortcuts-help]");
  if (opener) {
    opener.hidden = false;
    opener.addEventListener("click", openHelp);
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) { return; }
    if (typing(event.target)) { return; }
    if (dialog.open) { return; } // Escape closes it (the browser's own)
    var key = event.key;
    var row;
    if (key === "?") {
      event.preventDefault();
      openHelp();
    } else if ((key === "j" || key === "k") && rows.length) {
      event.preventDefault();
      currentRow();
      move(key === "j" ? 1 : -1);
    } else if (key === "o" && rows.length) {
      row = currentRow();
      if (row) { event.preventDefault(); activate(row.querySelector("a")); }
    } else if (key === "x" && rows.length) {
      row = currentRow();
      var box = row ? row.querySelector("input[type=checkbox]") : null;
      if (box) {
        event.preventDefault();
        box.click();
        announce(label(row.querySelector("a")) + ": " + (box.checked ? text.ticked : text.unticked));
      }
    } else if (key === "/") {
      var search = document.querySelector("input[type=search]");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (/^[a-z]$/.test(key)) {
      var target = document.querySelector('[data-shortcut="' + key + '"]');
      if (target) {
        event.preventDefault();
        activate(target);
      }
    }
  });
})();
