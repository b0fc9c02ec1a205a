#include "h2s/feeds/file_feed.hpp"

#include "h2s/feeds/file_source.hpp"
#include "h2s/feeds/stream_reader.hpp"
#include "h2s/model/clock.hpp"

namespace h2s::feeds {
namespace {

class FileFeedSource final : public Source {
 public:
  FileFeedSource(std::string name, const std::string& path, std::size_t max_message_bytes, MessageSink& sink)
      : Source(std::move(name)), file_(path), reader_(max_message_bytes, 256 * 1024), sink_(sink) {}

  int poll() noexcept override {
    if (finished_) return 0;
    std::size_t n = 0;
    switch (file_.read(reader_.buffer(), reader_.capacity(), n)) {
      case FileSource::ReadResult::data:
        reader_.on_read(n, wall_clock_us(), sink_, counters_);  // read now: live time, like any feed
        return 1;
      case FileSource::ReadResult::not_ready:
        return 0;
      case FileSource::ReadResult::error:
        counters_.errors.add();
        [[fallthrough]];
      case FileSource::ReadResult::end:
        close();
        return 1;
    }
    return 0;
  }
  [[nodiscard]] bool finished() const noexcept override { return finished_; }
  void close() noexcept override {
    if (finished_) return;
    reader_.on_end(wall_clock_us(), sink_, counters_);
    finished_ = true;
  }

 private:
  FileSource file_;
  StreamReader reader_;
  MessageSink& sink_;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<Source> make_file_feed_source(std::string name, const std::string& path, std::size_t max_message_bytes,
                                              MessageSink& sink) {
  return std::make_unique<FileFeedSource>(std::move(name), path, max_message_bytes, sink);
}

}  // namespace h2s::feeds
