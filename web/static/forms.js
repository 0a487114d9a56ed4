// Progressive enhancement for every form; without JavaScript the pages work the same,
// only less helpfully.
(function () {
  // After a refused step the page opens at that step (the form's action carries its
  // #fragment); move focus to its error summary so that it is read out and in view.
  // After a saved step the page opens at the next step, whose "saved" message is focused
  // the same way (autofocus does not apply when the address has a #fragment).
  var summary = document.querySelector(".error-summary") ||
    document.querySelector(".notice[autofocus]");
  function focusSummary() {
    if (summary && document.activeElement !== summary &&
        (!document.activeElement || document.activeElement === document.body)) {
      summary.focus();
    }
  }
  focusSummary();
  // Going to a #fragment after load moves focus to its target (or away): say it again.
  window.addEventListener("load", function () { window.setTimeout(focusSummary, 0); });
  // Typing an ISO date (2026-11-20, as Swedes write dates) into a date field gives that
  // date whatever order the browser's own date segments follow (its UI language decides,
  // not the page's): the keys typed since focus are kept, and once they make a whole date
  // within the field's min/max it is set as the value.
  document.querySelectorAll("input[type='date']").forEach(function (input) {
    var typed = "";
    input.addEventListener("focus", function () { typed = ""; });
    input.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (!/^[0-9-]$/.test(event.key)) { typed = ""; return; }
      typed = (typed + event.key).slice(-10);
      if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(typed)) { return; }
      var day = new Date(typed + "T00:00:00Z");
      var valid = !isNaN(day) && day.toISOString().slice(0, 10) === typed &&
        (!input.min || typed >= input.min) && (!input.max || typed <= input.max);
      if (!valid) { return; }
      event.preventDefault();
      input.value = typed;
      typed = "";
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
  // A table that scrolls inside itself (phones) can be scrolled with the keyboard too.
  function focusableScrollers() {
    document.querySelectorAll("table, .table-scroll").forEach(function (box) {
      var scrolls = getComputedStyle(box).overflowX === "auto" && box.scrollWidth > box.clientWidth;
      if (scrolls && !box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); }
    });
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  // A half-typed date is submitted by the browser as an empty value: name those inputs,
  // so the server can say "finish the date" instead of "the field is empty".
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name='_incomplete_dates']").forEach(function (old) {
        old.remove();
      });
      form.querySelectorAll("input[type='date'], input[type='datetime-local']").forEach(
        function (input) {
          if (input.validity && input.validity.badInput) {
            var marker = document.createElement("input");
            marker.type = "hidden";
            marker.name = "_incomplete_dates";
            marker.value = input.name;
            form.appendChild(marker);
          }
        }
      );
    });
  });
})();
