#include "h2s/publish/signal_feeds.hpp"

#include <algorithm>
#include <cstring>
#include <thread>

#include "h2s/publish/wire.hpp"

namespace h2s::publish {
namespace {

constexpr std::size_t kLineStageBytes = 1 << 18;  // staged JSON lines (the journal's stage holds ~150 messages)

}  // namespace

SignalFeeds::SignalFeeds(const SignalFeedsOptions& options)
    : journal_(options.journal), delivered_next_(journal_.released_next()), lines_(std::make_unique<char[]>(kLineStageBytes)) {
  if (options.soup) soup_ = std::make_unique<SoupServer>(io_, *options.soup, journal_);
  if (options.mold) mold_ = std::make_unique<MoldPublisher>(io_, *options.mold, journal_);
  if (options.ndjson) ndjson_ = std::make_unique<NdjsonServer>(io_, *options.ndjson);
}

SignalFeeds::~SignalFeeds() {
  (void)commit();
  ndjson_.reset();
  mold_.reset();
  soup_.reset();
}

void SignalFeeds::set_line_writer(NdjsonWriter* writer, Counter* errors) noexcept {
  lines_out_ = writer;
  line_errors_ = errors;
}

bool SignalFeeds::publish(const Signal& signal, std::string_view json_line) noexcept {
  const wire::SignalMessage message = wire::encode(signal);
  return stage({reinterpret_cast<const std::uint8_t*>(&message), sizeof message}, json_line);
}

bool SignalFeeds::publish(const Cancel& cancel, std::string_view json_line) noexcept {
  const wire::CancelMessage message = wire::encode(cancel);
  return stage({reinterpret_cast<const std::uint8_t*>(&message), sizeof message}, json_line);
}

bool SignalFeeds::stage(std::span<const std::uint8_t> bytes, std::string_view json_line) noexcept {
  if (!journal_.has_room(bytes.size()) || lines_used_ + json_line.size() > kLineStageBytes) (void)commit();
  if (lines_used_ + json_line.size() > kLineStageBytes) return false;  // halted: nothing leaves any more
  if (journal_.append(bytes) == 0) return false;
  if (!json_line.empty()) std::memcpy(lines_.get() + lines_used_, json_line.data(), json_line.size());  // no lines: no copy
  lines_used_ += json_line.size();
  return true;
}

bool SignalFeeds::commit() noexcept {
  const bool written = journal_.commit();
  release();
  return written;
}

// Hands every message the journal released to the outputs, in sequence order.
void SignalFeeds::release() noexcept {
  const std::uint64_t released = journal_.released_next();
  if (delivered_next_ == released) return;
  std::uint8_t payload[Journal::kMaxPayload];
  for (std::uint64_t sequence = delivered_next_; sequence < released; ++sequence) {
    const std::size_t n = journal_.read(sequence, payload);
    if (soup_) soup_->publish(sequence, {payload, n});
    if (mold_) mold_->publish(sequence, {payload, n});
  }
  delivered_next_ = released;
  // The lines staged are exactly those of the messages just released, one line each.
  std::size_t start = 0;
  for (std::size_t i = 0; i < lines_used_; ++i) {
    if (lines_[i] != '\n') continue;
    const std::string_view line(lines_.get() + start, i + 1 - start);
    if (ndjson_) ndjson_->publish(line);
    if (lines_out_ != nullptr && !lines_out_->write_line(line) && line_errors_ != nullptr) line_errors_->add();
    start = i + 1;
  }
  lines_used_ = 0;
}

std::size_t SignalFeeds::poll() noexcept {
  (void)commit();
  const auto now = std::chrono::steady_clock::now();
  if (now - last_file_check_ >= std::chrono::seconds(1)) {
    last_file_check_ = now;
    if (!journal_.check_file()) release();  // under `memory` the ring goes on serving
  }
  std::size_t handled = 0;
  try {
    handled = io_.poll();
  } catch (...) {  // handlers do not throw; keep the publishing thread alive whatever happens
  }
  if (mold_) mold_->flush();
  return handled;
}

void SignalFeeds::serve_until(std::chrono::steady_clock::time_point deadline) noexcept {
  using Clock = std::chrono::steady_clock;
  // Never blocks past a second without a poll(): the journal file check and the MoldUDP64 flush run there.
  for (auto now = Clock::now(); now < deadline; now = Clock::now()) {
    (void)poll();
    const auto slice = std::min(deadline, now + std::chrono::seconds(1));
    std::size_t ran = 0;
    try {
      ran = io_.run_one_until(slice);
    } catch (...) {  // as in poll(): handlers do not throw
    }
    if (ran == 0 && io_.stopped()) {  // no sockets or timers to wait on: sleep instead
      io_.restart();
      std::this_thread::sleep_until(slice);
    }
  }
  (void)poll();
}

void SignalFeeds::end_session() {
  if (mold_) mold_->end_session();
  if (soup_) soup_->end_session();
  if (ndjson_) ndjson_->end_session();
}

void SignalFeeds::announce(std::FILE* log, const char* who) const {
  if (journal_.truncated_bytes() != 0) {
    std::fprintf(log, "%s: journal: a torn tail of %llu bytes was cut after sequence %llu\n", who,
                 static_cast<unsigned long long>(journal_.truncated_bytes()),
                 static_cast<unsigned long long>(journal_.next_sequence() - 1));
  }
  if (soup_) {
    std::fprintf(log, "%s: SoupBinTCP feed on port %u, session %s, next sequence %llu\n", who, soup_port(),
                 journal_.session().c_str(), static_cast<unsigned long long>(next_sequence()));
  }
  if (mold_) std::fprintf(log, "%s: MoldUDP64 feed, retransmissions on port %u\n", who, retransmit_port());
  if (ndjson_) std::fprintf(log, "%s: NDJSON feed on port %u\n", who, ndjson_port());
  std::fflush(log);
}

void SignalFeeds::finish(std::chrono::milliseconds linger, std::chrono::milliseconds grace,
                         const std::atomic<bool>* cut_short) {
  const auto poll_until = [this](auto deadline, auto stop) {
    while (std::chrono::steady_clock::now() < deadline && !stop()) {
      serve_until(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
    }
  };
  poll_until(std::chrono::steady_clock::now() + linger, [cut_short] { return cut_short != nullptr && cut_short->load(); });
  end_session();
  poll_until(std::chrono::steady_clock::now() + grace, [this] {
    return (soup_ == nullptr || soup_->clients() == 0) && (ndjson_ == nullptr || ndjson_->clients() == 0);
  });
}

}  // namespace h2s::publish
