// Hearing night: a tap marks someone without reloading the page (the search
// and the scroll position stay). Progressive enhancement: without this file
// each form posts and the server redirects back to the same row.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }
  var status = document.getElementById("hn-status");

  function say(text) { if (status) { status.textContent = text; } }

  // A refusal is shown where the tap was, not only announced.
  function refuse(form, text) {
    var note = form.parentNode.querySelector(".hn-error");
    if (!note) {
      note = document.createElement("span");
      note.className = "hn-error";
      form.insertAdjacentElement("afterend", note);
    }
    note.textContent = text;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-hn-mark")) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    // A second tap while the first is on its way sends nothing more (the
    // server would record nothing more either).
    if (button.disabled) { return; }
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (!result.ok || !result.data.ok) {
          button.disabled = false;
          var text = (result.data && result.data.error) || status.getAttribute("data-error");
          refuse(form, text);
          say(text);
          return;
        }
        var done = document.createElement("span");
        done.className = "hn-done";
        done.textContent = form.getAttribute("data-done-label");
        form.replaceWith(done);
        say(done.textContent + ": " + (button.getAttribute("aria-label") || "").split(": ").slice(1).join(": "));
      })
      .catch(function () {
        // Offline or a dropped connection: post the plain form instead.
        form.submit();
      });
  });
})();
