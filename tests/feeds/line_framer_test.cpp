#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "h2s/feeds/decoder.hpp"
#include "h2s/feeds/line_framer.hpp"

namespace {

struct Framed {
  std::vector<std::string> lines;
  int oversized = 0;
};

// Feeds `stream` in chunks of `chunk` bytes, each followed by padding as the pipeline provides.
Framed frame(const std::string& stream, std::size_t chunk, std::size_t max_line) {
  h2s::feeds::LineFramer framer(max_line);
  Framed out;
  auto on_line = [&](std::string_view line) { out.lines.emplace_back(line); };
  auto on_oversized = [&] { ++out.oversized; };
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    std::string block = stream.substr(at, chunk);
    block.append(h2s::feeds::kLinePadding, ' ');
    framer.feed({block.data(), block.size() - h2s::feeds::kLinePadding}, on_line, on_oversized);
  }
  framer.finish(on_line);
  return out;
}

}  // namespace

TEST_CASE("Lines split across chunks are reassembled exactly, CRLF and blanks handled") {
  const std::string stream = "{\"a\":1}\r\n\n{\"b\":22}\n   \n{\"c\":333}";
  for (std::size_t chunk : {1, 2, 3, 5, 8, 64}) {
    INFO("chunk " << chunk);
    const Framed f = frame(stream, chunk, 100);
    CHECK(f.lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":22}", "{\"c\":333}"});
    CHECK(f.oversized == 0);
  }
}

TEST_CASE("An oversized line is skipped whole and reported once, the next line survives") {
  const std::string stream = "short\n" + std::string(500, 'x') + "\nafter\n";
  for (std::size_t chunk : {7, 64, 1000}) {
    INFO("chunk " << chunk);
    const Framed f = frame(stream, chunk, 100);
    CHECK(f.lines == std::vector<std::string>{"short", "after"});
    CHECK(f.oversized == 1);
  }
}
