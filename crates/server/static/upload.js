// examreg: upload enhancement for the photo and materials pages.
//
// Without this script the forms post the chosen file as it is and the server explains
// any refusal. With it, a photo or scan of any size, or a PNG, is resized and re-encoded
// in the browser into a JPEG inside the slot's limits, then sent to the JSON API with a
// progress bar; a refusal is shown beside the form. The server still checks everything.
(function () {
  'use strict';

  var forms = document.querySelectorAll('form.upload-form[data-api]');
  Array.prototype.forEach.call(forms, function (form) {
    var input = form.querySelector('input[type=file]');
    if (!input || !window.createImageBitmap || !window.XMLHttpRequest) {
      return;
    }
    input.setAttribute('accept', 'image/*');
    var bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    bar.hidden = true;
    bar.setAttribute('aria-label', '上传进度');
    var status = document.createElement('p');
    status.className = 'upload-status';
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    form.appendChild(bar);
    form.appendChild(status);

    form.addEventListener('submit', function (event) {
      var file = input.files && input.files[0];
      if (!file) {
        return; // the server says that a file is missing
      }
      event.preventDefault();
      var button = form.querySelector('button[type=submit]');
      if (button) {
        button.disabled = true;
      }
      status.classList.remove('error-message');
      status.textContent = '正在处理图片…';
      prepare(file, limits(form))
        .then(function (blob) {
          return send(form, blob, file.name, bar, status);
        })
        .then(function () {
          status.textContent = '上传成功';
          window.location.reload();
        })
        .catch(function (error) {
          status.textContent = error.message;
          status.classList.add('error-message');
          bar.hidden = true;
          if (button) {
            button.disabled = false;
          }
        });
    });
  });

  function limits(form) {
    var d = form.dataset;
    return {
      minBytes: Number(d.minKb) * 1024,
      maxBytes: Number(d.maxKb) * 1024,
      minWidth: Number(d.minWidth || 0),
      minHeight: Number(d.minHeight || 0),
      maxSide: Number(d.maxSide || 2400)
    };
  }

  function isJpeg(buffer) {
    var b = new Uint8Array(buffer);
    return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
  }

  function encode(canvas, quality) {
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) {
        if (blob) {
          resolve(blob);
        } else {
          reject(new Error('浏览器无法生成 JPG，请手动压缩后上传'));
        }
      }, 'image/jpeg', quality);
    });
  }

  // A JPEG already inside the limits goes as it is; anything else is drawn on a white
  // canvas (transparent PNGs become white, not black) and encoded, smaller each round.
  function prepare(file, lim) {
    return file.slice(0, 3).arrayBuffer().then(function (head) {
      if (isJpeg(head) && file.size >= lim.minBytes && file.size <= lim.maxBytes) {
        return file;
      }
      return createImageBitmap(file).then(function (bitmap) {
        return shrink(bitmap, lim);
      }, function () {
        throw new Error('无法读取这个文件，请选择 JPG 或 PNG 格式的图片');
      });
    });
  }

  function shrink(bitmap, lim) {
    var qualities = [0.92, 0.85, 0.75, 0.65, 0.55];
    var scale = Math.min(1, lim.maxSide / Math.max(bitmap.width, bitmap.height));
    var round = 0;
    function attempt() {
      var w = Math.max(1, Math.round(bitmap.width * scale));
      var h = Math.max(1, Math.round(bitmap.height * scale));
      if (w < lim.minWidth || h < lim.minHeight) {
        throw new Error('图片像素不足（需至少 ' + lim.minWidth + '×' + lim.minHeight + '），请换一张更清晰的图片');
      }
      var canvas = document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      var ctx = canvas.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, w, h);
      ctx.drawImage(bitmap, 0, 0, w, h);
      var i = 0;
      function next() {
        return encode(canvas, qualities[i]).then(function (blob) {
          if (blob.size <= lim.maxBytes) {
            if (blob.size < lim.minBytes) {
              throw new Error('图片内容太少，压缩后不足 ' + lim.minBytes / 1024 + ' KB，请换一张更清晰的图片');
            }
            return blob;
          }
          i += 1;
          if (i < qualities.length) {
            return next();
          }
          round += 1;
          if (round > 8) {
            throw new Error('无法把图片压缩到 ' + lim.maxBytes / 1024 + ' KB 以内，请换一张图片');
          }
          scale *= 0.8;
          return attempt();
        });
      }
      return next();
    }
    return Promise.resolve().then(attempt);
  }

  function send(form, blob, name, bar, status) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      var method = form.dataset.method || 'POST';
      xhr.open(method, form.dataset.api);
      xhr.setRequestHeader('X-CSRF-Token', form.dataset.csrf);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          bar.hidden = false;
          bar.value = Math.round((100 * e.loaded) / e.total);
        }
      };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100;
          resolve();
          return;
        }
        var message = '上传失败（' + xhr.status + '），请重试';
        try {
          message = JSON.parse(xhr.responseText).error.message || message;
        } catch (ignored) {
          // not the API's JSON: keep the general message
        }
        reject(new Error(message));
      };
      xhr.onerror = function () {
        reject(new Error('网络中断，上传没有完成，请重试'));
      };
      status.textContent = '正在上传…';
      bar.hidden = false;
      if (method === 'PUT') {
        xhr.setRequestHeader('Content-Type', 'image/jpeg');
        xhr.send(blob);
      } else {
        var data = new FormData();
        data.append('file', blob, name.replace(/\.[^.]*$/, '') + '.jpg');
        xhr.send(data);
      }
    });
  }
})();
