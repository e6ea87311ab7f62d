// "Copy link" on the personal action page. Progressive enhancement: without
// this file the link stays in a read-only box to select by hand, and the
// button stays hidden. The status line is announced (aria-live) in the
// page's language, read from the button's data attributes.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!input || !status) { return; }
    button.hidden = false;

    function done(copied) {
      status.textContent = button.getAttribute(copied ? "data-copied" : "data-not-copied");
    }

    button.addEventListener("click", function () {
      input.focus();
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(
          function () { done(true); },
          function () { done(document.execCommand("copy")); }
        );
      } else {
        done(document.execCommand("copy"));
      }
    });
  });
})();
