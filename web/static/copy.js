// The copy-citation button: shown only when this script runs; without it the citation is plain,
// selectable text. No inline script anywhere (the Content-Security-Policy forbids it).
(function () {
  "use strict";
  var button = document.getElementById("copy-citation");
  var citation = document.getElementById("citation");
  var status = document.getElementById("copy-status");
  if (!button || !citation) {
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
})();
