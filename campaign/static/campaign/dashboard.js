// Search-as-you-type on the quick-log page, driven by the keyboard: type a
// name, Enter picks the first match (arrow keys choose another). With the
// log form's "Save and next" focused on the next page, a call is the name
// plus two keys. Progressive enhancement: the plain GET form works without
// this file. Results are built with textContent, never innerHTML, so names
// are never interpreted as markup.
(function () {
  "use strict";
  var input = document.getElementById("supporter-search");
  var box = document.getElementById("search-results");
  if (!input || !box || !window.fetch) { return; }
  var url = input.getAttribute("data-search-url");
  var noneText = input.getAttribute("data-none-text") || "";
  var timer = null;
  var latest = 0;
  // What the list on screen answers: its query, its results, the chosen one.
  var shown = { q: null, results: [], active: 0 };

  function highlight() {
    var items = box.querySelectorAll("li");
    for (var i = 0; i < items.length; i++) {
      var on = i === shown.active;
      // A thick border, not Bootstrap's "active" fill: a link on the fill fails contrast.
      items[i].classList.toggle("border-primary", on);
      items[i].classList.toggle("border-3", on);
      var link = items[i].querySelector("a");
      if (on) { link.setAttribute("aria-current", "true"); } else { link.removeAttribute("aria-current"); }
    }
  }

  function render(q, results) {
    shown = { q: q, results: results, active: 0 };
    box.textContent = "";
    if (!results.length) {
      var none = document.createElement("p");
      none.className = "mt-2";
      none.textContent = noneText;
      box.appendChild(none);
      return;
    }
    var list = document.createElement("ul");
    list.className = "list-group mt-2";
    results.forEach(function (r) {
      var item = document.createElement("li");
      item.className = "list-group-item";
      var link = document.createElement("a");
      link.href = r.url;
      link.textContent = r.name;
      var detail = document.createElement("span");
      detail.className = "small text-body-secondary text-break ms-2";
      detail.textContent = [r.email, r.phone, r.district].filter(Boolean).join(" · ");
      item.appendChild(link);
      item.appendChild(detail);
      list.appendChild(item);
    });
    box.appendChild(list);
    highlight();
  }

  function search(q) {
    var ticket = ++latest;
    var sep = url.indexOf("?") === -1 ? "?" : "&";
    return fetch(url + sep + "q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (ticket === latest) { render(q, data.results || []); }
        return ticket === latest;
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { box.textContent = ""; shown = { q: null, results: [], active: 0 }; return; }
    timer = setTimeout(function () {
      search(q).catch(function () { /* the plain form still works */ });
    }, 200);
  });

  input.addEventListener("keydown", function (event) {
    var q = input.value.trim();
    var current = shown.q === q && shown.results.length;
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && current) {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      shown.active = (shown.active + step + shown.results.length) % shown.results.length;
      highlight();
      return;
    }
    if (event.key !== "Enter" || q.length < 2) { return; }
    event.preventDefault();
    if (current) {
      window.location.assign(shown.results[shown.active].url);
      return;
    }
    // Enter typed before the results came: search now and pick the first.
    clearTimeout(timer);
    search(q)
      .then(function (fresh) {
        if (fresh && shown.results.length) {
          window.location.assign(shown.results[0].url);
        } else if (fresh) {
          input.form.submit();
        }
      })
      .catch(function () { input.form.submit(); });
  });
})();
