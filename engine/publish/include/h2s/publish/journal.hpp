#pragma once
// Every published message in sequence order, for replays to subscribers: an in-memory ring of the
// most recent messages plus an optional append-only file, so a restarted daemon continues its
// session's sequence and can replay from before the restart. Owned by the publishing thread.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace h2s::publish {

struct JournalOptions {
  std::size_t ring_capacity = 65536;  // messages kept in memory for replays
  std::filesystem::path file;         // append-only journal file; empty: memory only
  std::string session = "H2S";        // session name (SoupBinTCP: 10 characters at most)
};

class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Journal {
 public:
  static constexpr std::size_t kMaxPayload = 512;
  static constexpr std::size_t kHeaderBytes = 32;

  // Opens (or creates) the file and reloads its tail into the ring. A torn last record (a crash
  // mid-write) is cut off and counted; a file of another session or format is an error.
  explicit Journal(const JournalOptions& options);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends one message and returns its sequence number (0 if it is larger than kMaxPayload).
  // No allocation: the record goes to the ring and to a fixed write buffer.
  [[nodiscard]] std::uint64_t append(std::span<const std::uint8_t> payload) noexcept;
  // Writes buffered records to the file. False once the file has failed (see error()); the ring
  // keeps serving replays either way.
  [[nodiscard]] bool flush() noexcept;

  // Copies message `sequence` into out[0, kMaxPayload) and returns its length; 0 when it is no
  // longer (or not yet) retained.
  [[nodiscard]] std::size_t read(std::uint64_t sequence, std::uint8_t* out) const noexcept;

  [[nodiscard]] std::uint64_t next_sequence() const noexcept { return next_; }
  [[nodiscard]] std::uint64_t first_retained() const noexcept;
  [[nodiscard]] const std::string& session() const noexcept { return session_; }
  [[nodiscard]] int error() const noexcept { return errno_; }
  [[nodiscard]] std::uint64_t recovered() const noexcept { return recovered_; }        // loaded on open
  [[nodiscard]] std::uint64_t truncated_bytes() const noexcept { return truncated_; }  // torn tail cut off

 private:
  struct Slot {
    std::uint64_t sequence = 0;
    std::uint16_t length = 0;
    std::uint8_t bytes[kMaxPayload];
  };
  void remember(std::uint64_t sequence, std::span<const std::uint8_t> payload) noexcept;

  std::vector<Slot> ring_;
  std::uint64_t next_ = 1;
  std::string session_;
  int fd_ = -1;
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t buffered_ = 0;
  int errno_ = 0;
  std::uint64_t recovered_ = 0;
  std::uint64_t truncated_ = 0;
};

}  // namespace h2s::publish
