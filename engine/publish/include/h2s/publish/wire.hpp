#pragma once
// The binary signal feed's payloads, carried in SoupBinTCP sequenced-data packets and MoldUDP64
// message blocks. Documented in docs/wire.md. Every integer is big-endian (network order, as in
// NASDAQ ITCH/OUCH); text fields are ASCII, left-justified and padded with spaces.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "h2s/model/cancel.hpp"
#include "h2s/model/signal.hpp"
#include "h2s/model/status.hpp"

namespace h2s::wire {

inline constexpr std::uint8_t kSignalVersion = 2;
inline constexpr std::uint8_t kFirstSignalVersion = 1;  // still decoded: a 400-byte signal without the v2 fields
inline constexpr std::uint8_t kCancelVersion = 1;
inline constexpr std::uint16_t kFlagLexiconBasis = 1;  // flags bit 0: the side came from the lexicon alone
// flags bits 1-2: the vendor's own sentiment for the ticker (0 none, 1 positive, 2 neutral, 3 negative).
inline constexpr unsigned kVendorSentimentShift = 1;
inline constexpr std::uint16_t kVendorSentimentMask = 3u << kVendorSentimentShift;
static_assert(static_cast<unsigned>(VendorSentiment::negative) == 3, "vendor sentiment fits flags bits 1-2");
inline constexpr std::uint8_t kSignalType = 'S';
inline constexpr std::uint8_t kCancelType = 'C';
inline constexpr double kFixedPointScale = 1'000'000.0;  // strength, sentiment ... as value × 10^6

// An integer stored big-endian whatever the host's byte order.
template <class T>
class BigEndian {
 public:
  constexpr void set(T value) noexcept {
    auto v = static_cast<std::make_unsigned_t<T>>(value);
    for (std::size_t i = sizeof(T); i-- > 0;) {
      bytes_[i] = static_cast<std::uint8_t>(v & 0xFF);
      v = static_cast<decltype(v)>(v >> 8);
    }
  }
  [[nodiscard]] constexpr T get() const noexcept {
    std::make_unsigned_t<T> v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<decltype(v)>((v << 8) | bytes_[i]);
    return static_cast<T>(v);
  }

 private:
  std::array<std::uint8_t, sizeof(T)> bytes_{};
};

// A space-padded ASCII field of N bytes.
template <std::size_t N>
struct Alpha {
  std::array<char, N> chars;
};

// One trade signal. 432 bytes (version 1 ended after chain_id, at 400).
struct SignalMessage {
  std::uint8_t type;                   // 'S'
  std::uint8_t version;                // kSignalVersion
  std::uint8_t side;                   // 'B' buy, 'S' sell
  std::uint8_t vendor;                 // h2s::Vendor
  BigEndian<std::uint16_t> flags;      // kFlagLexiconBasis, vendor sentiment (bits 1-2); other bits 0
  BigEndian<std::uint16_t> story_version;  // 1 for a story's first version, 2 for its first revision ...
  BigEndian<std::uint64_t> sequence;   // the publisher's sequence number (= SoupBinTCP/MoldUDP64 sequence)
  BigEndian<std::int64_t> ts_source_us;
  BigEndian<std::int64_t> ts_recv_us;
  BigEndian<std::int64_t> ts_decode_us;
  BigEndian<std::int64_t> ts_match_us;
  BigEndian<std::int64_t> ts_score_us;
  BigEndian<std::int64_t> ts_signal_us;
  BigEndian<std::int32_t> strength;    // × 10^6
  BigEndian<std::int32_t> sentiment;   // × 10^6
  BigEndian<std::int32_t> delta;       // × 10^6
  BigEndian<std::int32_t> novelty;     // × 10^6
  BigEndian<std::int32_t> confidence;  // × 10^6
  BigEndian<std::int32_t> relevance;   // × 10^6
  Alpha<8> ticker;
  Alpha<48> topic;
  Alpha<64> rule;
  Alpha<kMaxStoryIdBytes> story_id;
  Alpha<kMaxStoryIdBytes> chain_id;
  Alpha<32> event;                     // v2: the event type that decided the side
};

inline constexpr std::size_t kFirstVersionSignalBytes = 400;

// Withdraws a published signal whose story the vendor deleted. 136 bytes.
struct CancelMessage {
  std::uint8_t type;                   // 'C'
  std::uint8_t version;                // kCancelVersion
  std::uint8_t vendor;                 // h2s::Vendor of the deleted story
  std::uint8_t reserved;               // 0
  BigEndian<std::uint32_t> reserved2;  // 0
  BigEndian<std::uint64_t> sequence;   // this message's sequence number
  BigEndian<std::uint64_t> cancelled;  // sequence number of the signal withdrawn
  BigEndian<std::int64_t> ts_us;       // when the delete was processed
  Alpha<8> ticker;
  Alpha<kMaxStoryIdBytes> story_id;
};

static_assert(sizeof(BigEndian<std::uint64_t>) == 8 && alignof(BigEndian<std::uint64_t>) == 1);
static_assert(sizeof(SignalMessage) == 432, "wire layout: see docs/wire.md");
static_assert(offsetof(SignalMessage, flags) == 4);
static_assert(offsetof(SignalMessage, story_version) == 6);
static_assert(offsetof(SignalMessage, side) == 2);
static_assert(offsetof(SignalMessage, sequence) == 8);
static_assert(offsetof(SignalMessage, ts_source_us) == 16);
static_assert(offsetof(SignalMessage, ts_signal_us) == 56);
static_assert(offsetof(SignalMessage, strength) == 64);
static_assert(offsetof(SignalMessage, relevance) == 84);
static_assert(offsetof(SignalMessage, ticker) == 88);
static_assert(offsetof(SignalMessage, topic) == 96);
static_assert(offsetof(SignalMessage, rule) == 144);
static_assert(offsetof(SignalMessage, story_id) == 208);
static_assert(offsetof(SignalMessage, chain_id) == 304);
static_assert(offsetof(SignalMessage, event) == kFirstVersionSignalBytes);
static_assert(sizeof(CancelMessage) == 136, "wire layout: see docs/wire.md");
static_assert(offsetof(CancelMessage, vendor) == 2);
static_assert(offsetof(CancelMessage, sequence) == 8);
static_assert(offsetof(CancelMessage, cancelled) == 16);
static_assert(offsetof(CancelMessage, ts_us) == 24);
static_assert(offsetof(CancelMessage, ticker) == 32);
static_assert(offsetof(CancelMessage, story_id) == 40);

// A score as the wire carries it: value × 10^6, rounded, clamped to int32 (non-finite: 0). The
// JSON lines print exactly this number, so both outputs agree to the last digit.
[[nodiscard]] std::int32_t to_fixed(double value) noexcept;

[[nodiscard]] SignalMessage encode(const Signal& signal) noexcept;
// Checks type, version and side; text fields lose their padding. A version 1 message (400 bytes)
// decodes with the v2 fields at their defaults.
[[nodiscard]] Status decode(const SignalMessage& message, Signal& out) noexcept;
// The payload bytes of a signal message of either version, or unknown_format for anything else.
[[nodiscard]] Status decode_signal(std::string_view payload, Signal& out) noexcept;

[[nodiscard]] CancelMessage encode(const Cancel& cancel) noexcept;
// Checks type, version and vendor; text fields lose their padding.
[[nodiscard]] Status decode(const CancelMessage& message, Cancel& out) noexcept;

}  // namespace h2s::wire
