// report_html: index.html with app.css and app.js inlined and the run embedded.
#include "html_report.hpp"

#include <nlohmann/json.hpp>
#include <regex>

#include "assets.hpp"

namespace annlab::web {
namespace {

std::string asset_text(std::string_view name) {
  const Asset* a = find_asset(std::string("/assets/") + std::string(name));
  if (!a) throw std::runtime_error("the dashboard page was built without " + std::string(name));
  return std::string(a->bytes);
}

// Inside a <script> or <style> element the text must not close it early: every "</" of the
// embedded text is written "<\/" (the same string to JSON and to JavaScript; in CSS only the
// closing tag itself is escaped).
std::string escape_closing(std::string s, std::string_view what) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 1 < s.size() && s[i + 1] == '/' &&
        (what.empty() || s.compare(i + 2, what.size(), what) == 0)) {
      out += "<\\/";
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// JSON for a <script type="application/json"> element: every '<', '>' and '&' (only ever
// inside strings in JSON) as \u003c, \u003e, \u0026, so no text of the document ("</script>",
// "<!--", "<script") can end the element or switch the HTML parser into another state.
std::string escape_json_for_html(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

// Replaces the first match of `re` in `html` by `text` (taken literally: no $-expansion),
// or inserts `text` before `fallback` (or at the end) when nothing matches.
void splice(std::string& html, const std::regex& re, const std::string& text,
            const std::string& fallback) {
  std::smatch m;
  if (std::regex_search(html, m, re)) {
    html.replace(std::size_t(m.position(0)), std::size_t(m.length(0)), text);
    return;
  }
  const std::size_t at = html.find(fallback);
  html.insert(at == std::string::npos ? html.size() : at, text);
}

}  // namespace

std::string report_html(const std::string& run_text, const std::string& source) {
  nlohmann::json run;
  try {
    run = nlohmann::json::parse(run_text);
  } catch (const nlohmann::json::exception& e) {
    throw ReportError(source + ": not valid JSON (" + std::string(e.what()) +
                      "); expected an annlab.run document (export/run.json of the dashboard)");
  }
  if (!run.is_object() || !run.contains("format") || run["format"] != "annlab.run")
    throw ReportError(source +
                      ": not an annlab.run document (expected \"format\": \"annlab.run\"; save "
                      "one with the dashboard's export/run.json)");
  if (!run.contains("version") || !run["version"].is_number_integer() || run["version"] < 1 ||
      run["version"] > 1)
    throw ReportError(source + ": annlab.run version " +
                      (run.contains("version") ? run["version"].dump() : std::string("(missing)")) +
                      " is not one this annlab reads (version 1)");
  for (const char* key : {"session", "history", "series", "states"})
    if (!run.contains(key))
      throw ReportError(source + ": annlab.run document without \"" + key + "\"");

  std::string html = asset_text("index.html");
  const std::string doc =
      escape_json_for_html(run.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  const std::string css = escape_closing(asset_text("app.css"), "style");
  const std::string js = escape_closing(asset_text("app.js"), "script");
  splice(html, std::regex(R"re(<link[^>]*href="(\./)?assets/app\.css"[^>]*>)re"),
         "<style>" + css + "</style>", "</head>");
  splice(html, std::regex(R"re(<script[^>]*src="(\./)?assets/app\.js"[^>]*>\s*</script>)re"),
         "<script type=\"application/json\" id=\"annlab-run\">" + doc + "</script><script>" + js +
             "</script>",
         "</body>");
  return html;
}

}  // namespace annlab::web
