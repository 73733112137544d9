// The plan form (issue 18): rows are added from the section's <template> and removed; switching the unit
// converts the amounts typed (a shift of the decimal point in the text: no floating point touches money)
// and relabels them; a line without a use of funds is marked; and, as the official types, the
// form is sent to the plan check (POST /plans/check, with the page's CSRF token) and the budget checks
// beside it are drawn again (an amendment's reason is not part of the plan). Without script the form still
// posts and the server shows the same checks.
(function () {
  'use strict';
  var form = document.querySelector('[data-plan-form]');
  if (!form) { return; }
  var panel = document.querySelector('[data-testid=plan-checks]');
  var list = panel && panel.querySelector('[data-checks]');
  var note = panel && panel.querySelector('[data-checks-note]');
  var sums = panel && panel.querySelector('[data-sums]');
  var timer = null;
  var chosen = form.querySelector('input[name=unit]:checked');
  var current = chosen ? chosen.value : '';
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
      note.textContent = panel.dataset.incomplete.replace('{where}', answer.where.filter(Boolean).join(panel.dataset.separator));
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

  // "150.5" shifted by 4 places is "1505000"; by -4, "0.01505". Text that is not a plain number is left.
  function shifted(text, places) {
    var plain = text.replace(/,/g, '').trim();
    if (!/^[0-9]+(\.[0-9]+)?$/.test(plain)) { return null; }
    var parts = plain.split('.');
    var digits = parts[0] + (parts[1] || '');
    var point = parts[0].length + places;
    if (point < 1) { digits = '0'.repeat(1 - point) + digits; point = 1; }
    if (point > digits.length) { digits += '0'.repeat(point - digits.length); }
    var whole = digits.slice(0, point).replace(/^0+(?=[0-9])/, '');
    var fraction = digits.slice(point).replace(/0+$/, '');
    return fraction ? whole + '.' + fraction : whole;
  }

  function convert(from, to) {
    var places = from === '万元' && to === '元' ? 4 : from === '元' && to === '万元' ? -4 : 0;
    if (!places) { return; }
    form.querySelectorAll('input.pf-money').forEach(function (input) {
      var value = shifted(input.value, places);
      if (value !== null) { input.value = value; }
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
    if (event.target.name === 'reason') { return; }  // an amendment's reason is no part of the plan checked
    var line = event.target.closest('[data-line]');
    if (line) { markLine(line); }
    schedule();
  });
  form.addEventListener('change', function (event) {
    if (event.target.name === 'unit') {
      convert(current, event.target.value);
      current = event.target.value;
      form.querySelectorAll('.pf-unit').forEach(function (el) { el.textContent = unit(); });
    }
    var line = event.target.closest('[data-line]');
    if (line) { markLine(line); }
    schedule();
  });
  reveal(form);
  form.querySelectorAll('[data-line]').forEach(markLine);
})();
