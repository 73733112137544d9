// The plan form (issue 18): rows are added from the section's <template> and removed; the amounts' unit
// label follows the unit switch; a line without a use of funds is marked; and, as the official types, the
// form is sent to the plan check (POST /plans/check, with the page's CSRF token) and the budget checks
// beside it are drawn again. Without script the form still posts and the server shows the same checks.
(function () {
  'use strict';
  var form = document.querySelector('[data-plan-form]');
  if (!form) { return; }
  var panel = document.querySelector('[data-testid=plan-checks]');
  var list = panel && panel.querySelector('[data-checks]');
  var note = panel && panel.querySelector('[data-checks-note]');
  var sums = panel && panel.querySelector('[data-sums]');
  var timer = null;
  var sent = 0;

  function reveal(root) {
    root.querySelectorAll('[data-add-row],[data-remove-row]').forEach(function (b) { b.hidden = false; });
  }

  function markLine(row) {
    var typed = Array.prototype.some.call(row.querySelectorAll('input[type=text]'), function (i) {
      return i.value.trim() !== '';
    });
    var tagged = row.querySelector('input[type=checkbox]:checked') !== null;
    row.classList.toggle('pf-needs-tag', typed && !tagged);
  }

  function addRow(section) {
    var rows = form.querySelector('[data-rows="' + section + '"]');
    var template = form.querySelector('template[data-row-template="' + section + '"]');
    var n = Number(rows.dataset.next);
    rows.dataset.next = String(n + 1);
    var row = template.content.firstElementChild.cloneNode(true);
    row.querySelectorAll('[name]').forEach(function (el) { el.name = el.name.replace('__i__', String(n)); });
    row.querySelectorAll('.pf-unit').forEach(function (el) { el.textContent = unit(); });
    reveal(row);
    rows.appendChild(row);
    var first = row.querySelector('input[type=text], input[type=date]');
    if (first) { first.focus(); }
  }

  function unit() {
    var chosen = form.querySelector('input[name=unit]:checked');
    return chosen ? chosen.dataset.label : '';
  }

  function item(check) {
    var li = document.createElement('li');
    li.className = 'pf-check ' + (check.passed ? 'pass' : 'fail');
    li.dataset.check = check.code;
    li.dataset.passed = check.passed ? 'true' : 'false';
    var mark = document.createElement('span');
    mark.className = 'pf-mark';
    mark.setAttribute('aria-hidden', 'true');
    mark.textContent = check.passed ? '✓' : '✗';
    var label = document.createElement('span');
    label.className = 'pf-check-label';
    label.textContent = check.label;
    var state = document.createElement('span');
    state.className = 'visually-hidden';
    state.textContent = check.passed ? panel.dataset.passed : panel.dataset.failed;
    li.append(mark, label, state);
    check.unmet.forEach(function (u) {
      var message = document.createElement('span');
      message.className = 'pf-check-message';
      message.textContent = u.message;
      li.append(message);
    });
    if (check.clause) {
      var cite = document.createElement('cite');
      cite.textContent = check.clause;
      li.append(cite);
    }
    return li;
  }

  function sum(row) {
    var div = document.createElement('div');
    var dt = document.createElement('dt');
    dt.textContent = row.label;
    var dd = document.createElement('dd');
    var small = document.createElement('small');
    small.textContent = row.yuan;
    dd.append(row.wan + ' ', small);
    div.append(dt, dd);
    return div;
  }

  function draw(answer) {
    sums.replaceChildren.apply(sums, answer.sums.map(sum));
    if (answer.complete) {
      note.textContent = panel.dataset.complete;
      list.replaceChildren.apply(list, answer.checks.map(item));
    } else {
      note.textContent = panel.dataset.incomplete.replace('{n}', String(Object.keys(answer.errors).length));
      list.replaceChildren();
    }
    panel.dataset.state = answer.complete ? 'checked' : 'incomplete';
  }

  function check() {
    var body = new FormData(form);
    var number = ++sent;
    panel.dataset.state = 'checking';
    fetch(form.dataset.checkUrl, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: {'X-CSRFToken': String(body.get('csrf_token')), 'Accept': 'application/json'}
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (answer) {
      if (number === sent) { draw(answer); }
    }).catch(function () {
      if (number === sent) { panel.dataset.state = 'failed'; note.textContent = panel.dataset.unavailable; }
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 350);
  }

  form.addEventListener('click', function (event) {
    var add = event.target.closest('[data-add-row]');
    if (add) { addRow(add.dataset.addRow); return; }
    var remove = event.target.closest('[data-remove-row]');
    if (remove) { remove.closest('[data-row]').remove(); schedule(); }
  });
  form.addEventListener('input', function (event) {
    var line = event.target.closest('[data-line]');
    if (line) { markLine(line); }
    schedule();
  });
  form.addEventListener('change', function (event) {
    if (event.target.name === 'unit') {
      form.querySelectorAll('.pf-unit').forEach(function (el) { el.textContent = unit(); });
    }
    var line = event.target.closest('[data-line]');
    if (line) { markLine(line); }
    schedule();
  });
  reveal(form);
  form.querySelectorAll('[data-line]').forEach(markLine);
})();
