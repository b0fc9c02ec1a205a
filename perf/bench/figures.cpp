#include "figures.hpp"

#include <cstdio>

namespace h2s::perf {

nlohmann::json Figures::to_json() const {
  nlohmann::json j{{"name", name},
                   {"unit", unit},
                   {"items", items},
                   {"p50_ns", ns.percentile(0.5)},
                   {"p99_ns", ns.percentile(0.99)},
                   {"p999_ns", ns.percentile(0.999)},
                   {"max_ns", ns.max()},
                   {"mean_ns", ns.mean()},
                   {"seconds", seconds},
                   {"per_second", items_per_second()}};
  if (bytes > 0) j["mb_per_second"] = seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
  if (allocations_per_item >= 0) j["allocations_per_item"] = allocations_per_item;
  if (instructions_per_item >= 0) j["instructions_per_item"] = instructions_per_item;
  return j;
}

void print_header(const char* title) {
  std::printf("\n%s\n  %-34s %9s %9s %9s %10s %12s %8s %9s\n", title, "", "p50 ns", "p99 ns", "p99.9 ns", "max ns",
              "per second", "allocs", "instr");
}

void print_row(const Figures& f) {
  char allocations[16] = "-", instructions[16] = "-";
  if (f.allocations_per_item >= 0) std::snprintf(allocations, sizeof allocations, "%.2f", f.allocations_per_item);
  if (f.instructions_per_item >= 0) std::snprintf(instructions, sizeof instructions, "%.0f", f.instructions_per_item);
  std::printf("  %-34s %9llu %9llu %9llu %10llu %12.0f %8s %9s\n", (f.name + " (" + f.unit + ")").c_str(),
              static_cast<unsigned long long>(f.ns.percentile(0.5)), static_cast<unsigned long long>(f.ns.percentile(0.99)),
              static_cast<unsigned long long>(f.ns.percentile(0.999)), static_cast<unsigned long long>(f.ns.max()),
              f.items_per_second(), allocations, instructions);
}

}  // namespace h2s::perf
