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

using h2s::publish::FsyncPolicy;
using h2s::publish::Journal;
using h2s::publish::JournalErrorPolicy;
using h2s::publish::JournalOptions;
using Catch::Matchers::Contains;

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

JournalOptions options(std::size_t ring, const std::filesystem::path& file, const std::string& session,
                       JournalErrorPolicy on_error = JournalErrorPolicy::halt, FsyncPolicy fsync = FsyncPolicy::batch) {
  JournalOptions o;
  o.ring_capacity = ring;
  o.file = file;
  o.session = session;
  o.on_error = on_error;
  o.fsync = fsync;
  return o;
}

constexpr std::size_t kRecord = Journal::kRecordHeaderBytes + 40;  // a 40-byte message on file

// A journal of `count` 40-byte messages, committed.
void write_journal(const std::filesystem::path& file, std::uint64_t count) {
  Journal journal(options(1024, file, "S"));
  for (std::uint64_t i = 1; i <= count; ++i) {
    REQUIRE(journal.append(payload(i)) == i);
    if (i % 7 == 0) REQUIRE(journal.commit());
  }
  REQUIRE(journal.commit());
}

void poke(const std::filesystem::path& file, std::size_t offset, std::uint8_t value) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(value));
}

// A file-size limit makes writes fail as a full disk would (EFBIG instead of ENOSPC).
struct FileSizeLimit {
  rlimit saved{};
  void (*previous)(int) = nullptr;
  explicit FileSizeLimit(rlim_t bytes) {
    previous = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &saved);
    rlimit limited = saved;
    limited.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previous);
  }
};

}  // namespace

TEST_CASE("The journal numbers messages from 1, releases them only at commit, and replays what its ring retains") {
  Journal journal(options(16, {}, "S1"));
  for (std::uint64_t i = 1; i <= 6; ++i) CHECK(journal.append(payload(i)) == i);
  std::uint8_t out[Journal::kMaxPayload];
  CHECK(journal.released_next() == 1);
  CHECK(journal.read(1, out) == 0);  // staged, not released
  REQUIRE(journal.commit());
  CHECK(journal.released_next() == 7);
  CHECK(journal.next_sequence() == 7);
  for (std::uint64_t i = 1; i <= 6; ++i) CHECK(holds(journal, i));
  for (std::uint64_t i = 7; i <= 22; ++i) CHECK(journal.append(payload(i)) == i);
  CHECK(journal.append(payload(23)) == 0);  // the ring holds every staged message: commit first
  REQUIRE(journal.commit());
  CHECK(journal.first_retained() == 7);
  CHECK(journal.read(6, out) == 0);   // fell out of the ring
  CHECK(journal.read(23, out) == 0);  // not yet published
  CHECK(journal.read(0, out) == 0);
  CHECK(holds(journal, 22));
  CHECK(journal.append(std::vector<std::uint8_t>(Journal::kMaxPayload + 1)) == 0);
  CHECK(journal.next_sequence() == 23);  // an oversized message takes no sequence number
}

TEST_CASE("A restarted journal continues its session's sequence and replays from before the restart") {
  h2s::test::TempDir dir;
  const auto file = dir.path() / "signals.journal";
  {
    Journal journal(options(1024, file, "SESSION1"));
    for (std::uint64_t i = 1; i <= 100; ++i) REQUIRE(journal.append(payload(i, 40 + i % 7)) == i);
    REQUIRE(journal.commit());
    CHECK(journal.commits() == 1);  // one write for the whole group
    CHECK(journal.syncs() == 1);    // batch: one fdatasync per group
  }
  Journal restarted(options(1024, file, "SESSION1"));
  CHECK(restarted.recovered() == 100);
  CHECK(restarted.truncated_bytes() == 0);
  CHECK(restarted.next_sequence() == 101);
  CHECK(restarted.released_next() == 101);
  for (std::uint64_t i = 1; i <= 100; ++i) CHECK(holds(restarted, i, 40 + i % 7));
  CHECK(restarted.append(payload(101)) == 101);
}

TEST_CASE("Staged messages that were never committed are not in the file: a restart reissues only what never left") {
  h2s::test::TempDir dir;
  const auto file = dir.path() / "staged.journal";
  {
    Journal journal(options(64, file, "S"));
    for (std::uint64_t i = 1; i <= 5; ++i) REQUIRE(journal.append(payload(i)) == i);
    REQUIRE(journal.commit());
    for (std::uint64_t i = 6; i <= 8; ++i) REQUIRE(journal.append(payload(i)) == i);
    CHECK(journal.released_next() == 6);  // 6-8 may not leave the process yet
    // A kill -9 now: the destructor's commit never runs. Simulated by reading the file as it is.
    CHECK(Journal::scan(file).records == 5);
  }
}

TEST_CASE("Fsync policies: batch syncs every group, interval at most once per interval, none never") {
  h2s::test::TempDir dir;
  for (const auto& [policy, expected] : {std::pair{FsyncPolicy::batch, 10}, std::pair{FsyncPolicy::none, 0}}) {
    Journal journal(options(64, dir.path() / (expected == 0 ? "none.journal" : "batch.journal"), "S", JournalErrorPolicy::halt, policy));
    for (std::uint64_t i = 1; i <= 10; ++i) {
      REQUIRE(journal.append(payload(i)) == i);
      REQUIRE(journal.commit());
    }
    CHECK(journal.commits() == 10);
    CHECK(journal.syncs() == static_cast<std::uint64_t>(expected));
  }
  JournalOptions o = options(64, dir.path() / "interval.journal", "S", JournalErrorPolicy::halt, FsyncPolicy::interval);
  o.fsync_interval = std::chrono::hours(1);
  Journal journal(o);
  for (std::uint64_t i = 1; i <= 10; ++i) {
    REQUIRE(journal.append(payload(i)) == i);
    REQUIRE(journal.commit());
  }
  CHECK(journal.commits() == 10);
  CHECK(journal.syncs() == 1);  // the first, then not again within the hour
}

TEST_CASE("A torn tail is cut off on open and reported, the journal never keeps a corrupt tail") {
  h2s::test::TempDir dir;
  const auto file = dir.path() / "torn.journal";
  write_journal(file, 10);
  const auto full = std::filesystem::file_size(file);
  CHECK(full == Journal::kHeaderBytes + 10 * kRecord);
  std::filesystem::resize_file(file, full - 15);  // a crash in the middle of record 10
  {
    const auto scan = Journal::scan(file);
    CHECK(scan.torn_tail);
    CHECK_FALSE(scan.corrupt);
    CHECK(scan.records == 9);
    CHECK(scan.bad_offset == static_cast<off_t>(Journal::kHeaderBytes + 9 * kRecord));
    Journal journal(options(64, file, "S"));
    CHECK(journal.recovered() == 9);
    CHECK(journal.truncated_bytes() == kRecord - 15);
    CHECK(journal.append(payload(10)) == 10);
    REQUIRE(journal.commit());
  }
  Journal again(options(64, file, "S"));
  CHECK(again.recovered() == 10);
  CHECK(again.truncated_bytes() == 0);
  CHECK(holds(again, 10));
}

TEST_CASE("Torn tails: a short record header, zeros after the last record, a last record failing its checksum") {
  h2s::test::TempDir dir;
  const auto file = dir.path() / "t.journal";
  write_journal(file, 6);
  const auto size = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, size + 3);  // three bytes of a next record header (zeros)
  auto scan = Journal::scan(file);
  CHECK(scan.torn_tail);
  CHECK(scan.records == 6);
  std::filesystem::resize_file(file, size + 4096);  // a file extended by a crash, never written
  scan = Journal::scan(file);
  CHECK(scan.torn_tail);
  CHECK(scan.records == 6);
  std::filesystem::resize_file(file, size);
  poke(file, size - 1, 0xEE);  // the last record's last byte
  scan = Journal::scan(file);
  CHECK(scan.torn_tail);
  CHECK(scan.records == 5);
  Journal journal(options(64, file, "S"));
  CHECK(journal.recovered() == 5);
  CHECK(journal.truncated_bytes() == kRecord);
}

TEST_CASE("Corruption before the tail refuses to start, naming the offset and the good sequences, repair cuts it") {
  h2s::test::TempDir dir;
  SECTION("a zeroed length field") {
    const auto file = dir.path() / "zeroed.journal";
    write_journal(file, 50);
    const std::size_t at = Journal::kHeaderBytes + 20 * kRecord;  // record 21
    poke(file, at, 0);
    poke(file, at + 1, 0);
    CHECK_THROWS_WITH(Journal(options(64, file, "S")),
                      Contains("corrupt at byte " + std::to_string(at)) && Contains("a record length of 0") &&
                          Contains("after sequence 20") && Contains("sequences 1-20 are good"));
    const auto scan = Journal::repair(file);
    CHECK(scan.corrupt);
    CHECK(scan.records == 20);
    CHECK(std::filesystem::file_size(file) == at);
    Journal repaired(options(64, file, "S"));
    CHECK(repaired.recovered() == 20);
    CHECK(repaired.next_sequence() == 21);
  }
  SECTION("a flipped payload byte") {
    const auto file = dir.path() / "flipped.journal";
    write_journal(file, 50);
    const std::size_t at = Journal::kHeaderBytes + 30 * kRecord;  // record 31
    poke(file, at + Journal::kRecordHeaderBytes + 7, 0x5A ^ payload(31)[7]);
    CHECK_THROWS_WITH(Journal(options(64, file, "S")),
                      Contains("corrupt at byte " + std::to_string(at)) && Contains("checksum") && Contains("after sequence 30"));
    CHECK(Journal::scan(file).corrupt);
  }
  SECTION("a short or damaged header") {
    const auto file = dir.path() / "header.journal";
    write_journal(file, 3);
    poke(file, 12, 'x');  // inside the session name
    CHECK_THROWS_WITH(Journal(options(64, file, "S")), Contains("header's checksum"));
    std::filesystem::resize_file(file, 20);
    CHECK_THROWS_WITH(Journal(options(64, file, "S")), Contains("not an h2s journal"));
  }
}

TEST_CASE("Journals of another session or format, and unwritable paths, are clear errors") {
  h2s::test::TempDir dir;
  const auto file = dir.path() / "a.journal";
  { Journal journal(options(8, file, "MONDAY")); }
  CHECK_THROWS_WITH(Journal(options(8, file, "TUESDAY")), Contains("belongs to session 'MONDAY    '"));
  const auto other = dir.write("other.bin", "this is not a journal at all, nope");
  CHECK_THROWS_WITH(Journal(options(8, other, "S")), Contains("not an h2s journal"));
  const auto first = dir.write("first.journal", std::string("H2SJRNL1S         ") + std::string(14, '\0'));
  CHECK_THROWS_WITH(Journal(options(8, first, "S")), Contains("journal format 1"));
  CHECK_THROWS_WITH(Journal(options(8, dir.path() / "missing" / "x.journal", "S")), Contains("cannot open journal"));
  CHECK_THROWS_WITH(Journal(options(8, {}, "ELEVEN_CHAR")), Contains("1 to 10 characters"));
}

TEST_CASE("A journal that cannot be written: halt releases nothing more, memory goes on, counting what is unjournaled") {
  h2s::test::TempDir dir;
  for (const JournalErrorPolicy policy : {JournalErrorPolicy::halt, JournalErrorPolicy::memory}) {
    const bool halt = policy == JournalErrorPolicy::halt;
    INFO((halt ? "halt" : "memory"));
    const auto file = dir.path() / (halt ? "halt.journal" : "memory.journal");
    Journal journal(options(4096, file, "S", policy));
    for (std::uint64_t i = 1; i <= 10; ++i) REQUIRE(journal.append(payload(i)) == i);
    REQUIRE(journal.commit());
    const auto committed_size = std::filesystem::file_size(file);
    {
      const FileSizeLimit limit(static_cast<rlim_t>(committed_size + 100));
      for (std::uint64_t i = 11; i <= 20; ++i) CHECK(journal.append(payload(i)) == i);
      CHECK_FALSE(journal.commit());
      CHECK(journal.error() == EFBIG);
    }
    CHECK(journal.halted() == halt);
    CHECK(journal.released_next() == (halt ? 11u : 21u));  // halt: 11-20 never leave the process
    CHECK(holds(journal, 10));
    CHECK(holds(journal, 20) == !halt);
    CHECK(journal.unjournaled() == (halt ? 0u : 10u));
    // The file was cut back to its last complete record: a restart sees a clean journal.
    CHECK(std::filesystem::file_size(file) == committed_size);
    Journal restarted(options(4096, file, halt ? "S" : "S"));
    CHECK(restarted.recovered() == 10);
    CHECK(restarted.truncated_bytes() == 0);
  }
}

TEST_CASE("A journal unlinked or replaced under a running owner is a failure, handled by its policy") {
  h2s::test::TempDir dir;
  const auto file = dir.path() / "live.journal";
  {
    Journal journal(options(64, file, "S"));
    REQUIRE(journal.append(payload(1)) == 1);
    REQUIRE(journal.commit());
    CHECK(journal.check_file());
    std::filesystem::remove(file);
    CHECK_FALSE(journal.check_file());
    CHECK(journal.error() == ENOENT);
    CHECK(journal.halted());
  }
  {
    Journal journal(options(64, file, "S", JournalErrorPolicy::memory));
    REQUIRE(journal.append(payload(1)) == 1);
    REQUIRE(journal.commit());
    const auto aside = dir.path() / "aside.journal";
    std::filesystem::rename(file, aside);
    std::filesystem::copy_file(aside, file);  // the name now points at another file
    CHECK_FALSE(journal.check_file());
    CHECK(journal.error() == ESTALE);
    CHECK_FALSE(journal.halted());
    REQUIRE(journal.append(payload(2)) == 2);
    CHECK_FALSE(journal.commit());
    CHECK(holds(journal, 2));  // memory: still published from the ring
  }
}
