// Places the project timeline's ticks, bars and marks: each element carries its position in percent as
// data-left (and data-width). Set through the CSSOM, which the Content-Security-Policy allows, where a
// style="" attribute would be refused (disburse/security.py).
(function () {
  'use strict';
  document.querySelectorAll('.timeline [data-left]').forEach(function (el) {
    el.style.left = el.dataset.left + '%';
    if (el.dataset.width !== undefined) { el.style.width = el.dataset.width + '%'; }
  });
})();
