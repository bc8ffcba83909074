// The reserve box: the total follows the number of seats chosen (each option carries it).
(function () {
  "use strict";
  document.querySelectorAll("form[data-reserve]").forEach(function (form) {
    var select = form.querySelector("select[name=seats]");
    var out = form.querySelector("[data-total-out]");
    if (!select || !out) return;
    function update() {
      var option = select.options[select.selectedIndex];
      if (option && option.dataset.total) out.textContent = option.dataset.total;
    }
    select.addEventListener("change", update);
    update();
  });
})();
