// domecek-jobs dashboard: live pages without a reload.
// A page whose <main> has data-live="N" fetches itself every N seconds and
// swaps in the new <main>; a page that no longer has data-live (the job
// finished) is swapped in once more and the polling stops. Nothing is
// fetched while the tab is hidden or while a form field has the focus,
// and a failed fetch (daemon restarting) only waits for the next turn.
// Served from 'self': the Content-Security-Policy allows no other script.
(function () {
  "use strict";
  var main = document.querySelector("main[data-live]");
  if (!main || !window.fetch || !window.DOMParser) return;
  var seconds = Math.max(2, parseInt(main.getAttribute("data-live"), 10) || 5);
  var busy = false;

  function isEditing() {
    var a = document.activeElement;
    return a && a.form && a.tagName !== "BUTTON";
  }

  function refresh() {
    if (busy || document.hidden || isEditing()) return;
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", redirect: "manual" })
      .then(function (answer) {
        if (answer.status !== 200) throw new Error("status " + answer.status);
        return answer.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("main");
        var now = document.querySelector("main");
        if (!fresh || !now) return;
        now.replaceWith(document.adoptNode(fresh));
        if (!fresh.hasAttribute("data-live")) window.clearInterval(timer);
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }

  var timer = window.setInterval(refresh, seconds * 1000);
})();
