// Progressive enhancement: show the underkategori select only when the chosen
// kvalitetsområde has subcategories. Without JavaScript the field is always shown and the
// server says when one is missing or not allowed.
(function () {
  document.querySelectorAll("[data-subcategory-for]").forEach(function (wrapper) {
    var form = wrapper.closest("form");
    var category = form && form.querySelector("select[name$='category']:not([name$='subcategory'])");
    var select = wrapper.querySelector("select");
    if (!category || !select) { return; }
    var needs = wrapper.getAttribute("data-subcategory-for").split(" ");
    function update() {
      var show = needs.indexOf(category.value) !== -1;
      wrapper.hidden = !show;
      if (!show) { select.value = ""; }
    }
    category.addEventListener("change", update);
    update();
  });
})();
