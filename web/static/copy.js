// The copy-citation buttons: shown only when this script runs; without it each citation is plain,
// selectable text. Each button names the citation it copies (data-target) and where it says how
// that went (data-status). No inline script anywhere (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  function wire(button) {
    var citation = document.getElementById(button.getAttribute("data-target"));
    var status = document.getElementById(button.getAttribute("data-status"));
    if (!citation) {
      return;
    }

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function selectCitation() {
      var range = document.createRange();
      range.selectNodeContents(citation);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }

    // Older browsers, and pages served over plain HTTP away from localhost, lack the clipboard API.
    function copyBySelection() {
      selectCitation();
      try {
        return document.execCommand("copy");
      } catch (error) {
        return false;
      }
    }

    function copied() {
      say(button.getAttribute("data-done"));
    }

    function failed() {
      selectCitation();
      say(button.getAttribute("data-failed"));
    }

    button.addEventListener("click", function () {
      var value = citation.textContent.trim();
      say("");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(value).then(copied, function () {
          if (copyBySelection()) {
            copied();
          } else {
            failed();
          }
        });
      } else if (copyBySelection()) {
        copied();
      } else {
        failed();
      }
    });
    button.hidden = false;
  }

  var buttons = document.querySelectorAll("button.copy-button[data-target]");
  for (var i = 0; i < buttons.length; i += 1) {
    wire(buttons[i]);
  }
})();
