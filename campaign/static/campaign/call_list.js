// Call list: save a row's result without reloading, so a caller keeps their
// place in a long list. Progressive enhancement: without this file each form
// posts and the page comes back at the next row's anchor. Text is set with
// textContent, never innerHTML.
(function () {
  "use strict";
  var status = document.getElementById("call-list-status");

  function focusRow(id) {
    var select = id && document.getElementById("result-" + id);
    if (select) {
      select.focus();
    }
  }

  // After a save without this script's help, the server sent us to #row-N.
  var match = /^#row-(\d+)$/.exec(window.location.hash);
  if (match) {
    focusRow(match[1]);
  }
  if (!window.fetch || !window.FormData) { return; }

  function showError(form, messages) {
    var select = form.querySelector("select[name=result]");
    var id = "result-error-" + form.querySelector("input[name=supporter]").value;
    var box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.className = "invalid-feedback d-block";
      select.parentNode.appendChild(box);
    }
    box.textContent = messages.join(" ");
    select.classList.add("is-invalid");
    select.setAttribute("aria-invalid", "true");
    select.setAttribute("aria-describedby", id);
    select.focus();
  }

  function collapse(row, message) {
    var line = document.createElement("p");
    line.className = "mb-0 small";
    line.textContent = message;
    while (row.firstChild) { row.removeChild(row.firstChild); }
    row.appendChild(line);
    row.classList.add("bg-success-subtle", "call-saved");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("call-result")) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.getAttribute("action").split("#")[0], {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (answer) {
        button.disabled = false;
        if (!answer.ok || !answer.data.ok) {
          var errors = answer.data.errors || {};
          showError(form, [].concat(errors.result || [], errors.note || [], errors.supporter || []));
          return;
        }
        var row = form.closest(".call-row");
        collapse(row, answer.data.message);
        if (status) { status.textContent = answer.data.message; }
        focusRow(answer.data.next_row);
      })
      .catch(function () {
        // No answer (offline?): post the plain form, which keeps the place too.
        button.disabled = false;
        form.submit();
      });
  });
})();
