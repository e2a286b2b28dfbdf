/* One thing per screen in the large-type mode (适老化: the national guidance for public-service apps
   asks for large type, high contrast and one thing per screen; issue 15). A form marked `data-steps`
   shows one field at a time, with 上一步 / 下一步 and "第k步，共n步"; the last step shows the form's
   own submit button. The form stays one form: every field is posted together and judged by the server
   as before, so a refused form opens at the step of its first error (the error summary and focus of
   forms.js still apply). In the standard mode, and without script, every field shows at once. */
(function () {
  "use strict";
  var FOCUSABLE = "input:not([type=hidden]), select, textarea";

  function button(text, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    return b;
  }

  function stepped(form) {
    if (form.dataset.stepped) return;
    var steps = Array.prototype.slice.call(form.querySelectorAll(":scope > .field"));
    var submit = form.querySelector(":scope > button[type=submit]");
    if (steps.length < 2 || !submit) return;
    form.dataset.stepped = "1";
    var status = document.createElement("p");
    status.className = "steps-status";
    status.setAttribute("aria-live", "polite");
    status.id = "steps-status";
    var nav = document.createElement("div");
    nav.className = "steps-nav";
    var back = button("上一步", "secondary steps-back");
    var next = button("下一步", "steps-next");
    nav.appendChild(back);
    nav.appendChild(next);
    steps[0].parentNode.insertBefore(status, steps[0]);
    submit.parentNode.insertBefore(nav, submit);
    var current = 0;
    for (var k = 0; k < steps.length; k++) {
      if (steps[k].classList.contains("has-error")) { current = k; break; }
    }

    function show(i, focus) {
      current = i;
      steps.forEach(function (s, k) { s.hidden = k !== i; });
      status.textContent = "第" + (i + 1) + "步，共" + steps.length + "步";
      back.hidden = i === 0;
      next.hidden = i === steps.length - 1;
      submit.hidden = i !== steps.length - 1;
      if (focus) {
        var input = steps[i].querySelector(FOCUSABLE);
        if (input) input.focus();
      }
    }

    back.addEventListener("click", function () { if (current > 0) show(current - 1, true); });
    next.addEventListener("click", function () { if (current < steps.length - 1) show(current + 1, true); });
    // Enter in a field before the last step goes to the next step instead of sending a form half seen.
    form.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || current === steps.length - 1) return;
      var t = e.target;
      if (t && t.tagName === "INPUT" && t.type !== "checkbox" && t.type !== "radio") {
        e.preventDefault();
        show(current + 1, true);
      }
    });
    show(current, false);
  }

  function start() {
    if (!document.documentElement.classList.contains("large-type")) return;
    Array.prototype.forEach.call(document.querySelectorAll("form[data-steps]"), stepped);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
