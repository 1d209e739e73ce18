// The example course page's own script. It is not needed to embed ScratchNet; it does two things:
// 1. ?app=<address of a ScratchNet site> points this page's widgets and links at that copy (a
//    preview of the lesson against another server, as the tests do). It runs in <head>, before the
//    widgets' addresses are read, and sets the page's base address; anything but an http(s)
//    address is refused with a note.
// 2. It lists the messages the widgets send (through embed-host.js) under "What this page heard".
(() => {
  
  var refused = "";
  var app = new URLSearchParams(location.search).get("app");
  if (app !== null) {
    var url = null;
    try {
      url = new URL(app, location.href);
    } catch {
      url = null;
    }
    if (url && (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password) {
      if (!url.pathname.endsWith("/")) url.pathname += "/";
      url.search = "";
      url.hash = "";
      var base = document.createElement("base");
      base.href = new URL("examples/", url).href;
      document.head.prepend(base);
    } else {
      refused = "The ?app= address was refused (it must be an http or https address); the widgets use the copy of ScratchNet next to this page.";
    }
  }

  function describe(detail) {
    var who = detail.id ? `[${detail.id}] ` : "";
    switch (detail.type) {
      case "prediction":
        return `${who}prediction: ${detail.digit} (${(100 * detail.probabilities[detail.digit]).toFixed(1)}% sure)`;
      case "epoch":
        return who + "epoch " + detail.epoch + " of " + detail.epochs + ": test accuracy " +
          (detail.testAccuracy === null ? "unknown" : `${(100 * detail.testAccuracy).toFixed(1)}%`);
      case "trainingDone":
        return `${who}training ${detail.reason} after ${detail.epoch} epochs`;
      default:
        return who + detail.type;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (refused) {
      var note = document.getElementById("app-note");
      note.textContent = refused;
      note.hidden = false;
    }
    var list = document.getElementById("activity");
    document.addEventListener("scratchnet", (event) => {
      if (event.detail.type === "resize") return;
      var item = document.createElement("li");
      item.textContent = describe(event.detail);
      list.append(item);
      list.scrollTop = list.scrollHeight;
    });
  });
})();
