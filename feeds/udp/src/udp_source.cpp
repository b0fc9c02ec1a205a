#include "h2s/feeds/udp_source.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/udp.hpp>

#include <cstring>
#include <vector>

#include "h2s/feeds/decoder.hpp"
#include "h2s/model/clock.hpp"

namespace h2s::feeds {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

class UdpSource final : public Source {
 public:
  UdpSource(std::string name, const UdpSourceOptions& options, MessageSink& sink)
      : Source(std::move(name)), sink_(sink), socket_(io_), batch_(options.batch), slot_bytes_(options.max_message_bytes + 1) {
    const bool multicast = !options.group.empty();
    // A multicast feed binds its group: the kernel then delivers only datagrams sent to the group,
    // never unicast ones to the port (which would otherwise be read as news).
    const udp::endpoint local(multicast ? asio::ip::address(asio::ip::make_address_v4(options.group))
                                        : asio::ip::make_address(options.address),
                              options.port);
    socket_.open(local.protocol());
    socket_.set_option(udp::socket::reuse_address(true));
    socket_.set_option(asio::socket_base::receive_buffer_size(options.receive_buffer_bytes));
    const int on = 1;
    // Best effort: without kernel timestamps, datagrams are stamped when read (counted apart).
    (void)::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    socket_.bind(local);
    if (multicast) {
      socket_.set_option(asio::ip::multicast::join_group(asio::ip::make_address_v4(options.group),
                                                         asio::ip::make_address_v4(options.interface)));
      const int only_joined = 0;  // not the groups other sockets of this host joined on the port
      (void)::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_MULTICAST_ALL, &only_joined, sizeof only_joined);
    }
    socket_.non_blocking(true);
    port_ = socket_.local_endpoint().port();
    // One slot per datagram of the batch, each with decoder padding; one byte over the limit
    // detects an oversized datagram.
    buffers_ = std::make_unique<char[]>(batch_ * (slot_bytes_ + kLinePadding));
    iovecs_.resize(batch_);
    headers_.resize(batch_);
    controls_.resize(batch_ * kControlBytes);
    for (std::size_t i = 0; i < batch_; ++i) {
      iovecs_[i] = iovec{slot(i), slot_bytes_};
      headers_[i].msg_hdr.msg_iov = &iovecs_[i];
      headers_[i].msg_hdr.msg_iovlen = 1;
    }
  }

  int poll() noexcept override {
    if (closed_) return 0;
    for (std::size_t i = 0; i < batch_; ++i) {  // recvmmsg overwrites these
      headers_[i].msg_hdr.msg_control = controls_.data() + i * kControlBytes;
      headers_[i].msg_hdr.msg_controllen = kControlBytes;
      headers_[i].msg_hdr.msg_flags = 0;
    }
    const int n = ::recvmmsg(socket_.native_handle(), headers_.data(), static_cast<unsigned>(batch_), MSG_DONTWAIT, nullptr);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) counters_.errors.add();
      return 0;
    }
    const std::int64_t fallback_us = wall_clock_us();
    for (int i = 0; i < n; ++i) deliver(static_cast<std::size_t>(i), fallback_us);
    return n;
  }

  void close() noexcept override {
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  [[nodiscard]] std::uint16_t local_port() const noexcept override { return port_; }

 private:
  static constexpr std::size_t kControlBytes = CMSG_SPACE(sizeof(timespec));

  [[nodiscard]] char* slot(std::size_t i) noexcept { return buffers_.get() + i * (slot_bytes_ + kLinePadding); }

  void deliver(std::size_t i, std::int64_t fallback_us) noexcept {
    const mmsghdr& header = headers_[i];
    const std::size_t length = header.msg_len;
    counters_.bytes.add(length);
    std::int64_t recv_us = fallback_us;
    for (cmsghdr* c = CMSG_FIRSTHDR(&header.msg_hdr); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&header.msg_hdr), c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts;
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        recv_us = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
        counters_.kernel_timestamps.add();
      }
    }
    if ((header.msg_hdr.msg_flags & MSG_TRUNC) != 0 || length >= slot_bytes_) {
      counters_.messages.add();
      counters_.errors.add();
      sink_.on_oversized();
      return;
    }
    char* data = slot(i);
    std::memset(data + length, ' ', kLinePadding);
    // A datagram may carry several lines; each is one message. Blank lines are not messages.
    std::size_t start = 0;
    while (start < length) {
      const void* newline = std::memchr(data + start, '\n', length - start);
      const std::size_t end = newline != nullptr ? static_cast<std::size_t>(static_cast<const char*>(newline) - data) : length;
      std::size_t stop = end;
      if (stop > start && data[stop - 1] == '\r') --stop;
      bool blank = true;
      for (std::size_t k = start; k < stop && blank; ++k) blank = data[k] == ' ' || data[k] == '\t';
      if (!blank) {
        counters_.messages.add();
        sink_.on_message({data + start, stop - start}, recv_us);
      }
      start = end + 1;
    }
  }

  MessageSink& sink_;
  asio::io_context io_;
  udp::socket socket_;
  std::size_t batch_;
  std::size_t slot_bytes_;
  std::unique_ptr<char[]> buffers_;
  std::vector<iovec> iovecs_;
  std::vector<mmsghdr> headers_;
  std::vector<unsigned char> controls_;
  std::uint16_t port_ = 0;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Source> make_udp_source(std::string name, const UdpSourceOptions& options, MessageSink& sink) {
  return std::make_unique<UdpSource>(std::move(name), options, sink);
}

}  // namespace h2s::feeds
