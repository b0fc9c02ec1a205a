#include "h2s/publish/wire.hpp"

#include <cmath>
#include <cstring>

namespace h2s::wire {
namespace {

template <std::size_t N>
void put(Alpha<N>& field, std::string_view text) noexcept {
  field.chars.fill(' ');
  std::memcpy(field.chars.data(), text.data(), text.size() < N ? text.size() : N);
}

template <std::size_t N>
std::string_view get(const Alpha<N>& field) noexcept {
  std::size_t n = N;
  while (n > 0 && field.chars[n - 1] == ' ') --n;
  return {field.chars.data(), n};
}

double from_fixed(std::int32_t value) noexcept { return static_cast<double>(value) / kFixedPointScale; }

}  // namespace

std::int32_t to_fixed(double value) noexcept {
  if (!std::isfinite(value)) return 0;
  const double scaled = std::round(value * kFixedPointScale);
  return scaled > INT32_MAX ? INT32_MAX : (scaled < INT32_MIN ? INT32_MIN : static_cast<std::int32_t>(scaled));
}

SignalMessage encode(const Signal& s) noexcept {
  SignalMessage m{};
  m.type = kSignalType;
  m.version = kSignalVersion;
  m.side = s.side == Side::buy ? 'B' : 'S';
  m.vendor = static_cast<std::uint8_t>(s.vendor);
  m.flags.set(static_cast<std::uint16_t>((s.basis == Basis::lexicon ? kFlagLexiconBasis : 0u) |
                                         (static_cast<unsigned>(s.vendor_sentiment) << kVendorSentimentShift)));
  m.story_version.set(s.version);
  m.sequence.set(s.seq);
  m.ts_source_us.set(s.ts_source_us);
  m.ts_recv_us.set(s.ts_recv_us);
  m.ts_decode_us.set(s.ts_decode_us);
  m.ts_match_us.set(s.ts_match_us);
  m.ts_score_us.set(s.ts_score_us);
  m.ts_signal_us.set(s.ts_signal_us);
  m.strength.set(to_fixed(s.strength));
  m.sentiment.set(to_fixed(s.sentiment));
  m.delta.set(to_fixed(s.delta));
  m.novelty.set(to_fixed(s.novelty));
  m.confidence.set(to_fixed(s.confidence));
  m.relevance.set(to_fixed(s.relevance));
  put(m.ticker, s.ticker.view());
  put(m.topic, s.topic.view());
  put(m.rule, s.rule.view());
  put(m.story_id, s.story_id.view());
  put(m.chain_id, s.chain_id.view());
  put(m.event, s.event.view());
  return m;
}

Status decode(const SignalMessage& m, Signal& s) noexcept {
  if (m.type != kSignalType || (m.version != kSignalVersion && m.version != kFirstSignalVersion)) return Status::unknown_format;
  if (m.side != 'B' && m.side != 'S') return Status::wrong_type;
  if (m.vendor > static_cast<std::uint8_t>(Vendor::generic)) return Status::wrong_type;
  s = Signal{};
  if (m.version >= 2) {
    s.basis = (m.flags.get() & kFlagLexiconBasis) != 0 ? Basis::lexicon : Basis::event;
    s.vendor_sentiment = static_cast<VendorSentiment>((m.flags.get() & kVendorSentimentMask) >> kVendorSentimentShift);
    s.version = m.story_version.get();
    (void)s.event.assign(get(m.event));
  }
  s.side = m.side == 'B' ? Side::buy : Side::sell;
  s.vendor = static_cast<Vendor>(m.vendor);
  s.seq = m.sequence.get();
  s.ts_source_us = m.ts_source_us.get();
  s.ts_recv_us = m.ts_recv_us.get();
  s.ts_decode_us = m.ts_decode_us.get();
  s.ts_match_us = m.ts_match_us.get();
  s.ts_score_us = m.ts_score_us.get();
  s.ts_signal_us = m.ts_signal_us.get();
  s.strength = from_fixed(m.strength.get());
  s.sentiment = from_fixed(m.sentiment.get());
  s.delta = from_fixed(m.delta.get());
  s.novelty = from_fixed(m.novelty.get());
  s.confidence = from_fixed(m.confidence.get());
  s.relevance = from_fixed(m.relevance.get());
  if (!s.ticker.assign(get(m.ticker))) return Status::wrong_type;
  (void)s.topic.assign(get(m.topic));
  (void)s.rule.assign(get(m.rule));
  (void)s.story_id.assign(get(m.story_id));
  (void)s.chain_id.assign(get(m.chain_id));
  return Status::ok;
}

Status decode_signal(std::string_view payload, Signal& out) noexcept {
  if (payload.empty() || static_cast<std::uint8_t>(payload[0]) != kSignalType) return Status::unknown_format;
  const bool first = payload.size() == kFirstVersionSignalBytes;
  if (payload.size() != sizeof(SignalMessage) && !first) return Status::unknown_format;
  SignalMessage message{};
  std::memcpy(&message, payload.data(), payload.size());
  if (first != (message.version == kFirstSignalVersion)) return Status::unknown_format;  // the length must fit the version
  return decode(message, out);
}

CancelMessage encode(const Cancel& c) noexcept {
  CancelMessage m{};
  m.type = kCancelType;
  m.version = kCancelVersion;
  m.vendor = static_cast<std::uint8_t>(c.vendor);
  m.sequence.set(c.seq);
  m.cancelled.set(c.cancelled);
  m.ts_us.set(c.ts_us);
  put(m.ticker, c.ticker.view());
  put(m.story_id, c.story_id.view());
  return m;
}

Status decode(const CancelMessage& m, Cancel& c) noexcept {
  if (m.type != kCancelType || m.version != kCancelVersion) return Status::unknown_format;
  if (m.vendor > static_cast<std::uint8_t>(Vendor::generic)) return Status::wrong_type;
  c = Cancel{};
  c.vendor = static_cast<Vendor>(m.vendor);
  c.seq = m.sequence.get();
  c.cancelled = m.cancelled.get();
  c.ts_us = m.ts_us.get();
  if (!c.ticker.assign(get(m.ticker))) return Status::wrong_type;
  (void)c.story_id.assign(get(m.story_id));
  return Status::ok;
}

}  // namespace h2s::wire
