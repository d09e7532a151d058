// Routes of docs/dashboard.md on cpp-httplib. Every handler runs inside handle(), which turns
// any exception into a JSON error with one line of text; no handler reads a path the request
// names (shipped data by id, uploads from memory, the page from the binary).
#include "server.hpp"

#include <httplib.h>

#include <malloc.h>
#include <atomic>
#include <charconv>
#include <chrono>
#include <list>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <unordered_map>

#include "annlab/core/error.hpp"
#include "annlab/data/csv.hpp"
#include "annlab/workflow/model.hpp"
#include "annlab/workflow/steps.hpp"
#include "assets.hpp"
#include "html_report.hpp"
#include "session.hpp"
#include "sources.hpp"

namespace annlab::web {
namespace {
using nlohmann::json;

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void send(httplib::Response& res, const json& j, int status = 200) {
  res.status = status;
  res.set_content(dump(j), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send(res, {{"error", one_line(message)}}, status);
}

// Runs a handler; every exception becomes a JSON error response.
template <class F>
void handle(httplib::Response& res, F&& f) {
  try {
    f();
  } catch (const HttpError& e) {
    send_error(res, e.status, e.message);
  } catch (const data::DataError& e) {
    send_error(res, 400, e.what());
  } catch (const json::exception& e) {
    send_error(res, 400, std::string("bad JSON value: ") + e.what());
  } catch (const std::invalid_argument& e) {  // UsageError, ArchitectureError
    send_error(res, 400, e.what());
  } catch (const std::exception& e) {
    send_error(res, 500, std::string("internal error: ") + e.what());
  }
}

json body_object(const httplib::Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  json j;
  try {
    j = json::parse(req.body);
  } catch (const json::parse_error& e) {
    throw HttpError{400, std::string("the request body is not valid JSON: ") + e.what()};
  }
  if (!j.is_object()) throw HttpError{400, "the request body must be a JSON object"};
  return j;
}

void check_keys(const json& j, std::initializer_list<const char*> keys, const std::string& where) {
  if (keys.size() == 0 && !j.empty())
    throw HttpError{400, "unknown key '" + j.begin().key() + "' in " + where +
                             ": this route takes no keys (send {} or no body)"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    std::string list;
    for (const char* k : keys) {
      known = known || it.key() == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!known)
      throw HttpError{400,
                      "unknown key '" + it.key() + "' in " + where + " (expected: " + list + ")"};
  }
}

long get_integer(const json& j, const char* key, long lo, long hi, const std::string& where) {
  const json& v = j.at(key);
  if (!v.is_number_integer())
    throw HttpError{400, where + "." + key + ": expected a whole number, found " + v.dump()};
  const long long x = v.get<long long>();
  if (x < lo || x > hi)
    throw HttpError{400, where + "." + key + ": " + std::to_string(x) + " is outside [" +
                             std::to_string(lo) + ", " + std::to_string(hi) + "]"};
  return static_cast<long>(x);
}

std::string get_string(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw HttpError{400, where + "." + key + " is required"};
  if (!j.at(key).is_string())
    throw HttpError{400, where + "." + key + ": expected a string, found " + j.at(key).dump()};
  return j.at(key).get<std::string>();
}

// An integer query parameter, or `fallback` when absent.
long query_integer(const httplib::Request& req, const char* key, long fallback, long lo, long hi) {
  if (!req.has_param(key)) return fallback;
  const std::string v = req.get_param_value(key);
  long x = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi)
    throw HttpError{400, std::string("query ") + key + "='" + v +
                             "': expected a whole number in [" + std::to_string(lo) + ", " +
                             std::to_string(hi) + "]"};
  return x;
}

// A file name for an upload: letters, digits, '.', '-', '_' and spaces, no path.
bool plain_file_name(const std::string& name) {
  if (name.empty() || name.size() > 100 || name[0] == '.') return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == ' ')) return false;
  return true;
}

std::string new_id() {
  static std::mutex m;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(m);
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 2; ++i) {
    std::uint64_t v = rng();
    for (int k = 0; k < 16; ++k, v >>= 4) id += hex[v & 15];
  }
  return id;
}

// "32 MB" for whole megabytes, else "1024 bytes".
std::string size_text(std::size_t bytes) {
  return bytes % (1 << 20) == 0 ? std::to_string(bytes >> 20) + " MB"
                                : std::to_string(bytes) + " bytes";
}

struct Upload {
  std::string id, name;
  std::shared_ptr<const data::Table> table;
};

// glibc keeps freed memory in its arenas (the training threads' own among them): hand it back
// to the system once a session or an upload is gone, or the server's RSS only ever grows.
void return_memory() {
  malloc_trim(0);
}

std::string no_session(const std::string& id, std::size_t max_sessions) {
  return "no session '" + id.substr(0, 64) +
         "' (it was deleted, dropped as the least recently used of " +
         std::to_string(max_sessions) +
         ", or the server restarted); create one with POST /api/sessions";
}

}  // namespace

constexpr std::size_t kWorkers = 64;
constexpr time_t kKeepAliveSeconds = 1, kReadTimeoutSeconds = 2;

std::filesystem::path default_data_dir() {
  return ANNLAB_DEFAULT_DATA_DIR;
}

struct Dashboard::Impl {
  ServerOptions options;
  httplib::Server server;
  std::mutex mutex;  // guards sessions, lru, uploads
  // Most recently used first; `sessions` maps an id to its place in the list.
  std::list<std::shared_ptr<Session>> lru;
  std::unordered_map<std::string, std::list<std::shared_ptr<Session>>::iterator> sessions;
  std::list<Upload> uploads;  // oldest first
  bool stopped = false;
  std::atomic<bool> listening{false};  // run() is inside listen_after_bind()

  std::shared_ptr<Session> find(const std::string& id) {
    std::lock_guard lock(mutex);
    const auto it = sessions.find(id);
    if (it == sessions.end()) throw HttpError{404, no_session(id, options.max_sessions)};
    lru.splice(lru.begin(), lru, it->second);
    return *it->second;
  }

  void add(std::shared_ptr<Session> s) {
    std::vector<std::shared_ptr<Session>> dropped;  // stopped outside the lock
    {
      std::lock_guard lock(mutex);
      lru.push_front(s);
      sessions[s->id()] = lru.begin();
      while (lru.size() > options.max_sessions) {
        dropped.push_back(lru.back());
        sessions.erase(lru.back()->id());
        lru.pop_back();
      }
    }
    for (auto& d : dropped) d->stop();
    if (!dropped.empty()) {
      dropped.clear();
      return_memory();
    }
  }

  // Looks up and unlinks a session under one lock (two DELETEs of one id: one gets it).
  std::shared_ptr<Session> remove(const std::string& id) {
    std::lock_guard lock(mutex);
    const auto it = sessions.find(id);
    if (it == sessions.end()) throw HttpError{404, no_session(id, options.max_sessions)};
    std::shared_ptr<Session> s = *it->second;
    lru.erase(it->second);
    sessions.erase(it);
    return s;
  }

  DataSource source_of(const json& data) {
    if (!data.is_object())
      throw HttpError{400, "data must be an object such as {\"source\": \"chapter\"}"};
    const std::string source = get_string(data, "source", "data");
    if (source == "chapter") {
      check_keys(data, {"source"}, "data");
      return chapter_source();
    }
    if (source == "generated") {
      check_keys(data, {"source", "name", "size", "noise", "seed"}, "data");
      const long size = data.contains("size") ? get_integer(data, "size", 4, 20000, "data") : 200;
      double noise = 0.1;
      if (data.contains("noise")) {
        if (!data["noise"].is_number()) throw HttpError{400, "data.noise: expected a number"};
        noise = data["noise"].get<double>();
      }
      const long seed =
          data.contains("seed") ? get_integer(data, "seed", 0, 4294967295L, "data") : 1;
      return generated_source(get_string(data, "name", "data"), size, noise,
                              static_cast<std::uint32_t>(seed));
    }
    if (source == "shipped") {
      check_keys(data, {"source", "name"}, "data");
      return shipped_source(options.data_dir, get_string(data, "name", "data"));
    }
    if (source == "upload") {
      check_keys(data, {"source", "id"}, "data");
      const std::string id = get_string(data, "id", "data");
      std::lock_guard lock(mutex);
      for (const Upload& u : uploads)
        if (u.id == id) return {u.name, *u.table, json::object()};
      throw HttpError{404, "no upload '" + id.substr(0, 64) + "'; upload the CSV again"};
    }
    throw HttpError{
        400, "data.source '" + source + "' is not one of chapter, generated, shipped, upload"};
  }

  void routes();
};

Dashboard::Dashboard(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->routes();
}

Dashboard::~Dashboard() {
  stop();
}

int Dashboard::bind() {
  const int port = impl_->options.port == 0
                       ? impl_->server.bind_to_any_port(impl_->options.host)
                       : (impl_->server.bind_to_port(impl_->options.host, impl_->options.port)
                              ? impl_->options.port
                              : -1);
  if (port < 0)
    throw std::runtime_error("cannot listen on " + impl_->options.host + ":" +
                             std::to_string(impl_->options.port) +
                             " (in use? pick another with --port, or --port 0 for any free one)");
  return port;
}

bool Dashboard::run() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return true;
    impl_->listening = true;
  }
  const bool ok = impl_->server.listen_after_bind();
  impl_->listening = false;
  return ok;
}

void Dashboard::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopped = true;
  }
  // httplib's stop() does nothing until listen_after_bind() has started: repeat it until
  // run() has returned (a stop() racing a run() that is just starting).
  while (impl_->listening) {
    impl_->server.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::list<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(impl_->mutex);
    all.swap(impl_->lru);
    impl_->sessions.clear();
  }
  for (auto& s : all) s->stop();
}

void Dashboard::Impl::routes() {
  using httplib::Request;
  using httplib::Response;
  server.set_payload_max_length(options.max_upload_bytes);
  // SO_REUSEADDR only: httplib's default SO_REUSEPORT lets a second server bind a port that
  // is in use, and the two then share its connections.
  server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // No compression: Debian's cpp-httplib answers "Accept-Encoding: br" with brotli at its
  // highest quality (about 0.4 MB/s, seconds for a large /series), and loopback needs none.
  // The request object is httplib's own non-const local, handed to handlers as const.
  //
  // No route reads form fields, so a body sent as application/x-www-form-urlencoded (curl
  // --data-binary's default) is read as the bytes it is: cpp-httplib otherwise refuses such a
  // body over 8 KB with a 413 (CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH, compiled into
  // Debian's library, so defining the macro here would not change it). The handler runs before
  // the body is read.
  server.set_pre_routing_handler([](const Request& req, Response&) {
    auto& headers = const_cast<Request&>(req).headers;
    headers.erase("Accept-Encoding");
    const auto type = headers.find("Content-Type");
    if (type != headers.end() && type->second.rfind("application/x-www-form-urlencoded", 0) == 0)
      type->second = "application/octet-stream";
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Idle keep-alive connections each hold a worker: many workers, and short waits for the
  // next request on a connection (the page polls about 5 times a second).
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  server.set_keep_alive_timeout(kKeepAliveSeconds);
  server.set_read_timeout(kReadTimeoutSeconds, 0);
  server.set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      send_error(res, 500, std::string("internal error: ") + e.what());
    } catch (...) {
      send_error(res, 500, "internal error");
    }
  });
  // Statuses set by httplib itself (unknown route, body too large) get a JSON body too.
  server.set_error_handler([this](const Request& req, Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404)
      send_error(res, 404,
                 "no route " + req.method + " " + req.path.substr(0, 200) +
                     " (docs/dashboard.md lists the routes)");
    else if (res.status == 413)
      send_error(res, 413,
                 "the request body" +
                     (req.has_header("Content-Length")
                          ? " (" + req.get_header_value("Content-Length") + " bytes)"
                          : std::string()) +
                     " is larger than the server's limit of " +
                     size_text(options.max_upload_bytes) + " (annlab serve --max-upload-mb)");
    else if (res.status == 414)
      send_error(res, 414,
                 "the request's URL is longer than the server's limit of 8192 bytes; send "
                 "large data in the request body");
    else if (res.status == 400)  // httplib could not read the request line or headers
      send_error(res, 400,
                 "the request could not be read: a malformed request line or header, or a "
                 "header line longer than the server's limit of 8192 bytes");
    else
      send_error(res, res.status, "request failed with status " + std::to_string(res.status));
  });

  // ---- the page ---------------------------------------------------------------------------
  const auto page = [](const Request& req, Response& res) {
    const Asset* a = find_asset(req.path);
    if (!a) return send_error(res, 404, "no page asset " + req.path.substr(0, 200));
    res.set_header("Cache-Control", "no-cache");
    res.set_content(std::string(a->bytes), std::string(a->mime).c_str());
  };
  server.Get("/", page);
  server.Get("/index.html", page);
  server.Get(R"(/assets/[^/]+)", page);

  // ---- catalog and uploads ------------------------------------------------------------------
  server.Get("/api/version", [](const Request&, Response& res) {
    send(res, {{"annlab", ANNLAB_VERSION}});
  });
  server.Get("/api/datasets", [this](const Request&, Response& res) {
    handle(res, [&] {
      json j = catalog(options.data_dir);
      json ups = json::array();
      {
        std::lock_guard lock(mutex);
        for (const Upload& u : uploads)
          ups.push_back({{"id", u.id},
                         {"name", u.name},
                         {"rows", u.table->rows.size()},
                         {"data", {{"source", "upload"}, {"id", u.id}}}});
      }
      j["uploads"] = ups;
      j["max_upload_bytes"] = options.max_upload_bytes;
      send(res, j);
    });
  });
  server.Post("/api/uploads", [this](const Request& req, Response& res) {
    handle(res, [&] {
      const std::string name = req.has_param("name") ? req.get_param_value("name") : "upload.csv";
      if (!plain_file_name(name))
        throw HttpError{400,
                        "upload name '" + name.substr(0, 100) +
                            "' must be a plain file name (letters, digits, . - _), not a path"};
      if (req.body.size() > options.max_upload_bytes)
        throw HttpError{413, "the upload is larger than " + size_text(options.max_upload_bytes) +
                                 " (annlab serve --max-upload-mb)"};
      data::CsvOptions csv;
      csv.max_bytes = options.max_upload_bytes;
      auto table = std::make_shared<const data::Table>(data::parse_csv(req.body, name, csv));
      if (table->rows.empty()) throw HttpError{400, name + ": the CSV has a header but no rows"};
      Upload u{new_id(), name, table};
      json columns = json::array();
      for (const workflow::ColumnSummary& c : workflow::summarize_columns(*table))
        columns.push_back(
            {{"name", c.name},
             {"kind", c.kind == data::ColumnKind::numeric ? "numeric" : "categorical"},
             {"missing", c.missing}});
      std::list<Upload> dropped;
      {
        std::lock_guard lock(mutex);
        uploads.push_back(u);
        while (uploads.size() > options.max_uploads)
          dropped.splice(dropped.end(), uploads, uploads.begin());
      }
      if (!dropped.empty()) {
        dropped.clear();
        table.reset();
        return_memory();
      }
      send(res,
           {{"id", u.id}, {"name", name}, {"rows", u.table->rows.size()}, {"columns", columns}});
    });
  });

  // ---- sessions -------------------------------------------------------------------------------
  server.Post("/api/sessions", [this](const Request& req, Response& res) {
    handle(res, [&] {
      const json body = body_object(req);
      check_keys(body, {"data", "config", "max_epochs", "probe_row"}, "request");
      if (!body.contains("data"))
        throw HttpError{400, "request.data is required, e.g. {\"source\": \"chapter\"}"};
      const json config = body.contains("config") ? body["config"] : json::object();
      if (!config.is_object())
        throw HttpError{400, "request.config must be an object of run options"};
      const long max_epochs = body.contains("max_epochs")
                                  ? get_integer(body, "max_epochs", 1, kMaxEpochs, "request")
                                  : 0;
      const long probe = body.contains("probe_row")
                             ? get_integer(body, "probe_row", 0, 1'000'000'000, "request")
                             : 0;
      auto s = std::make_shared<Session>(new_id(), source_of(body["data"]), config,
                                         static_cast<int>(max_epochs), probe);
      {
        std::lock_guard lock(mutex);
        if (stopped) throw HttpError{503, "the server is shutting down"};
      }
      add(s);
      send(res, s->describe(), 201);
    });
  });
  const std::string sid = R"(/api/sessions/([^/]+))";
  server.Get(sid, [this](const Request& req, Response& res) {
    handle(res, [&] { send(res, find(req.matches[1])->describe()); });
  });
  server.Delete(sid, [this](const Request& req, Response& res) {
    handle(res, [&] {
      std::shared_ptr<Session> s = remove(req.matches[1]);
      s->stop();
      s.reset();  // freed here unless a request in flight still holds it
      return_memory();
      res.status = 204;
    });
  });
  server.Post(sid + "/train", [this](const Request& req, Response& res) {
    handle(res, [&] {
      const json body = body_object(req);
      check_keys(body, {"epochs"}, "request");
      std::optional<int> epochs;
      if (body.contains("epochs"))
        epochs = static_cast<int>(get_integer(body, "epochs", 1, kMaxEpochs, "request"));
      auto s = find(req.matches[1]);
      s->train(epochs);
      send(res, s->describe(/*with_network=*/false));
    });
  });
  // pause and reset: no keys; the session without its network once done.
  for (const auto& [name, action] :
       {std::pair{"/pause", &Session::pause}, std::pair{"/reset", &Session::reset}})
    server.Post(sid + name, [this, action](const Request& req, Response& res) {
      handle(res, [&] {
        check_keys(body_object(req), {}, "request");
        auto s = find(req.matches[1]);
        ((*s).*action)();
        send(res, s->describe(/*with_network=*/false));
      });
    });
  server.Get(sid + "/history", [this](const Request& req, Response& res) {
    handle(res, [&] {
      const long since = query_integer(req, "since", -1, -1, 1'000'000'000);
      const long max_records = query_integer(req, "max_records", 0, 1, 1'000'000'000);
      send(res, find(req.matches[1])->history(static_cast<int>(since), max_records));
    });
  });
  server.Get(sid + "/series", [this](const Request& req, Response& res) {
    handle(res, [&] {
      const long since = query_integer(req, "since", -1, -1, 1'000'000'000);
      const long max_epochs = query_integer(req, "max_epochs", 0, 1, 1'000'000'000);
      // Unasked, at most 160 parameters (the page's own limit): all of a large network's
      // parameters over 2,000 epochs would be hundreds of MB.
      const long max_params = query_integer(req, "max_params", 160, 1, 1'000'000'000);
      send(res, find(req.matches[1])->series(static_cast<int>(since), max_epochs, max_params));
    });
  });
  server.Get(sid + "/state", [this](const Request& req, Response& res) {
    handle(res, [&] {
      const long epoch = query_integer(req, "epoch", -1, 0, 1'000'000'000);
      send(res, find(req.matches[1])->state(static_cast<int>(epoch)));
    });
  });
  server.Post(sid + "/verify", [this](const Request& req, Response& res) {
    handle(res, [&] {
      const json body = body_object(req);
      check_keys(body, {"epoch", "name"}, "request");
      const long epoch =
          body.contains("epoch") ? get_integer(body, "epoch", 0, 1'000'000'000, "request") : -1;
      const std::string name = get_string(body, "name", "request");
      send(res, find(req.matches[1])->verify(static_cast<int>(epoch), name));
    });
  });
  server.Get(sid + "/surface", [this](const Request& req, Response& res) {
    handle(res, [&] {
      const long epoch = query_integer(req, "epoch", -1, 0, 1'000'000'000);
      const long size = query_integer(req, "size", 60, 2, 200);
      send(res, find(req.matches[1])->surface(static_cast<int>(epoch), static_cast<int>(size)));
    });
  });
  server.Get(sid + "/fit", [this](const Request& req, Response& res) {
    handle(res, [&] {
      const long epoch = query_integer(req, "epoch", -1, 0, 1'000'000'000);
      send(res, find(req.matches[1])->fit_view(static_cast<int>(epoch)));
    });
  });

  // ---- exports ------------------------------------------------------------------------------
  const auto attach = [](Response& res, const std::string& text, const char* mime,
                         const char* file) {
    res.set_header("Content-Disposition", std::string("attachment; filename=\"") + file + "\"");
    res.set_content(text, mime);
  };
  server.Get(sid + "/export/model", [this, attach](const Request& req, Response& res) {
    handle(res, [&] {
      attach(res, find(req.matches[1])->model_document() + "\n", "application/json",
             "annlab-model.json");
    });
  });
  server.Get(sid + "/export/history.json", [this, attach](const Request& req, Response& res) {
    handle(res, [&] {
      attach(res, find(req.matches[1])->history_document() + "\n", "application/json",
             "annlab-history.json");
    });
  });
  server.Get(sid + "/export/history.csv", [this, attach](const Request& req, Response& res) {
    handle(res, [&] {
      attach(res, find(req.matches[1])->history_csv(), "text/csv", "annlab-history.csv");
    });
  });
  server.Get(sid + "/export/run.json", [this, attach](const Request& req, Response& res) {
    handle(res, [&] {
      attach(res, dump(find(req.matches[1])->run_document()) + "\n", "application/json",
             "annlab-run.json");
    });
  });
  server.Get(sid + "/export/report.html", [this, attach](const Request& req, Response& res) {
    handle(res, [&] {
      attach(res, report_html(dump(find(req.matches[1])->run_document()), "run"),
             "text/html; charset=utf-8", "annlab-report.html");
    });
  });
}

}  // namespace annlab::web
