// examreg: the reviewer's image viewer on the case page.
//
// Without this script each thumbnail links to its full image in a new tab. With it, a
// thumbnail opens the image over the page with zoom, rotate and previous/next (also by
// keyboard: ← → + − R Esc), so a reviewer goes through every material without leaving
// the case.
(function () {
  'use strict';

  var root = document.querySelector('[data-viewer]');
  if (!root) {
    return;
  }
  var links = Array.prototype.slice.call(root.querySelectorAll('a[data-full]'));
  if (links.length === 0) {
    return;
  }

  var dialog = document.createElement('div');
  dialog.className = 'viewer';
  dialog.hidden = true;
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-modal', 'true');
  dialog.setAttribute('aria-label', '查看材料');
  dialog.innerHTML =
    '<div class="viewer-bar">' +
    '<span class="viewer-caption" aria-live="polite"></span>' +
    '<button type="button" data-act="prev">上一张</button>' +
    '<button type="button" data-act="next">下一张</button>' +
    '<button type="button" data-act="in">放大</button>' +
    '<button type="button" data-act="out">缩小</button>' +
    '<button type="button" data-act="rotate">旋转</button>' +
    '<button type="button" data-act="close">关闭</button>' +
    '</div><div class="viewer-stage"><img alt=""></div>';
  document.body.appendChild(dialog);
  var img = dialog.querySelector('img');
  var caption = dialog.querySelector('.viewer-caption');
  var state = { index: 0, zoom: 1, angle: 0, opener: null };

  function show(index) {
    state.index = (index + links.length) % links.length;
    state.zoom = 1;
    state.angle = 0;
    var link = links[state.index];
    img.src = link.getAttribute('data-full');
    img.alt = link.getAttribute('data-caption');
    caption.textContent =
      link.getAttribute('data-caption') + '（' + (state.index + 1) + '/' + links.length + '）';
    apply();
  }

  function apply() {
    img.style.transform = 'rotate(' + state.angle + 'deg) scale(' + state.zoom + ')';
  }

  function open(index, opener) {
    state.opener = opener;
    dialog.hidden = false;
    show(index);
    dialog.querySelector('[data-act=close]').focus();
  }

  function close() {
    dialog.hidden = true;
    img.removeAttribute('src');
    if (state.opener) {
      state.opener.focus();
    }
  }

  var actions = {
    prev: function () { show(state.index - 1); },
    next: function () { show(state.index + 1); },
    in: function () { state.zoom = Math.min(state.zoom * 1.25, 8); apply(); },
    out: function () { state.zoom = Math.max(state.zoom / 1.25, 0.25); apply(); },
    rotate: function () { state.angle = (state.angle + 90) % 360; apply(); },
    close: close
  };

  links.forEach(function (link, index) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      open(index, link);
    });
  });
  dialog.addEventListener('click', function (event) {
    var act = event.target.getAttribute && event.target.getAttribute('data-act');
    if (act && actions[act]) {
      actions[act]();
    }
  });
  document.addEventListener('keydown', function (event) {
    if (dialog.hidden) {
      return;
    }
    var keys = { ArrowLeft: 'prev', ArrowRight: 'next', '+': 'in', '=': 'in', '-': 'out', r: 'rotate', R: 'rotate', Escape: 'close' };
    var act = keys[event.key];
    if (act) {
      event.preventDefault();
      actions[act]();
    }
  });
})();
