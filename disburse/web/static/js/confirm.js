// Irreversible steps ask first: a form with data-confirm="…" (the workflow file's `confirm:` for its
// event, in the page's language) submits only when the user agrees. Loaded from a file because the
// Content-Security-Policy refuses inline handlers (disburse/security.py); without script the form still
// posts, and the service still checks every guard.
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    // a button may ask its own question (one form, two verdicts: 合格 and 不合格)
    var ask = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
    if (ask && !window.confirm(ask)) {
      event.preventDefault();
    }
  }, true);
})();
