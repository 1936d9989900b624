// The national overview page (services/national/api/page.py): reads /national/picture with the national
// coordinator's token from sessionStorage and draws it with Plotly.js. No data is in the page itself.
"use strict";

(function () {
  const TOKEN_KEY = "peer.national.token";
  const app = document.getElementById("app");
  const minCount = Number(app.dataset.minCount);
  const regionNames = JSON.parse(app.dataset.regions);
  const SUPPRESSED = "skjult (< " + minCount + ")";
  const MONTHS = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];
  const FIELDS = {from: "Fra måned", to: "Til måned", region: "Regioner", measure: "Mål"};
  const $ = (id) => document.getElementById(id);
  let knownRegions = null; // every region of the unfiltered picture, for the filter's check boxes
  let generation = 0; // the latest refresh: an earlier one's late answer is not drawn over it

  function setState(state) { document.body.dataset.state = state; }
  function token() { return sessionStorage.getItem(TOKEN_KEY); }
  function regionName(region) {
    if (regionNames[region]) return regionNames[region];
    if (region.startsWith("kommune-")) return "Kommune " + region.slice(8);
    return region;
  }
  function monthName(period) {
    const [year, month] = period.split("-");
    return MONTHS[Number(month) - 1] + " " + year;
  }
  function shown(count) { return count.suppressed ? SUPPRESSED : String(count.value); }

  // -- the problem document, in Danish ---------------------------------------------------------------------
  function problemText(status, problem) {
    if (status === 401) {
      return "Adgangsnøglen mangler, er udløbet eller er ikke gyldig. Log ind med en gyldig nøgle.";
    }
    if (status === 403) {
      return "Adgang nægtet: overblikket er kun for nationale koordinatorer med en adgangsnøgle fra den " +
        "nationale instans.";
    }
    if (status === 422) {
      const fields = (problem && problem.errors || []).map((e) => FIELDS[e.field] || e.field);
      return "Ugyldigt filter" + (fields.length ? ": " + fields.join(", ") : "") +
        ". Tjek felterne og prøv igen.";
    }
    if (status === 503) return "Tjenesten er midlertidigt utilgængelig. Prøv igen om lidt.";
    return "Overblikket kunne ikke hentes (fejl " + status + ").";
  }

  function showProblem(status, problem) {
    const box = $("problem");
    box.replaceChildren();
    const text = document.createElement("p");
    text.textContent = problemText(status, problem);
    box.append(text);
    const details = [];
    if (problem && problem.errors) {
      for (const e of problem.errors) details.push((FIELDS[e.field] || e.field) + " (" + e.field + "): " + e.reason);
    }
    if (problem && problem.correlation_id) details.push("Fejl-id: " + problem.correlation_id);
    if (details.length) {
      const small = document.createElement("p");
      small.className = "detail";
      small.textContent = details.join(" · ");
      box.append(small);
    }
    box.dataset.status = String(status);
    box.hidden = false;
  }

  function hideProblem() { $("problem").hidden = true; $("problem").replaceChildren(); }

  // -- fetching with the token -----------------------------------------------------------------------------
  async function authorisedFetch(url) {
    const response = await fetch(url, {headers: {"Authorization": "Bearer " + token()}, cache: "no-store",
                                       credentials: "omit"});
    if (!response.ok) {
      let problem = null;
      try { problem = await response.json(); } catch (e) { problem = null; }
      const error = new Error("HTTP " + response.status);
      error.status = response.status;
      error.problem = problem;
      throw error;
    }
    return response;
  }

  function query(all) {
    const params = new URLSearchParams();
    if (all) return params; // every measure, every region and month
    const checked = Array.from(document.querySelectorAll("#regions input:checked")).map((i) => i.value);
    if (knownRegions && checked.length && checked.length < knownRegions.length) params.set("region", checked.join(","));
    if ($("from").value) params.set("from", $("from").value);
    if ($("to").value) params.set("to", $("to").value);
    params.set("measure", $("measure").value);
    return params;
  }

  function csvQuery() {
    const params = query(false);
    params.delete("measure"); // the export holds every measure, in the chosen regions and months
    return params;
  }

  // -- drawing ----------------------------------------------------------------------------------------------
  function clearData() {
    for (const id of ["chart-regions", "chart-total"]) {
      if (window.Plotly) window.Plotly.purge($(id));
      $(id).replaceChildren();
    }
    $("picture-table").tHead.replaceChildren();
    $("picture-table").tBodies[0].replaceChildren();
    $("measure-title").textContent = "";
    $("status").textContent = "";
  }

  function fillRegions(regions) {
    const box = $("regions");
    box.querySelectorAll("label").forEach((l) => l.remove());
    for (const region of regions) {
      const label = document.createElement("label");
      label.className = "check";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.value = region;
      input.checked = true;
      input.addEventListener("change", refresh);
      label.append(input, " " + regionName(region));
      box.append(label);
    }
    if (!regions.length) {
      const none = document.createElement("label");
      none.textContent = "Ingen regioner har delt tal endnu.";
      box.append(none);
    }
  }

  const LAYOUT = {barmode: "group", margin: {l: 50, r: 20, t: 10, b: 60}, height: 340,
                  font: {family: "system-ui, sans-serif"}, legend: {orientation: "h", y: -0.2},
                  xaxis: {type: "category"}, yaxis: {rangemode: "tozero", title: {text: "Antal"}}};
  const CONFIG = {displayModeBar: false, responsive: true, locale: "da"};

  function suppressedTrace(xs, texts) {
    return {type: "scatter", mode: "markers", name: SUPPRESSED, x: xs, y: xs.map(() => 0), text: texts,
            hoverinfo: "text", marker: {symbol: "x-thin-open", size: 12, color: "#b00020", line: {width: 2}}};
  }

  function drawCharts(picture) {
    const months = picture.periods.map(monthName);
    const traces = [];
    const hiddenX = [], hiddenText = [];
    for (const region of picture.regions) {
      const cells = picture.cells.filter((c) => c.region === region);
      traces.push({type: "bar", name: regionName(region), x: cells.map((c) => monthName(c.period)),
                   y: cells.map((c) => c.value), hovertemplate: "%{x}: %{y}<extra>" + regionName(region) + "</extra>"});
      for (const c of cells.filter((c) => c.suppressed)) {
        hiddenX.push(monthName(c.period));
        hiddenText.push(regionName(region) + ", " + monthName(c.period) + ": " + SUPPRESSED);
      }
    }
    if (hiddenX.length) traces.push(suppressedTrace(hiddenX, hiddenText));
    const regionsLayout = Object.assign({}, LAYOUT, {xaxis: {type: "category", categoryorder: "array",
                                                            categoryarray: months}});
    const totals = picture.period_totals;
    const totalTraces = [{type: "scatter", mode: "lines+markers", name: "I alt", x: totals.map((t) => monthName(t.period)),
                          y: totals.map((t) => t.value), connectgaps: false}];
    const hiddenTotals = totals.filter((t) => t.suppressed);
    if (hiddenTotals.length) {
      totalTraces.push(suppressedTrace(hiddenTotals.map((t) => monthName(t.period)),
                                       hiddenTotals.map((t) => "I alt, " + monthName(t.period) + ": " + SUPPRESSED)));
    }
    return Promise.all([
      window.Plotly.react($("chart-regions"), traces, regionsLayout, CONFIG),
      window.Plotly.react($("chart-total"), totalTraces, regionsLayout, CONFIG)]);
  }

  function cell(tag, text, count) {
    const el = document.createElement(tag);
    el.textContent = text;
    if (count) {
      el.className = count.suppressed ? "num suppressed" : "num";
      el.dataset.suppressed = String(count.suppressed);
      if (count.suppressed) el.title = "Skjult: færre end " + minCount + ", eller skjult med for at beskytte et andet tal";
    }
    return el;
  }

  function drawTable(picture) {
    const head = document.createElement("tr");
    head.append(cell("th", "Region / kommune"));
    for (const p of picture.periods) head.append(cell("th", monthName(p)));
    head.append(cell("th", "I alt (alle måneder)"));
    $("picture-table").tHead.replaceChildren(head);
    const body = $("picture-table").tBodies[0];
    body.replaceChildren();
    for (const region of picture.regions) {
      const row = document.createElement("tr");
      row.dataset.region = region;
      row.append(cell("th", regionName(region)));
      for (const p of picture.periods) {
        const c = picture.cells.find((x) => x.region === region && x.period === p);
        const td = cell("td", shown(c), c);
        td.dataset.period = p;
        row.append(td);
      }
      const total = picture.region_totals.find((t) => t.region === region);
      row.append(cell("td", shown(total), total));
      body.append(row);
    }
    const totals = document.createElement("tr");
    totals.className = "totals";
    totals.dataset.region = "total";
    totals.append(cell("th", "I alt (alle regioner)"));
    for (const t of picture.period_totals) totals.append(cell("td", shown(t), t));
    totals.append(cell("td", shown(picture.total), picture.total));
    body.append(totals);
  }

  // -- the flow ---------------------------------------------------------------------------------------------
  async function refresh(event) {
    if (event && event.preventDefault) event.preventDefault();
    if (!token()) return showLogin();
    const mine = ++generation;
    const stale = () => mine !== generation;
    hideProblem();
    setState("loading");
    $("status").textContent = "Henter tal …";
    $("csv-link").href = "/national/picture.csv?" + csvQuery().toString();
    try {
      if (knownRegions === null) {
        const all = await (await authorisedFetch("/national/picture?" + query(true).toString())).json();
        if (stale()) return;
        // every measure's regions: the filter offers each region that shared anything
        const seen = new Set();
        for (const m of all.measures) m.regions.forEach((r) => seen.add(r));
        knownRegions = Array.from(seen).sort();
        fillRegions(knownRegions);
      }
      if (!document.querySelector("#regions input:checked") && knownRegions.length) {
        clearData();
        $("status").textContent = "Vælg mindst én region eller kommune.";
        setState("ready");
        return;
      }
      const picture = (await (await authorisedFetch("/national/picture?" + query(false).toString())).json()).measures[0];
      if (stale()) return;
      $("login").hidden = true;
      $("overview").hidden = false;
      $("measure-title").textContent = $("measure").selectedOptions[0].textContent;
      drawTable(picture);
      await drawCharts(picture);
      $("status").textContent = picture.periods.length
        ? "Viser " + picture.regions.length + " region(er), " + monthName(picture.periods[0]) + " til " +
          monthName(picture.periods[picture.periods.length - 1]) + "."
        : "Ingen tal for dette mål i de valgte måneder.";
      setState("ready");
    } catch (error) {
      if (!stale()) failed(error);
    }
  }

  function failed(error) {
    clearData();
    if (!error.status) {
      showProblem(0, null);
      $("problem").firstChild.textContent = "Overblikket kunne ikke hentes: ingen forbindelse til serveren.";
      setState("problem");
      return;
    }
    showProblem(error.status, error.problem);
    if (error.status === 401 || error.status === 403) {
      sessionStorage.removeItem(TOKEN_KEY);
      knownRegions = null;
      $("overview").hidden = true;
      $("login").hidden = false;
    }
    setState("problem");
  }

  function showLogin() {
    clearData();
    knownRegions = null;
    $("overview").hidden = true;
    $("login").hidden = false;
    $("token").focus();
    setState("login");
  }

  async function downloadCsv(event) {
    event.preventDefault();
    hideProblem();
    try {
      const blob = await (await authorisedFetch($("csv-link").href)).blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = "national-picture.csv";
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      failed(error);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
      $("token").value = "";
      refresh();
    });
    $("filters").addEventListener("submit", refresh);
    for (const id of ["measure", "from", "to"]) $(id).addEventListener("change", refresh);
    $("reset").addEventListener("click", () => {
      $("from").value = "";
      $("to").value = "";
      document.querySelectorAll("#regions input").forEach((i) => { i.checked = true; });
      refresh();
    });
    $("csv-link").addEventListener("click", downloadCsv);
    $("logout").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); hideProblem(); showLogin(); });
    if (token()) refresh(); else showLogin();
  });
})();
