#include "event_log.hpp"

#include <ctime>

#include "h2s/model/clock.hpp"

namespace h2s::daemon {
namespace {

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

// RFC 3339 UTC with microseconds.
std::string timestamp() {
  const std::int64_t us = wall_clock_us();
  const std::time_t seconds = static_cast<std::time_t>(us / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%06lldZ", static_cast<long long>(us % 1'000'000));
  return text;
}

bool is_number(std::string_view text) {
  if (text.empty() || text.size() > 18 || (text.size() > 1 && text[0] == '0')) return false;  // JSON: no leading zeros
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Escapes for a JSON string or a quoted logfmt value (the same rules serve both).
void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

void EventLog::write(LogLevel level, std::string_view event, const Fields& fields) {
  std::string line;
  const auto field = [&](std::string_view key, std::string_view value) {
    if (format_ == LogFormat::json) {
      line += line.empty() ? "{" : ",";
      append_quoted(line, key);
      line += ':';
      if (is_number(value)) line += value;
      else append_quoted(line, value);
    } else {
      if (!line.empty()) line += ' ';
      line += key;
      line += '=';
      if (!value.empty() && value.find_first_of(" \"=\\\n") == std::string_view::npos) line += value;
      else append_quoted(line, value);
    }
  };
  field("ts", timestamp());
  field("level", level_name(level));
  field("event", event);
  for (const auto& [key, value] : fields) field(key, value);
  if (format_ == LogFormat::json) line += '}';
  line += '\n';
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

void EventLog::watch(LogLevel level, std::string event, Fields fields, std::function<std::uint64_t()> value) {
  const std::uint64_t now = value();
  watches_.push_back(Watch{level, std::move(event), std::move(fields), std::move(value), now});
}

void EventLog::check() {
  for (Watch& w : watches_) {
    const std::uint64_t now = w.value();
    if (now <= w.last) {
      w.last = now;  // a gauge may fall
      continue;
    }
    Fields fields = w.fields;
    fields.emplace_back("count", std::to_string(now - w.last));
    fields.emplace_back("total", std::to_string(now));
    w.last = now;
    write(w.level, w.event, fields);
  }
}

}  // namespace h2s::daemon
