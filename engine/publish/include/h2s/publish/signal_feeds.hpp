#pragma once
// The sequenced signal feeds as one output: the journal, the binary feed (SoupBinTCP server,
// MoldUDP64 publisher) and NDJSON over TCP, on an io_context that the publishing thread polls.
// Everything here runs on that one thread.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>

#include "h2s/model/cancel.hpp"
#include "h2s/model/signal.hpp"
#include "h2s/publish/journal.hpp"
#include "h2s/publish/mold_publisher.hpp"
#include "h2s/publish/ndjson_server.hpp"
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
  // Journals the signal as a wire message and sends it to subscribers: binary, and `json_line`
  // (its formatted line, needed when wants_json_lines()) to NDJSON clients. signal.seq must be
  // next_sequence(); false when it could not be journaled.
  bool publish(const Signal& signal, std::string_view json_line) noexcept;
  // The same for a cancel (cancel.seq must be next_sequence()).
  bool publish(const Cancel& cancel, std::string_view json_line) noexcept;
  [[nodiscard]] bool wants_json_lines() const noexcept { return ndjson_ != nullptr; }
  // Runs ready network handlers without blocking and sends the MoldUDP64 packet being filled.
  std::size_t poll() noexcept;
  // End of Session on both feeds; keep polling afterwards so it is delivered.
  void end_session();
  // At the end, on the thread that owns the feeds: serve subscribers for `linger` more, send End
  // of Session, and poll until the TCP clients have it (at most `grace`).
  void finish(std::chrono::milliseconds linger, std::chrono::milliseconds grace = std::chrono::seconds(2));

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
  bool publish_bytes(std::span<const std::uint8_t> message) noexcept;

  boost::asio::io_context io_;
  Journal journal_;
  std::unique_ptr<SoupServer> soup_;
  std::unique_ptr<MoldPublisher> mold_;
  std::unique_ptr<NdjsonServer> ndjson_;
};

}  // namespace h2s::publish
