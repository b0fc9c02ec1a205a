#pragma once
// The sequenced signal feeds as one output: the journal, the binary feed (SoupBinTCP server,
// MoldUDP64 publisher), NDJSON over TCP and a local JSON-lines writer, on an io_context that the
// publishing thread polls. Everything here runs on that one thread.
//
// Write-ahead: publish() stages a message; commit() (each poll, and whenever the stage is full)
// journals the staged messages in one write, then hands them to every output. No sequence number
// leaves the process before its journal record is written.
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>

#include "h2s/model/cancel.hpp"
#include "h2s/model/signal.hpp"
#include "h2s/publish/journal.hpp"
#include "h2s/model/counter.hpp"
#include "h2s/publish/mold_publisher.hpp"
#include "h2s/publish/ndjson_server.hpp"
#include "h2s/publish/ndjson_writer.hpp"
#include "h2s/publish/soup_server.hpp"

namespace h2s::publish {

struct SignalFeedsOptions {
  JournalOptions journal;
  std::optional<SoupServerOptions> soup;  // no TCP feed when absent
  std::optional<MoldPublisherOptions> mold;  // no multicast feed when absent
  std::optional<NdjsonServerOptions> ndjson;  // no NDJSON over TCP when absent
};

class SignalFeeds {
 public:
  // Opens the journal and binds the servers (throws at start-up, never later).
  explicit SignalFeeds(const SignalFeedsOptions& options);
  ~SignalFeeds();
  SignalFeeds(const SignalFeeds&) = delete;
  SignalFeeds& operator=(const SignalFeeds&) = delete;

  // The sequence number the next signal will get (continues a journal file's session).
  [[nodiscard]] std::uint64_t next_sequence() const noexcept { return journal_.next_sequence(); }
  // Stages the signal as a wire message, and `json_line` (its formatted line, needed when
  // wants_json_lines()) for NDJSON clients and the line writer; they go out at the next commit.
  // signal.seq must be next_sequence(); false when it could not be staged (the journal halted).
  bool publish(const Signal& signal, std::string_view json_line) noexcept;
  // The same for a cancel (cancel.seq must be next_sequence()).
  bool publish(const Cancel& cancel, std::string_view json_line) noexcept;
  [[nodiscard]] bool wants_json_lines() const noexcept { return ndjson_ != nullptr || lines_out_ != nullptr; }
  // JSON lines carry sequence numbers too: `writer` gets them after their journal records, and
  // each line it fails to take is counted in `errors`.
  void set_line_writer(NdjsonWriter* writer, Counter* errors) noexcept;
  // Journals what is staged, then releases it to every output. False when the journal failed.
  bool commit() noexcept;
  // Commits, checks the journal file about once a second, runs ready network handlers without
  // blocking and sends the MoldUDP64 packet being filled.
  std::size_t poll() noexcept;
  // Polls, then waits in the event loop (its timers and sockets) until `deadline`: logins,
  // retransmission requests and heartbeats are served while the caller has nothing else to do.
  void serve_until(std::chrono::steady_clock::time_point deadline) noexcept;
  // The journal cannot be written and its policy is halt: nothing more is released.
  [[nodiscard]] bool halted() const noexcept { return journal_.halted(); }
  // End of Session on both feeds; keep polling afterwards so it is delivered.
  void end_session();
  // At the end, on the thread that owns the feeds: serve subscribers for `linger` more (less when
  // `cut_short` becomes true), send End of Session, and poll until the TCP clients have it (at
  // most `grace`).
  void finish(std::chrono::milliseconds linger, std::chrono::milliseconds grace = std::chrono::seconds(2),
              const std::atomic<bool>* cut_short = nullptr);

  // Subscribers connected now: SoupBinTCP and NDJSON/TCP clients (MoldUDP64 receivers are unknown).
  [[nodiscard]] std::size_t subscribers() const noexcept {
    return (soup_ ? soup_->clients() : 0) + (ndjson_ ? ndjson_->clients() : 0);
  }
  [[nodiscard]] std::uint16_t soup_port() const noexcept { return soup_ ? soup_->port() : 0; }
  [[nodiscard]] std::uint16_t retransmit_port() const noexcept { return mold_ ? mold_->retransmit_port() : 0; }
  [[nodiscard]] std::uint16_t ndjson_port() const noexcept { return ndjson_ ? ndjson_->port() : 0; }
  // Tells an operator (and tests) where each feed listens: one line per feed, "<who>: ...".
  void announce(std::FILE* log, const char* who) const;
  [[nodiscard]] const Journal& journal() const noexcept { return journal_; }
  [[nodiscard]] const SoupServer* soup() const noexcept { return soup_.get(); }
  [[nodiscard]] const MoldPublisher* mold() const noexcept { return mold_.get(); }
  [[nodiscard]] const NdjsonServer* ndjson() const noexcept { return ndjson_.get(); }

 private:
  bool stage(std::span<const std::uint8_t> message, std::string_view json_line) noexcept;
  void release() noexcept;

  boost::asio::io_context io_;
  Journal journal_;
  std::uint64_t delivered_next_;            // the first sequence not yet handed to the outputs
  std::unique_ptr<char[]> lines_;           // staged JSON lines, in sequence order
  std::size_t lines_used_ = 0;
  NdjsonWriter* lines_out_ = nullptr;
  Counter* line_errors_ = nullptr;
  std::chrono::steady_clock::time_point last_file_check_{};
  std::unique_ptr<SoupServer> soup_;
  std::unique_ptr<MoldPublisher> mold_;
  std::unique_ptr<NdjsonServer> ndjson_;
};

}  // namespace h2s::publish
