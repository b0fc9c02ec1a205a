#pragma once
// A recorded file as a live feed source for the daemon (demos and tests without a vendor).
#include <memory>
#include <string>

#include "h2s/feeds/source.hpp"

namespace h2s::feeds {

// Throws std::system_error when the file cannot be opened.
std::unique_ptr<Source> make_file_feed_source(std::string name, const std::string& path, std::size_t max_message_bytes,
                                              MessageSink& sink);

}  // namespace h2s::feeds
