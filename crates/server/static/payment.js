// 缴费: while an order is open, ask every few seconds whether the payment arrived, and
// reload the page when it did. Without JavaScript the 我已支付 button does the same.
(function () {
  "use strict";
  var status = document.getElementById("payment-status");
  if (!status || !window.fetch) return;
  var api = status.getAttribute("data-api");
  var tries = 0;
  function poll() {
    tries += 1;
    if (tries > 200) return;
    fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.status === "paid") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 3000);
        }
      })
      .catch(function () { window.setTimeout(poll, 6000); });
  }
  window.setTimeout(poll, 3000);
})();
