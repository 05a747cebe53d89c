// Opportune's one script: enhances the plain-HTML pages. Everything works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function toast(text) {
    var t = document.createElement("div");
    t.className = "toast";
    t.setAttribute("role", "status");
    t.textContent = text;
    document.body.appendChild(t);
    setTimeout(function () { t.remove(); }, 2500);
  }

  // Board: drag a card onto another column to move the deal; a refusal opens the override dialog.
  var board = document.querySelector("[data-board]");
  if (!board) return;
  var dialog = document.getElementById("move-dialog");
  var dragged = null;

  function moveCard(card, column) {
    column.querySelector(".cards").prepend(card);
    var empty = column.querySelector(".empty");
    if (empty) empty.remove();
  }

  function send(card, column, reason) {
    var body = { stage_id: Number(column.dataset.stageId) };
    if (reason) body.override_reason = reason;
    return fetch("/api/v1/opportunities/" + card.dataset.id + "/stage", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, body: j }; });
    });
  }

  function refuse(card, column, res) {
    var err = res.body.error || {};
    dialog.querySelector("[data-title]").textContent =
      dialog.dataset.titleTemplate.replace("{stage}", column.dataset.stageName);
    var list = dialog.querySelector("[data-unmet]");
    list.innerHTML = "";
    var unmet = err.unmet_criteria || [];
    // A jump past several stages names each criterion's stage; one stage is in the title.
    var stages = unmet.map(function (c) { return c.stage_id; })
      .filter(function (s, i, all) { return all.indexOf(s) === i; }).length;
    unmet.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = stages > 1 ? c.stage + " · " + c.label : c.label;
      list.appendChild(li);
    });
    var canOverride = err.code === "criteria_unmet";
    dialog.querySelectorAll("[data-override]").forEach(function (el) { el.hidden = !canOverride; });
    dialog.querySelector("textarea").required = canOverride;
    dialog.querySelector("[data-other]").textContent = canOverride ? "" : (err.message || "");
    var form = dialog.querySelector("form");
    var reason = form.querySelector("textarea");
    reason.value = "";
    form.onsubmit = function (e) {
      if (e.submitter && e.submitter.value === "cancel") return;
      e.preventDefault();
      send(card, column, reason.value).then(function (again) {
        if (again.status === 200) {
          dialog.close();
          moveCard(card, column);
          location.reload();
        } else {
          dialog.querySelector("[data-other]").textContent = (again.body.error || {}).message || "";
        }
      });
    };
    dialog.showModal();
    reason.focus();
  }

  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest(".card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.id);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    board.querySelectorAll(".drop").forEach(function (c) { c.classList.remove("drop"); });
    dragged = null;
  });
  board.addEventListener("dragover", function (e) {
    var column = e.target.closest(".column");
    if (!column || !dragged) return;
    e.preventDefault();
    board.querySelectorAll(".drop").forEach(function (c) { if (c !== column) c.classList.remove("drop"); });
    column.classList.add("drop");
  });
  board.addEventListener("drop", function (e) {
    var column = e.target.closest(".column");
    if (!column || !dragged) return;
    e.preventDefault();
    column.classList.remove("drop");
    var card = dragged;
    if (card.closest(".column") === column) return;
    send(card, column).then(function (res) {
      if (res.status === 200) {
        moveCard(card, column);
        toast(board.dataset.movedTemplate.replace("{stage}", column.dataset.stageName));
        setTimeout(function () { location.reload(); }, 600);
      } else {
        refuse(card, column, res);
      }
    });
  });
})();
