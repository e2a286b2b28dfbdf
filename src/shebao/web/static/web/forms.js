/* Forms in Chinese whatever the browser's language (review U15: an English browser showed its own
   "Please fill out this field" and "Choose File / No file chosen").
   - Every form carries `novalidate` in its template (tests/web/test_form_texts.py), so the server's
     Chinese errors, placed at their fields, are the only ones; this script sets it again on forms
     that arrive by htmx.
   - A file input gets a Chinese button "选择文件" and the chosen file's name ("未选择文件" before):
     the native control stays in the page (visually hidden, still focusable and labelled), so the
     form posts the same field and a keyboard or screen reader reaches it as before.
   Without script the page still works: the native control shows. */
(function () {
  "use strict";
  function names(input) {
    var files = input.files ? Array.prototype.map.call(input.files, function (f) { return f.name; }) : [];
    return files.length ? files.join("、") : "未选择文件";
  }
  function dress(input) {
    if (input.dataset.picker) return;
    input.dataset.picker = "1";
    var box = document.createElement("span");
    box.className = "file-picker";
    var button = document.createElement("span");
    button.className = "file-picker-button";
    button.setAttribute("aria-hidden", "true");
    button.textContent = "选择文件";
    var chosen = document.createElement("span");
    chosen.className = "file-picker-name";
    chosen.setAttribute("aria-live", "polite");
    chosen.textContent = names(input);
    input.parentNode.insertBefore(box, input);
    box.appendChild(input);
    box.appendChild(button);
    box.appendChild(chosen);
    input.classList.add("file-picker-input");
    // Inside its <label>, a click on the button already opens the chooser; elsewhere the button does.
    if (!input.closest("label")) button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () { chosen.textContent = names(input); });
  }
  // --- A refused form: the page opens at the first input at fault (review-user5 F8) ----------------
  // After a refused post the page opened at the top, with the form below the fold and focus nowhere.
  // When the page (or the part htmx swapped in) carries an error summary, the first input marked
  // aria-invalid gets the focus and is scrolled to the middle of the screen; with none marked, the first
  // error message is scrolled into view. Each line of the summary becomes a link to the input whose
  // message it repeats; a heading line ("请按提示更正下面标红的项目") to the first input at fault.
  var SUMMARY = "#errors, ul.errorlist, .messages li.error, .form-error, [data-error-summary]";
  var MESSAGE = SUMMARY + ', .bad[role=alert]:not(.field-error), p.error[role=alert], .field-error';
  var counter = 0;
  function focusable(el) {
    if (el.matches("input, select, textarea, button")) return el;
    return el.querySelector("input:not([type=hidden]), select, textarea") || el;
  }
  function messageOf(control) {
    var ids = (control.getAttribute("aria-describedby") || "").split(/\s+/);
    for (var i = 0; i < ids.length; i++) {
      var found = ids[i] && document.getElementById(ids[i]);
      if (found && found.textContent.trim()) return found.textContent.trim();
    }
    return "";
  }
  function show(el) {
    var rect = el.getBoundingClientRect();
    var seen = rect.top >= 0 && rect.bottom <= (window.innerHeight || document.documentElement.clientHeight);
    if (!seen) el.scrollIntoView({ block: "center" });
  }
  function goTo(control) {
    var target = focusable(control);
    if (!target.id) target.id = "at-fault-" + (++counter);
    // A file input is visually hidden in its picker: the picker is what is shown.
    var shown = target.closest(".file-picker") || target;
    try { target.focus({ preventScroll: true }); } catch (e) { target.focus(); }
    show(shown);
    return target;
  }
  function link(item, control) {
    if (item.querySelector("a")) return;
    var a = document.createElement("a");
    a.href = "#" + focusable(control).id;
    a.className = "error-link";
    while (item.firstChild) a.appendChild(item.firstChild);
    item.appendChild(a);
    a.addEventListener("click", function (e) { e.preventDefault(); goTo(control); });
  }
  // A form with no summary (most portal forms: the message stands beside its input only) is refused
  // alike: its first input marked aria-invalid gets the focus (review-user6 F5), the one mechanism for
  // the back office and the portal.
  function toErrors(scope) {
    var summaries = Array.prototype.slice.call(scope.querySelectorAll(SUMMARY));
    if (scope.matches && scope.matches(SUMMARY)) summaries.unshift(scope);
    var marked = Array.prototype.slice.call(scope.querySelectorAll('[aria-invalid="true"]'));
    var controls = marked.filter(function (c) {
      return !c.closest("[hidden]");
    });
    if (!summaries.length) {
      if (controls.length) goTo(controls[0]);
      return;
    }
    if (!controls.length) {
      var first = scope.querySelector(MESSAGE) || summaries[0];
      show(first);
      return;
    }
    controls.forEach(function (c) { var t = focusable(c); if (!t.id) t.id = "at-fault-" + (++counter); });
    summaries.forEach(function (summary) {
      var items = summary.matches("li") ? [summary] : Array.prototype.slice.call(summary.querySelectorAll("li, p"));
      if (!items.length) items = [summary];
      items.forEach(function (item) {
        var text = item.textContent.trim();
        if (!text) return;
        var own = controls.filter(function (c) {
          var m = messageOf(c);
          return m && (text.indexOf(m) >= 0 || m.indexOf(text) >= 0);
        })[0];
        if (own) link(item, own);
        else if (/标红|下列|下面/.test(text)) link(item, controls[0]);
      });
    });
    goTo(controls[0]);
  }
  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("form"), function (f) { f.noValidate = true; });
    if (scope.tagName === "FORM") scope.noValidate = true;
    Array.prototype.forEach.call(scope.querySelectorAll("input[type=file]"), dress);
    toErrors(scope);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
