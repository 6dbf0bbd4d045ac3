// The field picker: lists the fields of the last events received of a type and writes the one clicked
// into the template box that had the cursor (or into the contract's condition).
(() => {
  const picker = document.getElementById("field-picker");
  if (!picker) return;
  const forCondition = picker.dataset.target === "condition";
  const boxes = forCondition ? ["id_condition"] : ["id_url", "id_headers", "id_query_params", "id_body"];
  const eventSelect = document.getElementById("picker-event");
  const sampleSelect = document.getElementById("picker-sample");
  const list = document.getElementById("picker-fields");
  let lastBox = document.getElementById(boxes[boxes.length - 1]);
  let samples = [];

  boxes.forEach((id) => {
    const box = document.getElementById(id);
    if (box) box.addEventListener("focus", () => { lastBox = box; });
  });

  const insideString = (text) => (text.replace(/\\./g, "").match(/"/g) || []).length % 2 === 1;

  const write = (field) => {
    if (!lastBox) return;
    if (forCondition) {
      lastBox.value = field.condition;
    } else {
      const start = lastBox.selectionStart ?? lastBox.value.length;
      const end = lastBox.selectionEnd ?? start;
      const before = lastBox.value.slice(0, start);
      const json = lastBox.tagName === "TEXTAREA";
      const text = json && !insideString(before) ? `"${field.placeholder}"` : field.placeholder;
      lastBox.value = before + text + lastBox.value.slice(end);
      lastBox.selectionStart = lastBox.selectionEnd = start + text.length;
    }
    lastBox.focus();
    lastBox.dispatchEvent(new Event("input", { bubbles: true }));
  };

  const show = (index) => {
    list.replaceChildren();
    const sample = samples[index];
    if (!sample) {
      const note = document.createElement("p");
      note.className = "quiet";
      note.textContent = "No event of this type has been received yet. Send one (the event's page says how), "
        + "then come back: its fields will be listed here.";
      list.append(note);
      return;
    }
    const table = document.createElement("table");
    table.className = "picker-table";
    table.innerHTML = "<thead><tr><th>Field</th><th>In this event</th><th></th></tr></thead>";
    const body = table.createTBody();
    sample.fields.forEach((field) => {
      const row = body.insertRow();
      row.insertCell().append(Object.assign(document.createElement("code"), { textContent: field.path }));
      row.insertCell().textContent = field.shown;
      const button = Object.assign(document.createElement("button"), {
        type: "button", className: "button picker-insert", textContent: forCondition ? "Use" : "Insert",
      });
      button.dataset.path = field.path;
      button.addEventListener("click", () => write(field));
      row.insertCell().append(button);
    });
    list.append(table);
  };

  const load = (eventTypeId) => {
    if (!eventTypeId) return;
    fetch(picker.dataset.fieldsUrl.replace("/0/", `/${eventTypeId}/`), { credentials: "same-origin" })
      .then((answer) => answer.json())
      .then((data) => {
        samples = data.samples;
        sampleSelect.replaceChildren(...samples.map((sample, index) =>
          new Option(`received ${sample.received_at}`, index)));
        sampleSelect.hidden = samples.length < 2;
        show(0);
      });
  };

  eventSelect.addEventListener("change", () => load(eventSelect.value));
  sampleSelect.addEventListener("change", () => show(Number(sampleSelect.value)));
  // The contract's own event decides which fields make sense (select2 reports changes through jQuery).
  if (forCondition && window.django && window.django.jQuery) {
    window.django.jQuery("#id_event_type").on("change", function () {
      if (!this.value) return;
      if (![...eventSelect.options].some((option) => option.value === this.value)) {
        eventSelect.add(new Option(this.selectedOptions[0].textContent, this.value), 0);
      }
      eventSelect.value = this.value;
      load(this.value);
    });
  }
  load(eventSelect.value);
})();
