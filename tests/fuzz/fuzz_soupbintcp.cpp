// libFuzzer: bytes a SoupBinTCP client sends, framed and parsed as the server does.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "h2s/publish/soupbintcp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> stream(data, size);
  for (int frames = 0; frames < 1000; ++frames) {
    h2s::soup::Frame frame{};
    std::size_t consumed = 0;
    const auto result = h2s::soup::next_frame(stream, 1024, frame, consumed);
    if (result != h2s::soup::FrameResult::frame) break;
    if (consumed == 0 || consumed > stream.size()) std::abort();  // always progress, never past the end
    if (frame.type == h2s::soup::PacketType::login_request) {
      h2s::soup::LoginRequest login;
      (void)h2s::soup::parse_login_request(frame.payload, login);
    }
    stream = stream.subspan(consumed);
  }
  return 0;
}
