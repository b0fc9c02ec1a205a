#pragma once
// A configured [[feed]] opened as a polled source (shared by `h2s run` and `h2s record`).
#include <memory>

#include "h2s/daemon/daemon_config.hpp"
#include "h2s/feeds/source.hpp"

namespace h2s::daemon {

// Throws (std::system_error, std::invalid_argument) when the feed cannot be opened.
std::unique_ptr<feeds::Source> open_feed(const FeedConfig& feed, feeds::MessageSink& sink);

}  // namespace h2s::daemon
