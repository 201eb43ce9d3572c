// The grant inspector's one script. Every view works without it; it adds a
// client-side row filter to the matrix, answers the why form in place (from
// why.json), and reloads the view when the database file sees a commit.
"use strict";

(function () {
  const base = document.body.dataset.base;

  // The matrix: filter rows by any text in them.
  const matrix = document.getElementById("matrix");
  if (matrix) {
    const label = document.createElement("label");
    label.htmlFor = "matrix-filter";
    label.textContent = "Show rows containing";
    const input = document.createElement("input");
    input.id = "matrix-filter";
    input.type = "search";
    const holder = document.createElement("p");
    holder.append(label, " ", input);
    matrix.closest(".table-scroll").before(holder);
    input.addEventListener("input", () => {
      const needle = input.value.trim().toLowerCase();
      for (const row of matrix.tBodies[0].rows) {
        const text = [row.dataset.user, row.dataset.app, row.dataset.plugin].join(" ").toLowerCase();
        row.classList.toggle("filtered-out", needle !== "" && !text.includes(needle));
      }
    });
  }

  // What the mini app would get, or which dialog comes first (why.rs's shown()).
  function shown(why) {
    if (why.result) return why.result.errMsg;
    if (why.verdict === "ask-privacy") return "would ask for the privacy agreement";
    if (why.verdict === "ask-user-and-privacy") {
      return "would ask for the privacy agreement and show the consent dialog";
    }
    return "would show the consent dialog";
  }

  // The why form: ask why.json and show the answer without leaving the page.
  const whyForm = document.getElementById("why-form");
  if (whyForm) {
    whyForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const params = new URLSearchParams(new FormData(whyForm));
      history.replaceState(null, "", base + "why?" + params);
      let section = document.getElementById("why");
      const response = await fetch(base + "why.json?" + params, { credentials: "same-origin" });
      const fresh = document.createElement("section");
      fresh.id = "why";
      if (!response.ok) {
        fresh.dataset.verdict = "";
        fresh.dataset.rule = "";
        const error = document.createElement("p");
        error.className = "error";
        error.textContent = await response.text();
        fresh.append(error);
      } else {
        const why = await response.json();
        fresh.dataset.verdict = why.verdict;
        fresh.dataset.rule = why.rule;
        const heading = document.createElement("h2");
        heading.textContent = "Answer now";
        const result = document.createElement("p");
        const output = document.createElement("output");
        output.id = "why-result";
        output.textContent = shown(why);
        result.append("The app would get: ", output);
        const because = document.createElement("p");
        because.id = "why-because";
        const rule = document.createElement("code");
        rule.id = "why-rule";
        rule.textContent = why.rule;
        because.append("Rule ", rule, ": " + why.because);
        const facts = document.createElement("dl");
        facts.id = "why-facts";
        for (const fact of why.facts) {
          const dt = document.createElement("dt");
          dt.textContent = fact.name;
          const dd = document.createElement("dd");
          dd.textContent = fact.value;
          facts.append(dt, dd);
        }
        fresh.append(heading, result, because, facts);
      }
      if (section) {
        section.replaceWith(fresh);
      } else {
        whyForm.after(fresh);
      }
    });
  }

  // Live refresh: reload the view when the file sees a commit after the one
  // the page was read at (a commit made while it was read counts too). A form
  // being posted ends it: its own commit must not reload the page under it.
  if (window.EventSource) {
    const since = encodeURIComponent(document.body.dataset.commits || "");
    const events = new EventSource(base + "events?since=" + since);
    events.addEventListener("commit", () => {
      events.close();
      location.reload();
    });
    document.addEventListener("submit", (event) => {
      if (event.target.method === "post") events.close();
    });
  }
})();
