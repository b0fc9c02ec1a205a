#include "h2s/evaluation/evaluation_run.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <unordered_map>

#include "h2s/feeds/decoder.hpp"
#include "h2s/pipeline/replay_pipeline.hpp"
#include "h2s/publish/ndjson_writer.hpp"

namespace h2s::evaluation {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

std::string read_all(int fd) {
  std::string bytes;
  if (::lseek(fd, 0, SEEK_SET) < 0) throw std::runtime_error(std::string("cannot rewind the run's output: ") + std::strerror(errno));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) return bytes;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("cannot read the run's output: ") + std::strerror(errno));
    }
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
}

// Collects each story's headline under its n-th appearance, as labels number versions.
class HeadlineSink final : public feeds::DecodeSink {
 public:
  explicit HeadlineSink(HeadlineIndex& index) : index_(index) {}
  void on_story(const Story& story) noexcept override {
    if (story.action == StoryAction::deleted) return;
    try {
      const std::uint32_t n = ++appearances_[std::string(story.id)];
      index_[{std::string(story.id), n}] = std::string(story.headline);
    } catch (...) {  // out of memory: the headline is only for failure reports
    }
  }
  void on_rejected(Status) noexcept override {}
  void on_control(h2s::ControlReason) noexcept override {}

 private:
  HeadlineIndex& index_;
  std::unordered_map<std::string, std::uint32_t> appearances_;
};

}  // namespace

std::vector<ObservedSignal> read_signal_lines(std::string_view ndjson) {
  std::vector<ObservedSignal> out;
  simdjson::dom::parser parser;
  std::size_t line_number = 0;
  while (!ndjson.empty()) {
    const auto end = ndjson.find('\n');
    const std::string_view line = ndjson.substr(0, end);
    ndjson.remove_prefix(end == std::string_view::npos ? ndjson.size() : end + 1);
    ++line_number;
    if (line.empty()) continue;
    simdjson::dom::element element;
    simdjson::dom::object object;
    auto bad = [&](const char* why) {
      return std::runtime_error("signal line " + std::to_string(line_number) + ": " + why);
    };
    if (parser.parse(line.data(), line.size()).get(element) || element.get(object)) throw bad("not a JSON object");
    std::string_view type;
    if (object["type"].get(type)) throw bad("no \"type\"");
    if (type != "signal") continue;
    ObservedSignal s;
    std::string_view text;
    std::uint64_t version = 1;
    if (object["story_id"].get(text)) throw bad("no \"story_id\"");
    s.story_id = std::string(text);
    if (object["ticker"].get(text)) throw bad("no \"ticker\"");
    s.ticker = std::string(text);
    if (object["side"].get(text) || (text != "buy" && text != "sell")) throw bad("\"side\" is not buy or sell");
    s.side = text == "buy" ? Side::buy : Side::sell;
    if (!object["topic"].get(text)) s.topic = std::string(text);
    if (!object["rule"].get(text)) s.rule = std::string(text);
    if (!object["event"].get(text)) s.event = std::string(text);
    if (!object["basis"].get(text)) s.basis = text == "lexicon" ? Basis::lexicon : Basis::event;
    if (!object["version"].get(version)) s.version = static_cast<std::uint32_t>(version);
    out.push_back(std::move(s));
  }
  return out;
}

RunResult run_feed(const std::filesystem::path& feed, std::shared_ptr<const rules::CompiledPack> pack,
                   const scoring::ScoringParams& params, pipeline::PipelineCounters& counters) {
  const FileDescriptor output(::memfd_create("h2s-eval-signals", MFD_CLOEXEC));
  if (output.get() < 0) throw std::runtime_error(std::string("cannot create the run's output: ") + std::strerror(errno));
  pipeline::ReplayConfig config;
  config.input = feed.string();
  config.processor.scoring = params;
  config.layout = pipeline::Layout::fused;
  pipeline::ReplayReport report;
  {
    publish::NdjsonWriter writer(output.get());
    report = pipeline::run_replay(config, std::move(pack), writer, counters);
    if (!writer.flush()) throw std::runtime_error(std::string("cannot write the run's output: ") + std::strerror(writer.error()));
  }
  if (report.read_errno != 0) throw std::runtime_error(feed.string() + ": " + std::strerror(report.read_errno));
  RunResult result;
  result.signals = read_signal_lines(read_all(output.get()));
  result.cancels = counters.cancels_published.get();
  result.balanced = counters.balanced();
  return result;
}

HeadlineIndex index_headlines(const std::filesystem::path& feed) {
  std::ifstream in(feed, std::ios::binary);
  if (!in) throw std::runtime_error(feed.string() + ": cannot be read");
  HeadlineIndex index;
  HeadlineSink sink(index);
  feeds::Decoder decoder;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::size_t size = line.size();
    line.append(feeds::kLinePadding, '\0');
    decoder.decode(std::string_view(line.data(), size), kNoTime, sink);
  }
  return index;
}

}  // namespace h2s::evaluation
