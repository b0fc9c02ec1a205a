#pragma once
// Every published message in sequence order, for replays to subscribers: an in-memory ring of the
// most recent messages plus an optional append-only file, so a restarted daemon continues its
// session's sequence and can replay from before the restart. Owned by the publishing thread.
//
// Write-ahead (docs/wire.md, "Journal"): append() only stages a message; commit() writes every
// staged record in one write (and fdatasync per the policy), and only then are the messages
// released: released_next() is the bound every output must respect.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace h2s::publish {

// What a committed record survives: none = a process crash (the kernel has it); batch = also a
// kernel crash or power loss (fdatasync before release); interval = a process crash, and a kernel
// crash or power loss loses at most the last interval.
enum class FsyncPolicy : std::uint8_t { none, batch, interval };
// A journal that cannot be written: halt = nothing more is released, the owner stops and exits
// non-zero; memory = messages go on being released from the ring, the file stays behind.
enum class JournalErrorPolicy : std::uint8_t { halt, memory };

// "none" | "batch" | "interval" and "halt" | "memory"; false for anything else.
[[nodiscard]] bool parse_fsync_policy(std::string_view text, FsyncPolicy& out) noexcept;
[[nodiscard]] bool parse_journal_error_policy(std::string_view text, JournalErrorPolicy& out) noexcept;

struct JournalOptions {
  std::size_t ring_capacity = 65536;  // messages kept in memory for replays
  std::filesystem::path file;         // append-only journal file; empty: memory only
  std::string session = "H2S";        // session name (SoupBinTCP: 10 characters at most)
  FsyncPolicy fsync = FsyncPolicy::batch;
  std::chrono::milliseconds fsync_interval{100};  // FsyncPolicy::interval
  JournalErrorPolicy on_error = JournalErrorPolicy::halt;
};

class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What opening a journal file found (also what `h2s journal check` reports).
struct JournalScan {
  std::uint64_t records = 0;          // good records, sequences 1..records
  off_t good_end = 0;                 // end of the last good record
  off_t file_end = 0;
  bool torn_tail = false;             // a crash mid-write: bytes after good_end are cut off
  bool corrupt = false;               // a bad record with good data after it: refused
  off_t bad_offset = 0;               // where the first bad record starts (torn or corrupt)
  std::string problem;                // what was wrong there, in words
};

class Journal {
 public:
  static constexpr std::size_t kMaxPayload = 512;
  static constexpr std::size_t kHeaderBytes = 32;
  static constexpr std::size_t kRecordHeaderBytes = 6;  // u16 length, u32 CRC32C

  // Opens (or creates) the file and reloads it into the ring, verifying every record's checksum.
  // A torn tail is cut off (torn_tail_bytes()); a corrupt record before the tail, a file of another
  // session or format, or an unreadable file throws JournalError naming the offset and sequences.
  explicit Journal(const JournalOptions& options);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Reads a journal file without changing it.
  [[nodiscard]] static JournalScan scan(const std::filesystem::path& file);
  // Cuts the file to its last good record; returns what was found before cutting.
  static JournalScan repair(const std::filesystem::path& file);

  // Stages one message and returns its sequence number (0 if it is larger than kMaxPayload or the
  // stage is full: commit first). No allocation: the record goes to the ring and a fixed buffer.
  [[nodiscard]] std::uint64_t append(std::span<const std::uint8_t> payload) noexcept;
  // Whether a message of `size` bytes can be staged before the next commit.
  [[nodiscard]] bool has_room(std::size_t size) const noexcept;
  // Writes the staged records in one write, then fdatasync per the policy, then releases them.
  // False when the file failed (error()): under `halt` nothing is released from then on.
  [[nodiscard]] bool commit() noexcept;
  // A timer's check (about once a second): the file still has a name and is the one at its path.
  // A journal unlinked or replaced is a failure (ENOENT / ESTALE), handled like a write error.
  [[nodiscard]] bool check_file() noexcept;

  // Copies message `sequence` into out[0, kMaxPayload) and returns its length; 0 when it is no
  // longer (or not yet) retained, or not yet released.
  [[nodiscard]] std::size_t read(std::uint64_t sequence, std::uint8_t* out) const noexcept;

  [[nodiscard]] std::uint64_t next_sequence() const noexcept { return next_; }
  // Sequences below this may leave the process; staged ones above it may not.
  [[nodiscard]] std::uint64_t released_next() const noexcept { return released_; }
  [[nodiscard]] std::uint64_t first_retained() const noexcept;
  [[nodiscard]] const std::string& session() const noexcept { return session_; }
  [[nodiscard]] int error() const noexcept { return errno_; }
  [[nodiscard]] bool halted() const noexcept { return errno_ != 0 && on_error_ == JournalErrorPolicy::halt; }
  [[nodiscard]] bool has_file() const noexcept { return fd_ >= 0; }
  [[nodiscard]] std::uint64_t recovered() const noexcept { return recovered_; }        // loaded on open
  [[nodiscard]] std::uint64_t truncated_bytes() const noexcept { return truncated_; }  // torn tail cut off
  [[nodiscard]] std::uint64_t syncs() const noexcept { return syncs_; }                // fdatasync calls
  [[nodiscard]] std::uint64_t commits() const noexcept { return commits_; }            // writes of staged records
  // Messages released without a journal record (policy `memory`, after a failure).
  [[nodiscard]] std::uint64_t unjournaled() const noexcept { return unjournaled_; }

 private:
  struct Slot {
    std::uint64_t sequence = 0;
    std::uint16_t length = 0;
    std::uint8_t bytes[kMaxPayload];
  };
  void remember(std::uint64_t sequence, std::span<const std::uint8_t> payload) noexcept;
  void fail(int error) noexcept;

  std::vector<Slot> ring_;
  std::uint64_t next_ = 1;
  std::uint64_t released_ = 1;
  std::string session_;
  std::filesystem::path path_;
  FsyncPolicy fsync_;
  std::chrono::milliseconds fsync_interval_;
  JournalErrorPolicy on_error_;
  int fd_ = -1;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t buffered_ = 0;
  std::chrono::steady_clock::time_point last_sync_{};
  bool unsynced_ = false;  // interval: records written since the last fdatasync
  int errno_ = 0;
  std::uint64_t recovered_ = 0;
  std::uint64_t truncated_ = 0;
  std::uint64_t syncs_ = 0;
  std::uint64_t commits_ = 0;
  std::uint64_t unjournaled_ = 0;
};

}  // namespace h2s::publish
