#include "h2s/publish/signal_json.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

#include "h2s/publish/wire.hpp"

namespace h2s::publish {
namespace {

class Writer {
 public:
  explicit Writer(char* out) : out_(out) {}

  void raw(std::string_view text) noexcept {
    std::memcpy(out_ + n_, text.data(), text.size());
    n_ += text.size();
  }
  void string(std::string_view text) noexcept {
    constexpr char kHex[] = "0123456789abcdef";
    out_[n_++] = '"';
    for (const char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out_[n_++] = '\\';
        out_[n_++] = c;
      } else if (u < 0x20) {
        raw("\\u00");
        out_[n_++] = kHex[u >> 4];
        out_[n_++] = kHex[u & 0xF];
      } else {
        out_[n_++] = c;
      }
    }
    out_[n_++] = '"';
  }
  void integer(std::int64_t value) noexcept {
    n_ = static_cast<std::size_t>(std::to_chars(out_ + n_, out_ + n_ + 24, value).ptr - out_);
  }
  // The wire's fixed point (value × 10^6) as a decimal with six places: "-0.125000".
  void fixed(double value) noexcept {
    const std::int64_t units = wire::to_fixed(value);
    const std::uint64_t magnitude = static_cast<std::uint64_t>(units < 0 ? -units : units);
    if (units < 0) out_[n_++] = '-';
    integer(static_cast<std::int64_t>(magnitude / 1'000'000));
    out_[n_++] = '.';
    std::uint64_t fraction = magnitude % 1'000'000;
    for (int digit = 5; digit >= 0; --digit) {
      out_[n_ + static_cast<std::size_t>(digit)] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    n_ += 6;
  }
  void key(std::string_view name) noexcept {
    if (!first_) out_[n_++] = ',';
    first_ = false;
    out_[n_++] = '"';
    raw(name);
    raw("\":");
  }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }

 private:
  char* out_;
  std::size_t n_ = 0;
  bool first_ = true;
};

}  // namespace

std::size_t format_signal_json(const Signal& s, char* out) noexcept {
  // Worst case: every string byte escaped as \u00XX (x6), plus keys and numbers.
  static_assert((2 * kMaxStoryIdBytes + 47 + 63 + 31 + 8) * 6 + 512 <= kMaxSignalJsonBytes);
  Writer w(out);
  w.raw("{");
  w.key("type"); w.string("signal");
  w.key("seq"); w.integer(static_cast<std::int64_t>(s.seq));
  w.key("story_id"); w.string(s.story_id.view());
  w.key("version"); w.integer(s.version);
  w.key("chain_id"); w.string(s.chain_id.view());
  w.key("vendor"); w.string(to_string(s.vendor));
  w.key("ticker"); w.string(s.ticker.view());
  w.key("side"); w.string(to_string(s.side));
  w.key("topic"); w.string(s.topic.view());
  w.key("rule"); w.string(s.rule.view());
  w.key("event"); w.string(s.event.view());
  w.key("basis"); w.string(to_string(s.basis));
  if (s.vendor_sentiment != VendorSentiment::none) {
    w.key("vendor_sentiment"); w.string(to_string(s.vendor_sentiment));
  }
  w.key("strength"); w.fixed(s.strength);
  w.key("sentiment"); w.fixed(s.sentiment);
  w.key("delta"); w.fixed(s.delta);
  w.key("novelty"); w.fixed(s.novelty);
  w.key("confidence"); w.fixed(s.confidence);
  w.key("relevance"); w.fixed(s.relevance);
  w.key("ts_source_us"); w.integer(s.ts_source_us);
  w.key("ts_recv_us"); w.integer(s.ts_recv_us);
  w.key("ts_decode_us"); w.integer(s.ts_decode_us);
  w.key("ts_match_us"); w.integer(s.ts_match_us);
  w.key("ts_score_us"); w.integer(s.ts_score_us);
  w.key("ts_signal_us"); w.integer(s.ts_signal_us);
  w.raw("}\n");
  return w.size();
}

std::size_t format_cancel_json(const Cancel& c, char* out) noexcept {
  Writer w(out);
  w.raw("{");
  w.key("type"); w.string("cancel");
  w.key("seq"); w.integer(static_cast<std::int64_t>(c.seq));
  w.key("cancels"); w.integer(static_cast<std::int64_t>(c.cancelled));
  w.key("story_id"); w.string(c.story_id.view());
  w.key("vendor"); w.string(to_string(c.vendor));
  w.key("ticker"); w.string(c.ticker.view());
  w.key("ts_us"); w.integer(c.ts_us);
  w.raw("}\n");
  return w.size();
}

}  // namespace h2s::publish
