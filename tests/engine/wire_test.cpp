#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "h2s/publish/wire.hpp"

namespace {

h2s::Signal full_signal() {
  h2s::Signal s;
  s.seq = 0x0102030405060708ULL;
  (void)s.story_id.assign(std::string(h2s::kMaxStoryIdBytes, 'x'));
  (void)s.chain_id.assign("41000034");
  (void)s.topic.assign("amzn.trainium");
  (void)s.rule.assign(std::string(63, 'r'));
  REQUIRE(s.ticker.assign("BRK.B"));
  (void)s.event.assign("guidance.cut");
  s.vendor = h2s::Vendor::polygon;
  s.side = h2s::Side::sell;
  s.basis = h2s::Basis::lexicon;
  s.vendor_sentiment = h2s::VendorSentiment::negative;
  s.version = 0x0203;
  s.strength = 0.734512;
  s.sentiment = -0.5;
  s.delta = -1.25;
  s.novelty = 0.36;
  s.confidence = 0.000001;
  s.relevance = 1;
  s.ts_source_us = 1764682200000000;
  s.ts_recv_us = 1764682200001234;
  s.ts_decode_us = 1764682200001300;
  s.ts_match_us = 1764682200001310;
  s.ts_score_us = 1764682200001320;
  s.ts_signal_us = 1764682200001330;
  return s;
}

}  // namespace

TEST_CASE("Every signal field survives an encode/decode round trip") {
  const h2s::Signal in = full_signal();
  const h2s::wire::SignalMessage message = h2s::wire::encode(in);
  h2s::Signal out;
  REQUIRE(h2s::wire::decode(message, out) == h2s::Status::ok);
  CHECK(out.seq == in.seq);
  CHECK(out.story_id.view() == in.story_id.view());
  CHECK(out.chain_id.view() == in.chain_id.view());
  CHECK(out.topic.view() == in.topic.view());
  CHECK(out.rule.view() == in.rule.view());
  CHECK(out.ticker.view() == "BRK.B");
  CHECK(out.event.view() == "guidance.cut");
  CHECK(out.vendor == h2s::Vendor::polygon);
  CHECK(out.side == h2s::Side::sell);
  CHECK(out.basis == h2s::Basis::lexicon);
  CHECK(out.vendor_sentiment == h2s::VendorSentiment::negative);
  CHECK(out.version == 0x0203);
  CHECK(out.strength == Approx(0.734512).margin(1e-6));
  CHECK(out.sentiment == -0.5);
  CHECK(out.delta == -1.25);
  CHECK(out.novelty == Approx(0.36).margin(1e-6));
  CHECK(out.confidence == Approx(0.000001).margin(1e-6));
  CHECK(out.relevance == 1.0);
  CHECK(out.ts_source_us == in.ts_source_us);
  CHECK(out.ts_recv_us == in.ts_recv_us);
  CHECK(out.ts_decode_us == in.ts_decode_us);
  CHECK(out.ts_match_us == in.ts_match_us);
  CHECK(out.ts_score_us == in.ts_score_us);
  CHECK(out.ts_signal_us == in.ts_signal_us);
}

TEST_CASE("The bytes on the wire are big-endian and space-padded as documented") {
  const h2s::wire::SignalMessage message = h2s::wire::encode(full_signal());
  unsigned char bytes[sizeof message];
  std::memcpy(bytes, &message, sizeof message);
  CHECK(bytes[0] == 'S');
  CHECK(bytes[1] == h2s::wire::kSignalVersion);
  CHECK(bytes[2] == 'S');  // sell
  CHECK(bytes[3] == static_cast<unsigned char>(h2s::Vendor::polygon));
  CHECK(bytes[4] == 0);
  CHECK(bytes[5] == (h2s::wire::kFlagLexiconBasis | 3u << 1));  // bit 0 lexicon; bits 1-2 = 3, negative
  CHECK(bytes[6] == 0x02);  // story version 0x0203, big-endian
  CHECK(bytes[7] == 0x03);
  for (int i = 0; i < 8; ++i) CHECK(bytes[8 + i] == i + 1);  // sequence 0x0102...08, most significant first
  // sentiment -0.5 -> -500000 = 0xFFF85EE0 at offset 68
  CHECK(bytes[68] == 0xFF);
  CHECK(bytes[69] == 0xF8);
  CHECK(bytes[70] == 0x5E);
  CHECK(bytes[71] == 0xE0);
  CHECK(std::string(reinterpret_cast<const char*>(bytes + 88), 8) == "BRK.B   ");
  CHECK(std::string(reinterpret_cast<const char*>(bytes + 96), 13) == "amzn.trainium");
  CHECK(bytes[96 + 13] == ' ');
  CHECK(std::string(reinterpret_cast<const char*>(bytes + 400), 32) == "guidance.cut                    ");
}

TEST_CASE("A version 1 signal (400 bytes, before event, basis and story version) still decodes") {
  h2s::wire::SignalMessage message = h2s::wire::encode(full_signal());
  message.version = h2s::wire::kFirstSignalVersion;
  std::string payload(reinterpret_cast<const char*>(&message), h2s::wire::kFirstVersionSignalBytes);
  h2s::Signal out;
  REQUIRE(h2s::wire::decode_signal(payload, out) == h2s::Status::ok);
  CHECK(out.story_id.view() == std::string(h2s::kMaxStoryIdBytes, 'x'));
  CHECK(out.event.empty());
  CHECK(out.basis == h2s::Basis::event);
  CHECK(out.version == 1);
  // A length that does not fit the version is refused either way.
  payload.append(32, ' ');
  CHECK(h2s::wire::decode_signal(payload, out) == h2s::Status::unknown_format);
  message = h2s::wire::encode(full_signal());
  CHECK(h2s::wire::decode_signal(std::string(reinterpret_cast<const char*>(&message), sizeof message), out) ==
        h2s::Status::ok);
  CHECK(h2s::wire::decode_signal(std::string(reinterpret_cast<const char*>(&message), 400), out) ==
        h2s::Status::unknown_format);
}

TEST_CASE("Messages that are not signals, or carry an invalid side, are refused") {
  h2s::wire::SignalMessage message = h2s::wire::encode(full_signal());
  h2s::Signal out;
  message.version = 9;
  CHECK(h2s::wire::decode(message, out) == h2s::Status::unknown_format);
  message = h2s::wire::encode(full_signal());
  message.side = 'X';
  CHECK(h2s::wire::decode(message, out) == h2s::Status::wrong_type);
  message = h2s::wire::encode(full_signal());
  message.type = 'C';
  CHECK(h2s::wire::decode(message, out) == h2s::Status::unknown_format);
}

TEST_CASE("A cancel names the withdrawn signal's sequence, ticker and story, and round-trips") {
  h2s::Cancel in;
  in.seq = 42;
  in.cancelled = 17;
  in.ts_us = 1764682200000000;
  in.vendor = h2s::Vendor::benzinga;
  REQUIRE(in.ticker.assign("AMZN"));
  REQUIRE(in.story_id.assign("48000003"));
  const h2s::wire::CancelMessage cancel = h2s::wire::encode(in);
  CHECK(cancel.type == 'C');
  CHECK(cancel.version == h2s::wire::kCancelVersion);
  CHECK(cancel.vendor == static_cast<std::uint8_t>(h2s::Vendor::benzinga));
  CHECK(cancel.sequence.get() == 42);
  CHECK(cancel.cancelled.get() == 17);
  CHECK(cancel.ts_us.get() == 1764682200000000);
  CHECK(std::string(cancel.ticker.chars.data(), 8) == "AMZN    ");
  CHECK(std::string(cancel.story_id.chars.data(), 8) == "48000003");
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&cancel);
  CHECK(bytes[8 + 7] == 42);  // big-endian: the low byte last
  CHECK(bytes[16 + 7] == 17);

  h2s::Cancel out;
  REQUIRE(h2s::wire::decode(cancel, out) == h2s::Status::ok);
  CHECK(out.seq == 42);
  CHECK(out.cancelled == 17);
  CHECK(out.ts_us == 1764682200000000);
  CHECK(out.vendor == h2s::Vendor::benzinga);
  CHECK(out.ticker.view() == "AMZN");
  CHECK(out.story_id.view() == "48000003");

  h2s::wire::CancelMessage bad = cancel;
  bad.type = 'S';
  CHECK(h2s::wire::decode(bad, out) == h2s::Status::unknown_format);
  bad = cancel;
  bad.vendor = 200;
  CHECK(h2s::wire::decode(bad, out) == h2s::Status::wrong_type);
}
