#include "h2s/daemon/feed_factory.hpp"

#include <algorithm>
#include <stdexcept>

#include "h2s/feeds/file_feed.hpp"
#include "h2s/feeds/tcp_sources.hpp"
#include "h2s/feeds/udp_source.hpp"
#include "h2s/feeds/websocket_source.hpp"

namespace h2s::daemon {

std::unique_ptr<feeds::Source> open_feed(const FeedConfig& feed, feeds::MessageSink& sink) {
  switch (feed.type) {
    case FeedType::file:
      return feeds::make_file_feed_source(feed.name, feed.path.string(), feed.max_message_bytes, sink);
    case FeedType::tcp_client: {
      feeds::TcpClientOptions o;
      o.host = feed.host;
      o.port = feed.port;
      o.reconnect_initial = feed.reconnect_initial;
      o.reconnect_max = feed.reconnect_max;
      o.max_message_bytes = feed.max_message_bytes;
      return feeds::make_tcp_client_source(feed.name, o, sink);
    }
    case FeedType::tcp_server: {
      feeds::TcpServerOptions o;
      o.address = feed.host;
      o.port = feed.port;
      o.max_connections = feed.max_connections;
      o.max_message_bytes = feed.max_message_bytes;
      o.idle_timeout = feed.idle_timeout;
      return feeds::make_tcp_server_source(feed.name, o, sink);
    }
    case FeedType::udp: {
      feeds::UdpSourceOptions o;
      o.address = feed.host;
      o.port = feed.port;
      o.group = feed.group;
      o.interface = feed.interface;
      o.batch = feed.receive_batch;
      o.max_message_bytes = std::min<std::size_t>(feed.max_message_bytes, 65507);
      o.receive_buffer_bytes = static_cast<int>(feed.receive_buffer_bytes);
      return feeds::make_udp_source(feed.name, o, sink);
    }
    case FeedType::websocket:
      return feeds::make_websocket_source(feed.name, feed.websocket, sink);
  }
  throw std::invalid_argument("unknown feed type");
}

}  // namespace h2s::daemon
