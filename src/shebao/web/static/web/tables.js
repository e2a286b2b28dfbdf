/* A wide table shows that it scrolls (review-user4 U11: on a 390 px phone the rights table cut the
   个人缴纳 column with no sign that it scrolled sideways).
   For every table not shown as cards, the box that scrolls it (the table itself on a phone in the back
   office, or its .table-scroll wrapper) is marked `scrolls` when its content is wider than the box: a
   shadow at the edge (web/controls.css), a tab stop so a keyboard can scroll it, a name for screen
   readers, and the hint "表格较宽，可左右滑动查看" just above it. Measured again when the window is
   resized and when htmx brings new content. Without script the table still scrolls. */
(function () {
  "use strict";
  var HINT = "表格较宽，可左右滑动查看";
  function scroller(table) {
    for (var el = table; el && el !== document.body; el = el.parentElement) {
      var x = getComputedStyle(el).overflowX;
      if (x === "auto" || x === "scroll") return el;
    }
    return null;
  }
  function hintOf(box) {
    var prev = box.previousElementSibling;
    return prev && prev.classList.contains("scroll-hint") ? prev : null;
  }
  function mark(table) {
    var box = scroller(table);
    if (!box) return;
    var wide = box.scrollWidth > box.clientWidth + 1;
    var hint = hintOf(box);
    if (wide) {
      box.classList.add("scrolls");
      if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); box.dataset.scrollTab = "1"; }
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby") && box.tagName !== "TABLE") {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", HINT);
        box.dataset.scrollLabel = "1";
      }
      if (!hint) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.setAttribute("aria-hidden", "true");
        hint.textContent = HINT + " →";
        box.parentNode.insertBefore(hint, box);
      }
    } else {
      box.classList.remove("scrolls");
      if (box.dataset.scrollTab) { box.removeAttribute("tabindex"); delete box.dataset.scrollTab; }
      if (box.dataset.scrollLabel) {
        box.removeAttribute("role"); box.removeAttribute("aria-label"); delete box.dataset.scrollLabel;
      }
      if (hint) hint.parentNode.removeChild(hint);
    }
  }
  function all() {
    Array.prototype.forEach.call(document.querySelectorAll("table"), mark);
  }
  var pending = null;
  function soon() {
    if (pending) return;
    pending = window.requestAnimationFrame(function () { pending = null; all(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
  window.addEventListener("load", all);
  window.addEventListener("resize", soon);
  document.addEventListener("htmx:load", soon);
})();
