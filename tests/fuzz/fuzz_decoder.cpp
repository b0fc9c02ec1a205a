// libFuzzer: one line of any vendor format (auto-detected) through the decoder. Every line must
// give exactly one callback per message and at least one message; nothing may crash or leak.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "h2s/feeds/decoder.hpp"

namespace {
struct CountingSink final : h2s::feeds::DecodeSink {
  void on_story(const h2s::Story& story) noexcept override {
    ++messages;
    if (story.id.size() > 96) std::abort();  // the model's bound
  }
  void on_rejected(h2s::Status reason) noexcept override {
    ++messages;
    if (reason == h2s::Status::ok) std::abort();
  }
  void on_control(h2s::ControlReason) noexcept override { ++messages; }
  std::size_t messages = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static h2s::feeds::Decoder decoder(h2s::feeds::DecoderLimits{1 << 16, 64});
  std::vector<char> line(size + h2s::feeds::kLinePadding);
  if (size != 0) std::memcpy(line.data(), data, size);
  CountingSink sink;
  decoder.decode({line.data(), size}, 1764682200000000, sink);
  bool blank = true;
  for (std::size_t i = 0; i < size; ++i) blank = blank && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n');
  if (sink.messages == 0 && !blank) std::abort();  // every non-blank line is accounted for
  return 0;
}
