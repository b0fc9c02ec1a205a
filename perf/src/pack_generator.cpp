#include "h2s/perf/pack_generator.hpp"

#include <array>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace h2s::perf {
namespace {

constexpr std::array<const char*, 24> kStems{"Acme", "Borealis", "Cobalt", "Dynamo", "Ember", "Fjord", "Granite",
                                             "Helix", "Ion", "Juniper", "Krypton", "Lumen", "Meridian", "Nimbus",
                                             "Onyx", "Polaris", "Quasar", "Radiant", "Sable", "Titan", "Umbra",
                                             "Vertex", "Willow", "Zenith"};
constexpr std::array<const char*, 12> kProducts{"chip", "accelerator", "server", "cloud", "platform", "model",
                                                "cluster", "fab", "network", "drive", "reactor", "satellite"};
constexpr std::array<const char*, 6> kTopics{"amzn.trainium", "avgo.asic", "nvda.gpu", "dc.reit", "cloud.peers", "macro.cpi"};
constexpr std::array<const char*, 6> kTickers{"AMZN", "AVGO", "NVDA", "DLR", "MSFT", "QQQ"};

}  // namespace

void generate_pack(const std::filesystem::path& default_pack, const std::filesystem::path& out, std::size_t patterns) {
  std::filesystem::create_directories(out);
  for (const auto& entry : std::filesystem::directory_iterator(default_pack)) {
    if (entry.path().extension() == ".toml") {
      std::filesystem::copy_file(entry.path(), out / entry.path().filename(),
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
  std::ofstream file(out / "90_generated.toml");
  if (!file) throw std::runtime_error("cannot write " + (out / "90_generated.toml").string());
  std::mt19937_64 rng(patterns);
  std::size_t written = 0;
  for (std::size_t rule = 0; written < patterns; ++rule) {
    const std::size_t topic = rule % kTopics.size();
    const std::size_t count = std::min<std::size_t>(1 + rng() % 3, patterns - written);
    file << "[[rule]]\nid = \"gen." << rule << "\"\ntopic = \"" << kTopics[topic] << "\"\ntickers = [\""
         << kTickers[topic] << "\"]\npatterns = [";
    for (std::size_t p = 0; p < count; ++p) {
      const char* stem = kStems[rng() % kStems.size()];
      const char* product = kProducts[rng() % kProducts.size()];
      // Shapes seen in real packs: a name with a number, alternations, optional words, classes.
      switch (rng() % 4) {
        case 0: file << "'\\b" << stem << rule << "\\s+" << product << "s?\\b'"; break;
        case 1: file << "'\\b(" << stem << "|" << stem << "Corp)\\s+" << rule << "[A-Z]?\\b'"; break;
        case 2: file << "'\\b" << product << "\\s+(from\\s+)?" << stem << "-?" << rule << "\\b'"; break;
        default: file << "'\\b" << stem << "\\s?" << (rule * 7 + p) << "\\s+(" << product << "|units?)\\b'"; break;
      }
      file << (p + 1 < count ? ", " : "");
      ++written;
    }
    file << "]\n\n";
  }
}

}  // namespace h2s::perf
