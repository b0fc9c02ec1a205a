#include "h2s/publish/signal_feeds.hpp"

#include <thread>

#include "h2s/publish/wire.hpp"

namespace h2s::publish {

SignalFeeds::SignalFeeds(const SignalFeedsOptions& options) : journal_(options.journal) {
  if (options.soup) soup_ = std::make_unique<SoupServer>(io_, *options.soup, journal_);
  if (options.mold) mold_ = std::make_unique<MoldPublisher>(io_, *options.mold, journal_);
  if (options.ndjson) ndjson_ = std::make_unique<NdjsonServer>(io_, *options.ndjson);
}

SignalFeeds::~SignalFeeds() {
  ndjson_.reset();
  mold_.reset();
  soup_.reset();
  (void)journal_.flush();
}

bool SignalFeeds::publish(const Signal& signal, std::string_view json_line) noexcept {
  if (ndjson_) ndjson_->publish(json_line);
  const wire::SignalMessage message = wire::encode(signal);
  return publish_bytes({reinterpret_cast<const std::uint8_t*>(&message), sizeof message});
}

bool SignalFeeds::publish(const Cancel& cancel, std::string_view json_line) noexcept {
  if (ndjson_) ndjson_->publish(json_line);
  const wire::CancelMessage message = wire::encode(cancel);
  return publish_bytes({reinterpret_cast<const std::uint8_t*>(&message), sizeof message});
}

bool SignalFeeds::publish_bytes(std::span<const std::uint8_t> bytes) noexcept {
  const std::uint64_t sequence = journal_.append(bytes);
  if (sequence == 0) return false;
  if (soup_) soup_->publish(sequence, bytes);
  if (mold_) mold_->publish(sequence, bytes);
  return true;
}

std::size_t SignalFeeds::poll() noexcept {
  std::size_t handled = 0;
  try {
    handled = io_.poll();
  } catch (...) {  // handlers do not throw; keep the publishing thread alive whatever happens
  }
  if (mold_) mold_->flush();
  (void)journal_.flush();
  return handled;
}

void SignalFeeds::end_session() {
  if (mold_) mold_->end_session();
  if (soup_) soup_->end_session();
  if (ndjson_) ndjson_->end_session();
}

void SignalFeeds::announce(std::FILE* log, const char* who) const {
  if (soup_) {
    std::fprintf(log, "%s: SoupBinTCP feed on port %u, session %s, next sequence %llu\n", who, soup_port(),
                 journal_.session().c_str(), static_cast<unsigned long long>(next_sequence()));
  }
  if (mold_) std::fprintf(log, "%s: MoldUDP64 feed, retransmissions on port %u\n", who, retransmit_port());
  if (ndjson_) std::fprintf(log, "%s: NDJSON feed on port %u\n", who, ndjson_port());
  std::fflush(log);
}

void SignalFeeds::finish(std::chrono::milliseconds linger, std::chrono::milliseconds grace) {
  const auto poll_until = [this](auto deadline, auto stop) {
    while (std::chrono::steady_clock::now() < deadline && !stop()) {
      if (poll() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  poll_until(std::chrono::steady_clock::now() + linger, [] { return false; });
  end_session();
  poll_until(std::chrono::steady_clock::now() + grace, [this] {
    return (soup_ == nullptr || soup_->clients() == 0) && (ndjson_ == nullptr || ndjson_->clients() == 0);
  });
}

}  // namespace h2s::publish
