// Loads `h2s run`'s TOML configuration with toml++, collecting every error with file:line.
#include "h2s/daemon/daemon_config.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <array>
#include <system_error>
#include <cstdlib>
#include <initializer_list>
#include <span>
#include <sstream>
#include <thread>

#include "h2s/feeds/file_source.hpp"

namespace h2s::daemon {

std::string_view to_string(FeedType type) noexcept {
  switch (type) {
    case FeedType::file: return "file";
    case FeedType::tcp_client: return "tcp_client";
    case FeedType::tcp_server: return "tcp_server";
    case FeedType::udp: return "udp";
    case FeedType::websocket: return "websocket";
  }
  return "?";
}

namespace {

enum class Protocol : std::uint8_t { tcp, udp };
enum class AddressKind : std::uint8_t { any, v4, multicast_v4 };

// A socket start-up will bind, with where the configuration asked for it.
struct Bind {
  std::string what;  // "feed wire", "[metrics]"
  std::string key;
  std::uint32_t line = 0;
  Protocol protocol = Protocol::tcp;
  std::string host;
  std::uint16_t port = 0;
};

class Reader {
 public:
  explicit Reader(std::filesystem::path file) : file_(std::move(file)), base_(file_.parent_path()) {}

  void error(const toml::node& at, const std::string& message) { error(at.source().begin.line, message); }
  void error(std::uint32_t line, const std::string& message) {
    errors_.push_back(file_.string() + ":" + std::to_string(line) + ": " + message);
  }
  // A secret absent from the environment: an error at start-up, a warning for --check-config.
  void secret_missing(std::uint32_t line, const std::string& message) {
    if (secrets_required_) return error(line, message);
    warnings_.push_back(file_.string() + ":" + std::to_string(line) + ": " + message + " (needed to run)");
  }
  void set_secrets_required(bool required) noexcept { secrets_required_ = required; }
  [[nodiscard]] std::vector<std::string> take_warnings() { return std::move(warnings_); }
  // Records a listener at `key` of `t` (when present) for the checks start-up would hit.
  void bind(const toml::table& t, std::string_view key, Protocol protocol, std::string what, std::string host_override = {}) {
    const toml::node* n = t.get(key);
    const auto* text = n != nullptr ? n->as_string() : nullptr;
    if (text == nullptr) return;
    const std::optional<Endpoint> e = parse_endpoint(text->get());
    if (!e) return;  // already an error
    binds_.push_back(Bind{std::move(what), std::string(key), n->source().begin.line, protocol,
                          host_override.empty() ? e->host : std::move(host_override), e->port});
  }
  [[nodiscard]] const std::vector<Bind>& binds() const noexcept { return binds_; }
  // The address at `key` (the whole string, or with `host` its already parsed host) must be an IP
  // address as start-up parses it (names are not resolved there).
  void address(const toml::table& t, std::string_view key, AddressKind kind, std::string_view host = {}) {
    const toml::node* n = t.get(key);
    const auto* text = n != nullptr ? n->as_string() : nullptr;
    if (text == nullptr) return;
    const std::string value(host.empty() ? std::string_view(text->get()) : host);
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(value, ec);
    if (ec || (kind != AddressKind::any && !a.is_v4())) {
      error(*n, "'" + std::string(key) + "' must be an IPv4 address, not '" + value + "'");
    } else if (kind == AddressKind::multicast_v4 && !a.is_multicast()) {
      error(*n, "'" + std::string(key) + "' must be a multicast group (224.0.0.0/4), not '" + value + "'");
    }
  }
  [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }
  [[nodiscard]] bool failed() const noexcept { return !errors_.empty(); }
  [[nodiscard]] std::string report() const {
    std::ostringstream out;
    for (std::size_t i = 0; i < errors_.size(); ++i) out << (i ? "\n" : "") << errors_[i];
    for (const std::string& warning : warnings_) out << "\nwarning: " << warning;  // said with the errors too
    return out.str();
  }

  // A table whose keys must all be in `allowed`; nullptr (and an error) if the node is not a table.
  // `also`: keys allowed besides (those every table of its kind takes).
  const toml::table* table(const toml::node& node, std::string_view what, std::initializer_list<std::string_view> allowed,
                           std::span<const std::string_view> also = {}) {
    const toml::table* t = node.as_table();
    if (t == nullptr) {
      error(node, std::string("[").append(what).append("] must be a table"));  // not "[" + string: GCC 12 -Wrestrict false positive
      return nullptr;
    }
    for (auto&& [key, value] : *t) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      if (std::find(also.begin(), also.end(), key.str()) != also.end()) continue;
      std::string list;
      for (const auto a : also) list += (list.empty() ? "" : ", ") + std::string(a);
      for (const auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      error(key.source().begin.line, "unknown key '" + std::string(key.str()) + "' in [" + std::string(what) +
                                         "] (allowed: " + list + ")");
    }
    return t;
  }

  void string(const toml::table& t, std::string_view key, std::string& out) {
    if (const toml::node* n = t.get(key)) {
      if (const auto* s = n->as_string()) out = s->get();
      else error(*n, "'" + std::string(key) + "' must be a string");
    }
  }
  void path(const toml::table& t, std::string_view key, std::filesystem::path& out) {
    std::string text;
    string(t, key, text);
    if (!text.empty()) out = std::filesystem::path(text).is_absolute() ? std::filesystem::path(text) : base_ / text;
  }
  void boolean(const toml::table& t, std::string_view key, bool& out) {
    if (const toml::node* n = t.get(key)) {
      if (const auto* b = n->as_boolean()) out = b->get();
      else error(*n, "'" + std::string(key) + "' must be true or false");
    }
  }
  template <class Int>
  void integer(const toml::table& t, std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    if (const toml::node* n = t.get(key)) {
      const auto* i = n->as_integer();
      if (i == nullptr || i->get() < min || i->get() > max) {
        // Built with append: GCC 12 warns falsely (-Wrestrict) on chains of string operator+.
        std::string message = "'";
        message.append(key).append("' must be an integer in [").append(std::to_string(min));
        message.append(", ").append(std::to_string(max)).append("]");
        error(*n, message);
      } else {
        out = static_cast<Int>(i->get());
      }
    }
  }
  void millis(const toml::table& t, std::string_view key, std::chrono::milliseconds& out, std::int64_t max) {
    std::int64_t ms = out.count();
    integer(t, key, ms, 0, max);
    out = std::chrono::milliseconds(ms);
  }
  std::optional<Endpoint> endpoint(const toml::table& t, std::string_view key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    std::string text;
    string(t, key, text);
    std::optional<Endpoint> e = parse_endpoint(text);
    if (!e && n->is_string()) error(*n, "'" + std::string(key) + "' must be \"HOST:PORT\", not '" + text + "'");
    return e;
  }  // The same, stored into host and port when valid; false when the key is absent.
  bool endpoint(const toml::table& t, std::string_view key, std::string& host, std::uint16_t& port) {
    if (const std::optional<Endpoint> e = endpoint(t, key)) {
      host = e->host;
      port = e->port;
    }
    return t.get(key) != nullptr;
  }


 private:
  std::filesystem::path file_;
  std::filesystem::path base_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
  std::vector<Bind> binds_;
  bool secrets_required_ = true;
};

// A double as text that parses back to the same value (std::to_string keeps 6 decimals only).
std::string exact_text(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

std::optional<FeedType> parse_feed_type(std::string_view text) {
  if (text == "file") return FeedType::file;
  if (text == "tcp_client") return FeedType::tcp_client;
  if (text == "tcp_server") return FeedType::tcp_server;
  if (text == "udp") return FeedType::udp;
  if (text == "websocket") return FeedType::websocket;
  return std::nullopt;
}

// A credential named by `key` (an environment variable, default `fallback`): never from the file.
std::string credential(Reader& r, const toml::table& t, std::string_view key, const char* fallback, const FeedConfig& feed) {
  std::string variable = fallback;
  r.string(t, key, variable);
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr || *value == '\0') {
    std::string message = "feed '";
    message.append(feed.name).append("': the environment variable ").append(variable).append(" (").append(key);
    message.append(") is not set");
    r.secret_missing(t.get(key) != nullptr ? t.get(key)->source().begin.line : t.source().begin.line, message);
    return {};
  }
  return value;
}

// Keys every [[feed]] takes, whatever its type.
constexpr std::array<std::string_view, 6> kFeedKeys = {"name", "type", "max_message_bytes", "record", "required", "stale_after_ms"};

void load_websocket_feed(Reader& r, const toml::table& t, FeedConfig& feed) {
  (void)r.table(t, "feed", {"preset", "url", "key_env", "secret_env", "token_env", "symbols", "ca_file", "connect_timeout_ms", "idle_timeout_ms",
                            "reconnect_initial_ms", "reconnect_max_ms"}, kFeedKeys);
  const std::uint32_t line = t.source().begin.line;
  feeds::WebSocketOptions& ws = feed.websocket;
  std::string preset;
  r.string(t, "preset", preset);
  if (const auto parsed = feeds::parse_websocket_preset(preset)) {
    ws.preset = *parsed;
  } else {
    r.error(line, "feed '" + feed.name + "': preset must be alpaca or benzinga, not '" + preset + "'");
    return;
  }
  ws.url = std::string(feeds::default_websocket_url(ws.preset));
  r.string(t, "url", ws.url);
  if (!feeds::parse_websocket_url(ws.url)) {
    r.error(t.get("url") != nullptr ? t.get("url")->source().begin.line : line,
            "feed '" + feed.name + "': url must be wss://HOST[:PORT]/PATH, not '" + ws.url + "'");
  }
  for (const std::string_view key : {"key_env", "secret_env", "symbols", "token_env"}) {
    const bool alpaca_key = key != "token_env";
    if (t.get(key) != nullptr && alpaca_key != (ws.preset == feeds::WebSocketPreset::alpaca)) {
      r.error(*t.get(key), "feed '" + feed.name + "': '" + std::string(key) + "' does not apply to the " +
                               std::string(feeds::to_string(ws.preset)) + " preset");
    }
  }
  if (ws.preset == feeds::WebSocketPreset::alpaca) {
    ws.key = credential(r, t, "key_env", "APCA_API_KEY_ID", feed);
    ws.secret = credential(r, t, "secret_env", "APCA_API_SECRET_KEY", feed);
    if (const toml::node* n = t.get("symbols")) {
      ws.symbols.clear();
      const toml::array* symbols = n->as_array();
      if (symbols != nullptr) {
        for (const toml::node& symbol : *symbols) {
          if (const auto* text = symbol.as_string()) ws.symbols.push_back(text->get());
        }
      }
      if (symbols == nullptr || ws.symbols.empty() || ws.symbols.size() != symbols->size()) {
        r.error(*n, "symbols must be a non-empty array of strings (\"*\": every symbol)");
      }
    }
  } else {
    ws.token = credential(r, t, "token_env", "BENZINGA_API_KEY", feed);
  }
  r.path(t, "ca_file", ws.ca_file);
  std::error_code not_found;
  if (!ws.ca_file.empty() && !std::filesystem::is_regular_file(ws.ca_file, not_found)) {
    r.error(*t.get("ca_file"), "feed '" + feed.name + "': ca_file " + ws.ca_file.string() + " is not a file");
  }
  r.millis(t, "connect_timeout_ms", ws.connect_timeout, 600'000);
  r.millis(t, "idle_timeout_ms", ws.idle_timeout, 3'600'000);
  r.millis(t, "reconnect_initial_ms", ws.reconnect_initial, 3'600'000);
  r.millis(t, "reconnect_max_ms", ws.reconnect_max, 3'600'000);
  if (ws.connect_timeout.count() < 10 || ws.idle_timeout.count() < 10) {
    r.error(line, "feed '" + feed.name + "': connect_timeout_ms and idle_timeout_ms must be at least 10");
  }
  if (ws.reconnect_initial.count() < 1 || ws.reconnect_max < ws.reconnect_initial) {
    r.error(line, "feed '" + feed.name + "': need 1 <= reconnect_initial_ms <= reconnect_max_ms");
  }
  ws.max_message_bytes = feed.max_message_bytes;
}

void load_feed(Reader& r, const toml::table& t, DaemonConfig& config) {
  FeedConfig feed;
  r.string(t, "name", feed.name);
  std::string type;
  r.string(t, "type", type);
  const std::uint32_t line = t.source().begin.line;
  if (feed.name.empty()) r.error(line, "[[feed]] needs a name");
  for (const FeedConfig& other : config.feeds) {
    if (!feed.name.empty() && other.name == feed.name) r.error(line, "feed name '" + feed.name + "' is used twice");
  }
  const std::optional<FeedType> parsed = parse_feed_type(type);
  if (!parsed) {
    r.error(line, "feed '" + feed.name + "': type must be file, tcp_client, tcp_server, udp or websocket, not '" + type + "'");
    return;
  }
  feed.type = *parsed;
  r.integer(t, "max_message_bytes", feed.max_message_bytes, 256, 64 << 20);
  r.path(t, "record", feed.record);
  r.boolean(t, "required", feed.required);
  r.millis(t, "stale_after_ms", feed.stale_after, 86'400'000);
  switch (feed.type) {
    case FeedType::file:
      (void)r.table(t, "feed", {"path"}, kFeedKeys);
      r.path(t, "path", feed.path);
      if (feed.path.empty()) r.error(line, "feed '" + feed.name + "': a file feed needs a path");
      break;
    case FeedType::tcp_client:
    case FeedType::tcp_server:
    case FeedType::udp: {
      const bool client = feed.type == FeedType::tcp_client;
      if (client) {
        (void)r.table(t, "feed", {"connect", "reconnect_initial_ms", "reconnect_max_ms"}, kFeedKeys);
      } else if (feed.type == FeedType::tcp_server) {
        (void)r.table(t, "feed", {"listen", "max_connections", "idle_timeout_ms"}, kFeedKeys);
        r.millis(t, "idle_timeout_ms", feed.idle_timeout, 86'400'000);
      } else {
        (void)r.table(t, "feed", {"listen", "group", "interface", "receive_batch", "receive_buffer_bytes"}, kFeedKeys);
      }
      const std::string_view key = client ? "connect" : "listen";
      if (!r.endpoint(t, key, feed.host, feed.port)) {
        r.error(line, "feed '" + feed.name + "': needs " + std::string(key) + " = \"HOST:PORT\"");
      }
      if (client && feed.port == 0 && t.get(key) != nullptr) r.error(line, "feed '" + feed.name + "': connect needs a port");
      r.millis(t, "reconnect_initial_ms", feed.reconnect_initial, 3'600'000);
      r.millis(t, "reconnect_max_ms", feed.reconnect_max, 3'600'000);
      if (feed.reconnect_initial.count() < 1 || feed.reconnect_max < feed.reconnect_initial) {
        r.error(line, "feed '" + feed.name + "': need 1 <= reconnect_initial_ms <= reconnect_max_ms");
      }
      r.integer(t, "max_connections", feed.max_connections, 1, 4096);
      r.string(t, "group", feed.group);
      r.string(t, "interface", feed.interface);
      r.integer(t, "receive_batch", feed.receive_batch, 1, 1024);
      r.integer(t, "receive_buffer_bytes", feed.receive_buffer_bytes, 4096, 1 << 30);
      if (feed.type == FeedType::udp) {
        r.address(t, "group", AddressKind::multicast_v4);
        r.address(t, "interface", AddressKind::v4);
      }
      // A multicast feed binds its group (and drops datagrams sent to the port otherwise).
      if (!client) r.bind(t, "listen", feed.type == FeedType::udp ? Protocol::udp : Protocol::tcp, "feed " + feed.name, feed.group);
      break;
    }
    case FeedType::websocket:
      load_websocket_feed(r, t, feed);
      break;
  }
  config.feeds.push_back(std::move(feed));
}

void load_output(Reader& r, const toml::table& t, DaemonConfig& config) {
  r.boolean(t, "stdout", config.stdout_lines);
  r.path(t, "ndjson_file", config.ndjson_file);
  publish::SignalFeedsOptions& net = config.network;
  if (const toml::node* n = t.get("journal")) {
    if (const toml::table* j = r.table(*n, "output.journal", {"file", "ring_capacity", "session", "fsync", "fsync_interval_ms", "on_error"})) {
      r.path(*j, "file", net.journal.file);
      r.integer(*j, "ring_capacity", net.journal.ring_capacity, 16, 1 << 24);
      r.string(*j, "session", net.journal.session);
      std::string fsync = "batch", on_error = "halt";
      r.string(*j, "fsync", fsync);
      if (!publish::parse_fsync_policy(fsync, net.journal.fsync)) r.error(*j, "fsync must be none, batch or interval, not '" + fsync + "'");
      std::int64_t interval_ms = net.journal.fsync_interval.count();
      r.integer(*j, "fsync_interval_ms", interval_ms, 1, 60'000);
      net.journal.fsync_interval = std::chrono::milliseconds(interval_ms);
      r.string(*j, "on_error", on_error);
      if (!publish::parse_journal_error_policy(on_error, net.journal.on_error)) {
        r.error(*j, "on_error must be halt or memory, not '" + on_error + "'");
      }
      if (net.journal.session.empty() || net.journal.session.size() > 10) r.error(*n, "session must be 1-10 characters");
    }
  }
  if (const toml::node* n = t.get("soupbintcp")) {
    if (const toml::table* s = r.table(*n, "output.soupbintcp", {"listen", "user", "password_env", "max_clients",
                                                                 "max_buffered_bytes", "heartbeat_ms", "client_timeout_ms"})) {
      publish::SoupServerOptions soup;
      (void)r.endpoint(*s, "listen", soup.address, soup.port);
      r.string(*s, "user", soup.username);
      std::string password_env = "H2S_SOUP_PASSWORD";
      r.string(*s, "password_env", password_env);
      if (const char* user = std::getenv("H2S_SOUP_USER"); soup.username.empty() && user != nullptr) soup.username = user;
      if (const char* password = std::getenv(password_env.c_str())) soup.password = password;
      if (soup.username.empty() || soup.username.size() > 6) r.error(*n, "SoupBinTCP needs user = 1-6 characters (or H2S_SOUP_USER)");
      if (soup.password.size() > 10) r.error(*n, "SoupBinTCP needs a 1-10 character password in " + password_env);
      if (soup.password.empty()) {
        r.secret_missing(n->source().begin.line, "SoupBinTCP needs a 1-10 character password in the environment variable " + password_env);
      }
      r.bind(*s, "listen", Protocol::tcp, "[output.soupbintcp]");
      r.integer(*s, "max_clients", soup.max_clients, 1, 4096);
      r.integer(*s, "max_buffered_bytes", soup.max_buffered_bytes, 65536, 1 << 30);
      r.millis(*s, "heartbeat_ms", soup.heartbeat_interval, 60'000);
      r.millis(*s, "client_timeout_ms", soup.client_timeout, 3'600'000);
      if (soup.heartbeat_interval.count() < 10 || soup.client_timeout <= soup.heartbeat_interval) {
        r.error(*n, "SoupBinTCP needs heartbeat_ms >= 10 and client_timeout_ms > heartbeat_ms");
      }
      net.soup = soup;
    }
  }
  if (const toml::node* n = t.get("moldudp64")) {
    if (const toml::table* m = r.table(*n, "output.moldudp64", {"group", "interface", "ttl", "mtu", "retransmit_listen"})) {
      publish::MoldPublisherOptions mold;
      if (!r.endpoint(*m, "group", mold.group, mold.port)) r.error(*n, "MoldUDP64 needs group = \"GROUP:PORT\"");
      r.string(*m, "interface", mold.interface);
      r.integer(*m, "ttl", mold.ttl, 0, 255);
      r.integer(*m, "mtu", mold.mtu, 576, 65507);
      (void)r.endpoint(*m, "retransmit_listen", mold.retransmit_address, mold.retransmit_port);
      r.bind(*m, "retransmit_listen", Protocol::udp, "[output.moldudp64]");
      if (!mold.group.empty()) r.address(*m, "group", AddressKind::multicast_v4, mold.group);  // "GROUP:PORT"
      r.address(*m, "interface", AddressKind::v4);
      net.mold = mold;
    }
  }
  if (const toml::node* n = t.get("ndjson_tcp")) {
    if (const toml::table* j = r.table(*n, "output.ndjson_tcp", {"listen", "max_clients", "max_buffered_bytes"})) {
      publish::NdjsonServerOptions ndjson;
      (void)r.endpoint(*j, "listen", ndjson.address, ndjson.port);
      r.bind(*j, "listen", Protocol::tcp, "[output.ndjson_tcp]");
      r.integer(*j, "max_clients", ndjson.max_clients, 1, 4096);
      r.integer(*j, "max_buffered_bytes", ndjson.max_buffered_bytes, 65536, 1 << 30);
      net.ndjson = ndjson;
    }
  }
}

const char* protocol_name(Protocol p) noexcept { return p == Protocol::tcp ? "TCP" : "UDP"; }

std::string where(const Reader& r, const Bind& b) {
  return b.what + " " + b.key + " (" + r.file().string() + ":" + std::to_string(b.line) + ")";
}

// What binding each listener will meet at start-up: a name where an address must be, two
// listeners on one port, a port another process holds.
void check_binds(Reader& r) {
  const auto& binds = r.binds();
  for (std::size_t i = 0; i < binds.size(); ++i) {
    const Bind& b = binds[i];
    boost::system::error_code ec;
    const boost::asio::ip::address address = boost::asio::ip::make_address(b.host, ec);
    if (ec) {
      r.error(b.line, b.what + ": " + b.key + " must be an IP address (127.0.0.1 for loopback, 0.0.0.0 for every "
                                              "interface), not the name '" + b.host + "'");
      continue;
    }
    if (b.port == 0) continue;  // any free port: cannot clash
    bool clashes = false;
    for (std::size_t j = 0; j < i; ++j) {
      const Bind& a = binds[j];
      if (a.protocol != b.protocol || a.port != b.port) continue;
      boost::system::error_code other_ec;
      const auto other = boost::asio::ip::make_address(a.host, other_ec);
      if (other_ec || (other != address && !other.is_unspecified() && !address.is_unspecified())) continue;
      if (b.protocol == Protocol::udp && address.is_multicast() && other.is_multicast()) continue;  // groups share ports
      r.error(b.line, b.what + ": " + b.key + " " + b.host + ":" + std::to_string(b.port) + " is also " + where(r, a) +
                          ": one " + protocol_name(b.protocol) + " port, two listeners");
      clashes = true;
    }
    if (clashes) continue;
    // Bound and released at once, with the options start-up uses: a port held elsewhere is said here.
    const int fd = ::socket(address.is_v6() ? AF_INET6 : AF_INET, (b.protocol == Protocol::tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (address.is_v4()) {
      auto* in = reinterpret_cast<sockaddr_in*>(&storage);
      in->sin_family = AF_INET;
      in->sin_port = htons(b.port);
      const auto bytes = address.to_v4().to_bytes();
      std::memcpy(&in->sin_addr, bytes.data(), bytes.size());
      length = sizeof *in;
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(b.port);
      const auto bytes = address.to_v6().to_bytes();
      std::memcpy(&in6->sin6_addr, bytes.data(), bytes.size());
      length = sizeof *in6;
    }
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
      r.error(b.line, b.what + ": " + b.key + " " + b.host + ":" + std::to_string(b.port) + " cannot be bound (" +
                          protocol_name(b.protocol) + "): " + std::strerror(errno));
    }
    ::close(fd);
  }
}

// A CPU to pin to must take a thread: tried as start-up does it, on a thread that exists for that
// (the process's own affinity mask may be narrower than what a thread may be pinned to).
void check_cpu(Reader& r, const toml::node* node, int cpu, std::string_view key) {
  if (cpu < 0 || node == nullptr) return;
  int error = EINVAL;
  if (cpu < CPU_SETSIZE) {
    std::thread probe([cpu, &error] {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      error = ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one);
    });
    probe.join();
  }
  if (error == 0) return;
  r.error(*node, "[threads] " + std::string(key) + " = " + std::to_string(cpu) + ": cannot pin a thread there (" +
                     std::strerror(error) + "; this machine has " + std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) +
                     " CPUs online)");
}

// A file start-up will create or append to: its folder must exist.
void check_parent(Reader& r, const std::filesystem::path& file, std::uint32_t line, std::string_view what) {
  if (file.empty()) return;
  const std::filesystem::path parent = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec)) {
    r.error(line, std::string(what) + " " + file.string() + ": the folder " + parent.string() + " does not exist");
  } else if (std::filesystem::is_directory(file, ec)) {
    r.error(line, std::string(what) + " " + file.string() + " is a directory");
  }
}

// The line of `key` in the table at `section.sub` (or of the section itself), for messages.
std::uint32_t line_of(const toml::table& root, std::initializer_list<std::string_view> path) {
  const toml::node* node = &root;
  std::uint32_t line = 1;
  for (const std::string_view part : path) {
    const toml::table* t = node->as_table();
    if (t == nullptr || t->get(part) == nullptr) return line;
    node = t->get(part);
    line = node->source().begin.line;
  }
  return line;
}

void check_environment(Reader& r, const toml::table& root, const DaemonConfig& config) {
  check_binds(r);
  const toml::table* threads = root.get_as<toml::table>("threads");
  check_cpu(r, threads != nullptr ? threads->get("cpu") : nullptr, config.cpu, "cpu");
  check_cpu(r, threads != nullptr ? threads->get("feed_cpu") : nullptr, config.feed_cpu, "feed_cpu");
  const toml::array* feeds = root.get_as<toml::array>("feed");
  for (std::size_t i = 0; i < config.feeds.size(); ++i) {
    const FeedConfig& feed = config.feeds[i];
    const toml::table* t = feeds != nullptr && i < feeds->size() ? (*feeds)[i].as_table() : nullptr;
    const auto line = [&](std::string_view key) {
      return t != nullptr && t->get(key) != nullptr ? t->get(key)->source().begin.line
                                                   : (t != nullptr ? t->source().begin.line : 1);
    };
    if (feed.type == FeedType::file && !feed.path.empty()) {
      try {
        feeds::check_feed_file(feed.path.string());
      } catch (const std::exception& e) {
        r.error(line("path"), "feed '" + feed.name + "': " + e.what());
      }
    }
    check_parent(r, feed.record, line("record"), "feed '" + feed.name + "': record");
    if (feed.type == FeedType::tcp_client && feed.port != 0) {
      // Resolved at start-up, before the first connect: a name that does not resolve stops it there.
      addrinfo hints{};
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* found = nullptr;
      const int rc = ::getaddrinfo(feed.host.c_str(), std::to_string(feed.port).c_str(), &hints, &found);
      if (rc != 0) r.error(line("connect"), "feed '" + feed.name + "': connect host '" + feed.host + "' does not resolve: " + gai_strerror(rc));
      if (found != nullptr) ::freeaddrinfo(found);
    }
  }
  check_parent(r, config.network.journal.file, line_of(root, {"output", "journal", "file"}), "[output.journal] file");
  check_parent(r, config.ndjson_file, line_of(root, {"output", "ndjson_file"}), "[output] ndjson_file");
}

}  // namespace

DaemonConfig load_daemon_config(const std::filesystem::path& file, const std::filesystem::path& rules_default,
                                const ConfigLoadOptions& options) {
  Reader r(file);
  r.set_secrets_required(options.secrets_required);
  DaemonConfig config;
  config.file = file;
  config.rules = rules_default;
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(file.string() + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  for (auto&& [key, node] : root) {
    const std::string_view k = key.str();
    if (k == "rules") {
      if (const toml::table* t = r.table(node, "rules", {"path", "cache_dir", "reload_on_sighup"})) {
        r.path(*t, "path", config.rules);
        r.path(*t, "cache_dir", config.rules_cache);
        r.boolean(*t, "reload_on_sighup", config.reload_on_sighup);
      }
    } else if (k == "scoring") {
      if (const toml::table* t = node.as_table()) {
        for (auto&& [name, value] : *t) {
          std::string text, error;
          if (const auto* s = value.as_string()) text = s->get();
          else if (const auto* i = value.as_integer()) text = std::to_string(i->get());
          else if (const auto* d = value.as_floating_point()) text = exact_text(d->get());
          else if (const auto* b = value.as_boolean()) text = b->get() ? "true" : "false";
          if (!scoring::set_scoring_param(config.scoring, name.str(), text, error)) r.error(value, error);
        }
      } else {
        r.error(node, "[scoring] must be a table");
      }
    } else if (k == "feed") {
      const toml::array* feeds = node.as_array();
      if (feeds == nullptr) {
        r.error(node, "feeds are an array of tables: [[feed]]");
        continue;
      }
      for (const toml::node& element : *feeds) {
        if (const toml::table* t = element.as_table()) load_feed(r, *t, config);
        else r.error(element, "[[feed]] entries must be tables");
      }
    } else if (k == "threads") {
      if (const toml::table* t = r.table(node, "threads", {"idle", "cpu", "layout", "feed_cpu", "queue_depth",
                                                           "queue_chunk_bytes", "overflow"})) {
        std::string idle = "backoff", layout = "single", overflow = "backpressure";
        r.string(*t, "idle", idle);
        try {
          config.idle = pipeline::parse_idle_kind(idle);
        } catch (const std::invalid_argument& e) {
          r.error(*t->get("idle"), e.what());
        }
        r.integer(*t, "cpu", config.cpu, -1, 4095);
        r.string(*t, "layout", layout);
        if (layout == "single" || layout == "split") {
          config.layout = layout == "split" ? ThreadLayout::split : ThreadLayout::single;
        } else {
          r.error(*t->get("layout"), "layout must be single or split, not '" + layout + "'");
        }
        r.integer(*t, "feed_cpu", config.feed_cpu, -1, 4095);
        r.integer(*t, "queue_depth", config.queue.depth, 2, 65536);
        r.integer(*t, "queue_chunk_bytes", config.queue.chunk_bytes, 4096, 64 << 20);
        r.string(*t, "overflow", overflow);
        try {
          config.queue.overflow = pipeline::parse_overflow_policy(overflow);
        } catch (const std::invalid_argument& e) {
          r.error(*t->get("overflow"), e.what());
        }
      }
    } else if (k == "logging") {
      if (const toml::table* t = r.table(node, "logging", {"format", "interval_ms"})) {
        std::string format = "logfmt";
        r.string(*t, "format", format);
        if (format == "logfmt" || format == "json") {
          config.log_format = format == "json" ? LogFormat::json : LogFormat::logfmt;
        } else {
          r.error(*t->get("format"), "format must be logfmt or json, not '" + format + "'");
        }
        r.millis(*t, "interval_ms", config.log_interval, 3'600'000);
        if (config.log_interval.count() < 10) r.error(*t->get("interval_ms"), "interval_ms must be at least 10");
      }
    } else if (k == "output") {
      if (const toml::table* t = r.table(node, "output", {"stdout", "ndjson_file", "journal", "soupbintcp", "moldudp64", "ndjson_tcp"})) {
        load_output(r, *t, config);
      }
    } else if (k == "metrics") {
      if (const toml::table* t = r.table(node, "metrics", {"listen"})) {
        config.metrics = r.endpoint(*t, "listen");
        r.bind(*t, "listen", Protocol::tcp, "[metrics]");
      }
    } else if (k == "shutdown") {
      if (const toml::table* t = r.table(node, "shutdown", {"drain_timeout_ms", "linger_ms"})) {
        r.millis(*t, "drain_timeout_ms", config.drain_timeout, 600'000);
        r.millis(*t, "linger_ms", config.linger, 3'600'000);
      }
    } else {
      r.error(key.source().begin.line, "unknown section '" + std::string(k) +
                                           "' (expected rules, scoring, feed, threads, logging, output, metrics, shutdown)");
    }
  }
  if (config.feeds.empty() && !r.failed()) r.error(1, "no [[feed]]: nothing to read");
  if (config.layout == ThreadLayout::split) {
    std::size_t largest = 0;
    for (const FeedConfig& feed : config.feeds) largest = std::max(largest, feed.max_message_bytes);
    const std::size_t chunk = std::max(config.queue.chunk_bytes, largest + 4096);  // a chunk holds the largest message
    if (chunk * config.queue.depth > (std::size_t{1} << 30)) {
      r.error(1, "[threads] the queue would take " + std::to_string(chunk * config.queue.depth >> 20) +
                     " MiB (queue_depth x max(queue_chunk_bytes, largest max_message_bytes)): at most 1024 MiB");
    }
    if (config.cpu >= 0 && config.cpu == config.feed_cpu) r.error(1, "[threads] cpu and feed_cpu must differ in the split layout");
  }
  if (options.check_environment) check_environment(r, root, config);  // every problem at once, not the first kind
  if (r.failed()) throw ConfigError(r.report());
  config.warnings = r.take_warnings();
  return config;
}

}  // namespace h2s::daemon
