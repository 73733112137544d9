// Bar charts drawn by ECharts (loaded before this file) into every [data-chart] element; the figures come
// from the <script type="application/json" id="ID-data"> block next to it (data, never executed), so the
// pages need no inline script under the Content-Security-Policy (disburse/security.py).
(function () {
  'use strict';
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.id + '-data').textContent);
    var chart = echarts.init(el);
    chart.setOption({
      color: ['#5b6b7a', '#0b57a4', '#1e7b34'],
      tooltip: {trigger: 'axis'},
      legend: {bottom: 0},
      grid: {left: 20, right: 20, top: 40, bottom: 40, containLabel: true},
      xAxis: {type: 'category', data: data.categories, axisLabel: {interval: 0}},
      yAxis: {type: 'value', name: data.unit},
      series: data.series.map(function (s) { return {name: s.name, type: 'bar', barMaxWidth: 56, data: s.data}; })
    });
    window.addEventListener('resize', function () { chart.resize(); });
  });
})();
