// Search-as-you-type on the quick-log page. Progressive enhancement: the
// plain GET form works without this file. Results are built with
// textContent, never innerHTML, so names are never interpreted as markup.
(function () {
  "use strict";
  var input = document.getElementById("supporter-search");
  var box = document.getElementById("search-results");
  if (!input || !box || !window.fetch) { return; }
  var url = input.getAttribute("data-search-url");
  var timer = null;
  var latest = 0;

  function render(results) {
    box.textContent = "";
    if (!results.length) {
      var none = document.createElement("p");
      none.className = "mt-2";
      none.textContent = "Nobody found. Add them below.";
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
      detail.className = "small text-body-secondary ms-2";
      detail.textContent = [r.email, r.phone, r.district].filter(Boolean).join(" · ");
      item.appendChild(link);
      item.appendChild(detail);
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { box.textContent = ""; return; }
    timer = setTimeout(function () {
      var ticket = ++latest;
      var sep = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + sep + "q=" + encodeURIComponent(q), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (ticket === latest) { render(data.results || []); } })
        .catch(function () { /* the plain form still works */ });
    }, 200);
  });
})();
