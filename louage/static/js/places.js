// Suggestions of the network's cities and stations under inputs marked [data-places], from
// GET /api/v1/places?q=&page_size=8 → {items, count, next, previous} (Latin or Arabic names,
// accents and near misses forgiven; the first page is enough for suggestions). A pick fills
// the input with the name picked (the Arabic one when it was typed in Arabic: the search reads
// both) and fires "change", so the htmx search updates at once.
(function () {
  "use strict";
  var URL = "/api/v1/places";

  function setup(input) {
    if (input.dataset.placesBound) return;
    input.dataset.placesBound = "1";
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.id = (input.id || input.name) + "-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    var items = [], active = -1, timer = null, sequence = 0;

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (el, i) { el.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (options[index]) input.setAttribute("aria-activedescendant", options[index].id);
    }
    var ARABIC = /[\u0600-\u06FF]/;
    // What was typed says which name was picked; with neither script, the page's language.
    function wantsArabic() {
      if (ARABIC.test(input.value)) return true;
      if (/[A-Za-z]/.test(input.value)) return false;
      return document.documentElement.lang === "ar";
    }
    function pick(index) {
      var item = items[index];
      if (!item) return;
      input.value = item.name_ar && wantsArabic() ? item.name_ar : item.value;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function render() {
      list.textContent = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "suggestion suggestion-" + item.kind;
        li.dataset.value = item.value;
        var name = document.createElement("span");
        name.className = "suggestion-name";
        name.textContent = item.name;
        li.appendChild(name);
        if (item.name_ar) {
          var arabic = document.createElement("span");
          arabic.className = "suggestion-ar";
          arabic.lang = "ar";
          arabic.dir = "rtl";
          arabic.textContent = item.name_ar;
          li.appendChild(arabic);
        }
        var hint = document.createElement("small");
        hint.className = "suggestion-hint";
        hint.textContent = item.hint;
        li.appendChild(hint);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      list.hidden = !items.length;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }
    function lookUp() {
      var q = input.value.trim();
      if (!q) { items = []; close(); return; }
      var mine = ++sequence;
      fetch(URL + "?page_size=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          if (mine !== sequence || document.activeElement !== input) return;
          items = data.items || [];
          active = -1;
          render();
        })
        .catch(function () {});
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, 120);
    });
    input.addEventListener("keydown", function (ev) {
      if (list.hidden) return;
      if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); pick(active); }
      else if (ev.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
  }

  function bind(root) { root.querySelectorAll("input[data-places]").forEach(setup); }
  if (document.readyState !== "loading") bind(document);
  else document.addEventListener("DOMContentLoaded", function () { bind(document); });
})();
