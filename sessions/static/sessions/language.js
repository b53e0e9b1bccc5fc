// The language switcher submits itself when a language is picked; without this script the
// "Change" button does it.
const select = document.getElementById("language");
if (select) {
  select.form.querySelector("button").hidden = true;
  select.addEventListener("change", () => select.form.submit());
}
