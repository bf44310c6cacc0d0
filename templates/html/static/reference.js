// The API reference: the served OpenAPI document, drawn for people — one section per theme
// (tag), one entry per operation with its parameters, body and answers. Text only, built with
// DOM nodes (never innerHTML), so nothing of the document is run.
(function () {
  "use strict";
  var root = document.getElementById("api-reference");
  if (!root) return;
  var METHODS = ["get", "post", "put", "patch", "delete"];
  // Without tags in the document, an operation's theme is its path's first segment.
  var THEMES = {
    clauses: "Bibliothèque de clauses",
    families: "Bibliothèque de clauses",
    search: "Bibliothèque de clauses",
    "template-sets": "Annexes",
    annexes: "Annexes",
    analyses: "Analyses de CCTP",
    jobs: "Travaux en arrière-plan",
    organisations: "Organisations, contrats et livraisons",
    dashboard: "Organisations, contrats et livraisons",
    "openapi.json": "Description de l\u2019API",
  };

  // French spacing, as the server's pages have it: no line break before « : ; ! ? » ».
  function french(text) {
    return String(text)
      .replace(/ ([:;!?»])/g, "\u00a0$1")
      .replace(/« /g, "«\u00a0");
  }

  function el(name, className, text) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = french(text);
    return node;
  }

  function resolve(document_, schema) {
    var seen = 0;
    while (schema && schema.$ref && seen < 10) {
      var path = schema.$ref.replace(/^#\//, "").split("/");
      schema = path.reduce(function (node, key) { return node && node[key]; }, document_);
      seen += 1;
    }
    return schema || {};
  }

  function typeOf(document_, schema) {
    schema = schema || {};
    if (schema.$ref) return schema.$ref.split("/").pop();
    if (schema.anyOf) {
      return schema.anyOf.map(function (s) { return typeOf(document_, s); }).join(" ou ");
    }
    if (schema.type === "array") return "liste de " + typeOf(document_, schema.items);
    if (schema.enum) return schema.enum.join(" | ");
    return (schema.type || "valeur") + (schema.format ? " (" + schema.format + ")" : "");
  }

  function fields(document_, schema) {
    var list = el("dl", "api-reference__fields");
    var resolved = resolve(document_, schema);
    var required = resolved.required || [];
    Object.keys(resolved.properties || {}).forEach(function (name) {
      var property = resolved.properties[name];
      var term = el("dt");
      term.appendChild(el("code", null, name));
      term.appendChild(document.createTextNode(french(" — " + typeOf(document_, property)) +
        (required.indexOf(name) >= 0 ? ", obligatoire" : "")));
      list.appendChild(term);
      list.appendChild(el("dd", null, property.description || resolve(document_, property).description || ""));
    });
    return list;
  }

  function operation(document_, path, method, spec) {
    var item = el("article", "api-reference__operation");
    var title = el("h3");
    title.appendChild(el("span", "api-reference__method api-reference__method--" + method, method.toUpperCase()));
    title.appendChild(document.createTextNode(" "));
    title.appendChild(el("code", "api-reference__path", path));
    item.appendChild(title);
    if (spec.summary) item.appendChild(el("p", "api-reference__summary", spec.summary));
    var parameters = (spec.parameters || []).map(function (p) { return resolve(document_, p); });
    if (parameters.length) {
      item.appendChild(el("h4", null, "Paramètres"));
      var list = el("dl", "api-reference__fields");
      parameters.forEach(function (p) {
        var term = el("dt");
        term.appendChild(el("code", null, p.name));
        term.appendChild(document.createTextNode(" — " + (p.in === "path" ? "chemin" : "requête") +
          ", " + typeOf(document_, p.schema) + (p.required ? ", obligatoire" : "")));
        list.appendChild(term);
        list.appendChild(el("dd", null, p.description || ""));
      });
      item.appendChild(list);
    }
    var body = spec.requestBody && spec.requestBody.content;
    if (body) {
      Object.keys(body).forEach(function (type) {
        item.appendChild(el("h4", null, "Corps (" + type + ")"));
        item.appendChild(fields(document_, body[type].schema));
      });
    }
    var answers = el("ul", "api-reference__responses");
    Object.keys(spec.responses || {}).forEach(function (status) {
      var response = resolve(document_, spec.responses[status]);
      var types = Object.keys(response.content || {}).join(", ");
      answers.appendChild(el("li", null, status + " — " + (response.description || "") +
        (types ? " (" + types + ")" : "")));
    });
    item.appendChild(el("h4", null, "Réponses"));
    item.appendChild(answers);
    return item;
  }

  function draw(document_) {
    root.textContent = "";
    var themes = {};
    Object.keys(document_.paths || {}).forEach(function (path) {
      METHODS.forEach(function (method) {
        var spec = document_.paths[path][method];
        if (!spec) return;
        var tag = (spec.tags && spec.tags[0]) || THEMES[path.split("/")[1]] || "Autres";
        (themes[tag] = themes[tag] || []).push(operation(document_, path, method, spec));
      });
    });
    var info = document_.info || {};
    root.appendChild(el("p", "muted", (info.title || "API") + " — version " + (info.version || "?") +
      " ; adresse de base : /api"));
    Object.keys(themes).sort().forEach(function (tag, index) {
      var section = el("section", "api-reference__theme");
      var heading = el("h2", null, tag);
      heading.id = "theme-" + index;
      section.setAttribute("aria-labelledby", heading.id);
      section.appendChild(heading);
      themes[tag].forEach(function (node) { section.appendChild(node); });
      root.appendChild(section);
    });
  }

  fetch(root.dataset.document, { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    })
    .then(draw)
    .catch(function () {
      root.textContent = "";
      root.appendChild(el("p", "notice notice--error",
        "La description de l\u2019API n\u2019a pas pu être lue : ouvrez le lien ci-dessus."));
    });
})();
