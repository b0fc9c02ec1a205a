#include "h2s/publish/mold_publisher.hpp"

#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <vector>

#include "h2s/publish/moldudp64.hpp"

namespace h2s::publish {
namespace {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using Clock = std::chrono::steady_clock;
}  // namespace

struct MoldPublisher::Impl : std::enable_shared_from_this<MoldPublisher::Impl> {
  Impl(asio::io_context& context, const MoldPublisherOptions& o, const Journal& j)
      : options(o), journal(j), socket(context), requests(context), timer(context) {}

  MoldPublisherOptions options;
  const Journal& journal;
  udp::socket socket;
  udp::socket requests;
  asio::steady_timer timer;
  udp::endpoint destination;
  std::vector<std::uint8_t> packet;  // the datagram being filled
  std::uint16_t count = 0;
  std::uint64_t first = 0;          // sequence of its first message
  Clock::time_point last_sent = Clock::now();
  std::vector<std::uint8_t> request_buffer = std::vector<std::uint8_t>(64);
  udp::endpoint requester;
  std::vector<std::uint8_t> reply;
  MoldPublisherCounters counters;
  bool ended = false;
  std::uint16_t request_port = 0;
  Clock::time_point budget_start = Clock::now();
  std::uint32_t budget_used = 0;  // retransmitted messages in the current second

  void start() {
    if (options.port == 0) throw std::invalid_argument("MoldUDP64 publisher needs a destination port");
    if (options.mtu < mold::kHeaderBytes + 2 + Journal::kMaxPayload) {
      throw std::invalid_argument("MoldUDP64 mtu must hold at least one message (" +
                                  std::to_string(mold::kHeaderBytes + 2 + Journal::kMaxPayload) + " bytes)");
    }
    destination = udp::endpoint(asio::ip::make_address(options.group), options.port);
    socket.open(destination.protocol());
    if (destination.address().is_multicast()) {
      socket.set_option(asio::ip::multicast::outbound_interface(asio::ip::make_address_v4(options.interface)));
      socket.set_option(asio::ip::multicast::hops(options.ttl));
      socket.set_option(asio::ip::multicast::enable_loopback(true));
    }
    packet.reserve(options.mtu);
    reply.reserve(options.mtu);
    const udp::endpoint serve(asio::ip::make_address(options.retransmit_address), options.retransmit_port);
    requests.open(serve.protocol());
    requests.bind(serve);
    requests.non_blocking(true);  // a full send buffer drops a reply (counted), never stalls publishing
    request_port = requests.local_endpoint().port();
    receive_request();
    tick();
  }

  void send(udp::socket& from, const std::vector<std::uint8_t>& datagram, const udp::endpoint& to) {
    boost::system::error_code ec;
    from.send_to(asio::buffer(datagram), to, 0, ec);
    if (ec) ++counters.send_errors;
    else ++counters.packets;
  }

  void publish(std::uint64_t sequence, std::span<const std::uint8_t> payload) {
    if (ended || sequence == 0 || payload.empty() || payload.size() > Journal::kMaxPayload) return;
    if (count > 0 && (packet.size() + 2 + payload.size() > options.mtu || first + count != sequence)) flush();
    if (count == 0) {
      packet.resize(mold::kHeaderBytes);
      first = sequence;
    }
    const std::size_t at = packet.size();
    packet.resize(at + 2 + payload.size());
    mold::encode_message(payload, packet.data() + at);
    ++count;
    ++counters.messages;
  }

  void flush() {
    if (count == 0) return;
    mold::encode_header(journal.session(), first, count, packet.data());
    send(socket, packet, destination);
    last_sent = Clock::now();
    count = 0;
    packet.clear();
  }

  void heartbeat(std::uint16_t code) {
    std::vector<std::uint8_t> beat(mold::kHeaderBytes);
    mold::encode_header(journal.session(), journal.released_next(), code, beat.data());
    send(socket, beat, destination);
    last_sent = Clock::now();
  }

  void tick() {
    const auto period = options.heartbeat_interval / 4;
    timer.expires_after(period.count() > 0 ? period : std::chrono::milliseconds(1));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->ended) return;
      self->flush();
      if (Clock::now() - self->last_sent >= self->options.heartbeat_interval) {
        self->heartbeat(0);
        ++self->counters.heartbeats;
      }
      self->tick();
    });
  }

  void receive_request() {
    requests.async_receive_from(asio::buffer(request_buffer), requester,
                                [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                  if (ec || self->ended) return;
                                  self->answer({self->request_buffer.data(), n});
                                  self->receive_request();
                                });
  }

  // Replies unicast with the requested messages still in the journal, packed like live packets.
  void answer(std::span<const std::uint8_t> bytes) {
    ++counters.requests;
    mold::Request request;
    std::string_view asked;
    if (mold::parse_request(bytes, request) == Status::ok) {
      asked = {request.session.data(), request.session.size()};
      while (!asked.empty() && asked.back() == ' ') asked.remove_suffix(1);
    }
    if (asked.empty() || asked != journal.session()) {
      ++counters.bad_requests;
      return;
    }
    std::uint64_t seq = request.sequence < journal.first_retained() ? journal.first_retained() : request.sequence;
    const std::uint64_t wanted = request.count < options.max_retransmit_count ? request.count : options.max_retransmit_count;
    std::uint64_t end = std::min<std::uint64_t>(request.sequence + wanted, journal.released_next());
    if (request.count == 0 || seq >= end) {
      ++counters.bad_requests;  // nothing retained in that range
      return;
    }
    // A shared budget per second bounds the work and the amplification a requester can cause.
    const auto now = Clock::now();
    if (now - budget_start >= std::chrono::seconds(1)) {
      budget_start = now;
      budget_used = 0;
    }
    const std::uint64_t allowed = options.max_retransmit_per_second - std::min(budget_used, options.max_retransmit_per_second);
    if (end - seq > allowed) {
      ++counters.throttled_requests;
      end = seq + allowed;
      if (allowed == 0) return;
    }
    std::uint8_t message[Journal::kMaxPayload];
    while (seq < end) {
      reply.assign(mold::kHeaderBytes, 0);
      const std::uint64_t reply_first = seq;
      std::uint16_t n = 0;
      while (seq < end) {
        const std::size_t length = journal.read(seq, message);
        if (length == 0 || reply.size() + 2 + length > options.mtu) break;
        const std::size_t at = reply.size();
        reply.resize(at + 2 + length);
        mold::encode_message({message, length}, reply.data() + at);
        ++seq;
        ++n;
      }
      if (n == 0) break;
      mold::encode_header(journal.session(), reply_first, n, reply.data());
      send(requests, reply, requester);  // from the port the request went to
      counters.retransmitted += n;
      budget_used += n;
    }
  }

  void end_session() {
    if (ended) return;
    flush();
    for (int i = 0; i < 3; ++i) heartbeat(mold::kEndOfSession);  // UDP: repeated against loss
    ended = true;
    boost::system::error_code ignored;
    timer.cancel();
    requests.close(ignored);
  }
};

MoldPublisher::MoldPublisher(boost::asio::io_context& io, const MoldPublisherOptions& options, const Journal& journal)
    : impl_(std::make_shared<Impl>(io, options, journal)) {
  impl_->start();
}

MoldPublisher::~MoldPublisher() {
  impl_->flush();
  impl_->ended = true;
  boost::system::error_code ignored;
  impl_->timer.cancel();
  impl_->requests.close(ignored);
}

void MoldPublisher::publish(std::uint64_t sequence, std::span<const std::uint8_t> payload) { impl_->publish(sequence, payload); }
void MoldPublisher::flush() { impl_->flush(); }
void MoldPublisher::end_session() { impl_->end_session(); }
std::uint16_t MoldPublisher::retransmit_port() const noexcept { return impl_->request_port; }
const MoldPublisherCounters& MoldPublisher::counters() const noexcept { return impl_->counters; }

}  // namespace h2s::publish
