// Irreversible steps ask first: a form with data-confirm="…" (the workflow file's `confirm:` for its
// event, in the page's language) submits only when the user agrees. Loaded from a file because the
// Content-Security-Policy refuses inline handlers (disburse/security.py); without script the form still
// posts, and the service still checks every guard.
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);
})();
