#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "h2s/publish/journal.hpp"
#include "test_paths.hpp"

using h2s::publish::Journal;
using h2s::publish::JournalOptions;

namespace {

std::vector<std::uint8_t> payload(std::uint64_t n, std::size_t size = 40) {
  std::vector<std::uint8_t> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>((n * 31 + i) & 0xFF);
  return bytes;
}

bool holds(const Journal& journal, std::uint64_t sequence, std::size_t size = 40) {
  std::uint8_t out[Journal::kMaxPayload];
  const std::size_t n = journal.read(sequence, out);
  return n == size && std::memcmp(out, payload(sequence, size).data(), size) == 0;
}

}  // namespace

TEST_CASE("The journal numbers messages from 1 and replays what its ring retains") {
  Journal journal(JournalOptions{4, {}, "S1"});
  for (std::uint64_t i = 1; i <= 6; ++i) CHECK(journal.append(payload(i)) == i);
  CHECK(journal.next_sequence() == 7);
  CHECK(journal.first_retained() == 3);
  std::uint8_t out[Journal::kMaxPayload];
  CHECK(journal.read(2, out) == 0);  // fell out of the ring
  CHECK(journal.read(7, out) == 0);  // not yet published
  CHECK(journal.read(0, out) == 0);
  for (std::uint64_t i = 3; i <= 6; ++i) CHECK(holds(journal, i));
  CHECK(journal.append(std::vector<std::uint8_t>(Journal::kMaxPayload + 1)) == 0);
  CHECK(journal.next_sequence() == 7);  // an oversized message takes no sequence number
}

TEST_CASE("A restarted journal continues its session's sequence and replays from before the restart") {
  h2s::test::TempDir dir;
  const auto file = dir.path() / "signals.journal";
  {
    Journal journal(JournalOptions{1024, file, "SESSION1"});
    for (std::uint64_t i = 1; i <= 100; ++i) REQUIRE(journal.append(payload(i, 40 + i % 7)) == i);
    REQUIRE(journal.flush());
  }
  Journal restarted(JournalOptions{1024, file, "SESSION1"});
  CHECK(restarted.recovered() == 100);
  CHECK(restarted.truncated_bytes() == 0);
  CHECK(restarted.next_sequence() == 101);
  for (std::uint64_t i = 1; i <= 100; ++i) CHECK(holds(restarted, i, 40 + i % 7));
  CHECK(restarted.append(payload(101)) == 101);
}

TEST_CASE("A torn last record is cut off on open; the journal never keeps a corrupt tail") {
  h2s::test::TempDir dir;
  const auto file = dir.path() / "torn.journal";
  {
    Journal journal(JournalOptions{64, file, "S"});
    for (std::uint64_t i = 1; i <= 10; ++i) REQUIRE(journal.append(payload(i)) == i);
    REQUIRE(journal.flush());
  }
  const auto full = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, full - 15);  // a crash in the middle of record 10
  {
    Journal journal(JournalOptions{64, file, "S"});
    CHECK(journal.recovered() == 9);
    CHECK(journal.truncated_bytes() == 42 - 15);
    CHECK(journal.append(payload(10)) == 10);
    REQUIRE(journal.flush());
  }
  Journal again(JournalOptions{64, file, "S"});
  CHECK(again.recovered() == 10);
  CHECK(again.truncated_bytes() == 0);
  CHECK(holds(again, 10));
}

TEST_CASE("Journals of another session or format, and unwritable paths, are clear errors") {
  h2s::test::TempDir dir;
  const auto file = dir.path() / "a.journal";
  { Journal journal(JournalOptions{8, file, "MONDAY"}); }
  CHECK_THROWS_WITH(Journal(JournalOptions{8, file, "TUESDAY"}),
                    Catch::Matchers::Contains("belongs to session 'MONDAY    '"));
  const auto other = dir.write("other.bin", "this is not a journal at all, nope");
  CHECK_THROWS_WITH(Journal(JournalOptions{8, other, "S"}), Catch::Matchers::Contains("not an h2s journal"));
  CHECK_THROWS_WITH(Journal(JournalOptions{8, dir.path() / "missing" / "x.journal", "S"}),
                    Catch::Matchers::Contains("cannot open journal"));
  CHECK_THROWS_WITH(Journal(JournalOptions{8, {}, "ELEVEN_CHAR"}), Catch::Matchers::Contains("1 to 10 characters"));
}

TEST_CASE("When the journal file fails, publishing goes on from memory and the file keeps whole records") {
  h2s::test::TempDir dir;
  const auto file = dir.path() / "limited.journal";
  Journal journal(JournalOptions{4096, file, "S"});
  for (std::uint64_t i = 1; i <= 10; ++i) REQUIRE(journal.append(payload(i)) == i);
  REQUIRE(journal.flush());
  const auto flushed_size = std::filesystem::file_size(file);
  {
    // A file-size limit makes further writes fail as a full disk would (EFBIG instead of ENOSPC).
    struct LimitGuard {
      rlimit saved{};
      void (*previous)(int) = nullptr;
      explicit LimitGuard(rlim_t bytes) {
        previous = std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &saved);
        rlimit limited = saved;
        limited.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limited);
      }
      ~LimitGuard() {
        setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, previous);
      }
    } limit(static_cast<rlim_t>(flushed_size + 100));
    for (std::uint64_t i = 11; i <= 200; ++i) CHECK(journal.append(payload(i)) == i);  // publishing goes on
    CHECK_FALSE(journal.flush());
    CHECK(journal.error() == EFBIG);
  }
  CHECK(holds(journal, 200));  // replays still served from memory
  // The file was cut back to its last complete record: a restart sees a clean journal.
  CHECK(std::filesystem::file_size(file) == flushed_size);
  Journal restarted(JournalOptions{4096, dir.path() / "limited.journal", "S"});
  CHECK(restarted.recovered() == 10);
  CHECK(restarted.truncated_bytes() == 0);
}
