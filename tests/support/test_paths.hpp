#pragma once
// Paths into the source tree and scratch directories for tests.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace h2s::test {

inline std::filesystem::path source_dir() { return H2S_SOURCE_DIR; }
inline std::filesystem::path sample_feed() { return source_dir() / "feeds" / "samples" / "sample_feed.ndjson"; }
inline std::filesystem::path default_rules() { return source_dir() / "rules" / "default"; }

// A fresh directory under the system temp dir, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "h2s-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace h2s::test
