#include <catch2/catch.hpp>

#include <algorithm>
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

TEST_CASE("The carry buffer grows for a long line split across chunks, up to the limit, and shrinks back after it") {
  h2s::feeds::LineFramer framer(1 << 20);
  const std::size_t initial = h2s::feeds::LineFramer::kInitialCarryBytes;
  CHECK(framer.carry_capacity() == initial);  // not the 1 MiB limit: idle connections stay small
  std::vector<std::string> lines;
  auto on_line = [&](std::string_view line) { lines.emplace_back(line); };
  int oversized = 0;
  auto on_oversized = [&] { ++oversized; };
  std::string long_line(200'000, 'x');
  long_line.front() = '{';
  long_line.back() = '}';
  const std::string stream = long_line + "\n{\"short\":1}\n";
  std::size_t largest = 0;
  for (std::size_t at = 0; at < stream.size(); at += 4096) {
    std::string block = stream.substr(at, 4096);
    block.append(h2s::feeds::kLinePadding, ' ');
    framer.feed({block.data(), block.size() - h2s::feeds::kLinePadding}, on_line, on_oversized);
    largest = std::max(largest, framer.carry_capacity());
  }
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == long_line);
  CHECK(lines[1] == "{\"short\":1}");
  CHECK(oversized == 0);
  CHECK(largest >= 200'000);
  CHECK(largest <= std::size_t{1} << 20);
  CHECK(framer.carry_capacity() == initial);  // given back once the line was out
}
