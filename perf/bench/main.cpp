// h2s_bench: the performance suite in one run (perf/run wraps it). Stage benchmarks, baselines
// with a match-equality check, rule scaling and wire-to-wire against a real daemon; a table on
// stdout and a JSON report. Figures are per item in ns: p50/p99/p99.9/max, never averages alone.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "baselines_bench.hpp"
#include "child_process.hpp"
#include "figures.hpp"
#include "h2s/perf/load_generator.hpp"
#include "h2s/perf/machine_info.hpp"
#include "h2s/perf/pack_generator.hpp"
#include "stage_bench.hpp"
#include "wire_bench.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace h2s::perf;

struct Options {
  bool quick = false;
  bool callgrind = false;
  std::size_t messages = 20000;
  std::size_t baseline_messages = 1000;
  std::vector<std::size_t> scaling{100, 1000, 10000};
  std::vector<double> rates{1000, 10000, 100000};
  double wire_seconds = 3;
  bool wire = true;
  bool python = true;
  int cpu = 0;
  int daemon_cpu = -1;  // -1: CPU 1, or 0 on a one-CPU machine
  std::uint64_t seed = 1;
  double matching_share = -1;
  double duplicate_share = 0.05;
  double revision_share = 0.05;
  std::string rules = H2S_SOURCE_DIR "/rules/default";
  std::string corpus = H2S_SOURCE_DIR "/feeds/samples/sample_feed.ndjson";
  std::string h2s_binary;
  std::string report;
};

struct Scratch {
  fs::path path = fs::temp_directory_path() / ("h2s-bench-" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(path); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) std::fprintf(stderr, "h2s_bench: cannot pin to CPU %d\n", cpu);
}

json figures_json(const std::vector<Figures>& rows) {
  json out = json::array();
  for (const Figures& f : rows) out.push_back(f.to_json());
  return out;
}

// Re-runs this command under callgrind and reads the per-stage dumps: instructions per item that
// do not move with machine noise.
int run_under_callgrind(int argc, char** argv, const Options& o) {
  Scratch scratch;
  const fs::path out = scratch.path / "callgrind.out";
  std::vector<std::string> args{"valgrind", "--tool=callgrind", "--collect-atstart=no", "--callgrind-out-file=" + out.string(),
                                fs::read_symlink("/proc/self/exe").string()};
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  std::printf("callgrind: %s messages per stage (this takes a while: valgrind runs ~50x slower)\n",
              std::to_string(o.messages).c_str());
  ChildProcess valgrind(args, scratch.path / "bench.log", {"H2S_BENCH_STAGES=" + (scratch.path / "stages.json").string()});
  if (valgrind.wait(std::chrono::hours(2)) != 0) {
    std::fprintf(stderr, "h2s_bench: valgrind failed; its log:\n");
    std::ifstream log(scratch.path / "bench.log");
    std::cerr << log.rdbuf();
    return 1;
  }
  const json report = json::parse(std::ifstream(scratch.path / "stages.json"));
  json results = json::array();
  std::printf("\n%-28s %14s %12s\n", "stage (callgrind)", "instructions", "per item");
  std::map<std::string, std::uint64_t> totals;  // stage -> instructions, one dump file per stage
  for (const auto& entry : fs::directory_iterator(scratch.path)) {
    if (!entry.path().filename().string().starts_with("callgrind.out.")) continue;
    std::ifstream dump(entry.path());
    std::string line, stage;
    std::uint64_t total = 0;
    while (std::getline(dump, line)) {
      if (line.starts_with("desc: Trigger: Client Request: ")) stage = line.substr(31);
      if (line.starts_with("totals: ") || line.starts_with("summary: ")) total = std::stoull(line.substr(line.find(' ') + 1));
    }
    totals[stage] = total;
  }
  for (const auto& s : report["stages"]) {
    const auto it = totals.find(s["name"].get<std::string>());
    if (it == totals.end() || s["items"].get<std::uint64_t>() == 0) continue;
    const double per = static_cast<double>(it->second) / s["items"].get<double>();
    std::printf("%-28s %14llu %12.0f\n", it->first.c_str(), static_cast<unsigned long long>(it->second), per);
    results.push_back({{"name", it->first}, {"instructions", it->second}, {"per_item", per}, {"items", s["items"]}});
  }
  if (!o.report.empty()) std::ofstream(o.report) << json{{"callgrind", results}}.dump(2) << "\n";
  return results.empty() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"h2s_bench: the h2s performance suite (see perf/README.md)"};
  app.add_flag("--quick", o.quick, "A few seconds: small workload, one scaling size, short wire runs (CI)");
  app.add_flag("--callgrind", o.callgrind, "Stage benchmarks only, under valgrind --tool=callgrind: instructions per item");
  app.add_option("--messages", o.messages, "Messages in the stage workload");
  app.add_option("--baseline-messages", o.baseline_messages, "Messages the baselines run on (a prefix of the workload)");
  app.add_option("--scaling", o.scaling, "Generated patterns added to the default pack, per scaling run")->delimiter(',');
  app.add_option("--rates", o.rates, "Offered wire-to-wire rates, messages/s")->delimiter(',');
  app.add_option("--wire-seconds", o.wire_seconds, "Seconds per offered rate");
  app.add_flag("!--no-wire", o.wire, "Skip wire-to-wire");
  app.add_flag("!--no-python", o.python, "Skip the Python baseline");
  app.add_option("--cpu", o.cpu, "CPU the in-process benchmarks are pinned to");
  app.add_option("--daemon-cpu", o.daemon_cpu, "CPU the wire-to-wire daemon's pipeline is pinned to (default 1; 0 on one CPU)");
  app.add_option("--seed", o.seed, "Load generator seed");
  app.add_option("--matching-share", o.matching_share, "Share of new stories that match a rule (default: the sample feed's)");
  app.add_option("--duplicate-share", o.duplicate_share, "Share of messages that repeat a recent story on another wire");
  app.add_option("--revision-share", o.revision_share, "Share of messages that revise a recent story");
  app.add_option("--rules", o.rules, "Rule pack");
  app.add_option("--corpus", o.corpus, "Recorded feed whose stories the generator draws from");
  app.add_option("--h2s", o.h2s_binary, "The h2s binary the wire-to-wire runs start (required unless --no-wire)");
  app.add_option("--report", o.report, "Write the JSON report here");
  CLI11_PARSE(app, argc, argv);

  if (o.callgrind && !RUNNING_ON_VALGRIND) return run_under_callgrind(argc, argv, o);
  if (o.quick) {
    o.messages = std::min<std::size_t>(o.messages, 2000);
    o.baseline_messages = std::min<std::size_t>(o.baseline_messages, 200);
    o.scaling = {100};
    o.rates = {1000, 10000};
    o.wire_seconds = std::min(o.wire_seconds, 1.0);
  }
  if (o.callgrind) {  // running under valgrind: stages only, the dumps carry the counts
    o.wire = o.python = false;
    o.scaling.clear();
    o.baseline_messages = 0;
  }

  ::signal(SIGPIPE, SIG_IGN);  // a daemon that dies mid-run is an error from write(), not a kill
  try {
    Scratch scratch;
    pin(o.cpu);
    const MachineInfo machine = collect_machine_info();
    std::printf("h2s_bench %s on %s (%u CPUs), %s\n  %s %s\n  instruction counters: %s\n", machine.commit.c_str(),
                machine.cpu_model.c_str(), machine.cpus, machine.kernel.c_str(), machine.compiler.c_str(),
                machine.build_flags.c_str(), machine.perf_event.c_str());
    InstructionCounter counter;
    const auto pack = h2s::rules::CompiledPack::load(o.rules);
    LoadOptions load;
    load.seed = o.seed;
    load.matching_share = o.matching_share;
    load.duplicate_share = o.duplicate_share;
    load.revision_share = o.revision_share;
    const std::vector<CorpusStory> corpus = load_corpus(o.corpus, *pack);
    LoadGenerator generator(corpus, load);
    const Workload workload = make_workload(generator, o.messages);
    std::printf("  workload: %zu messages, %.1f MB, seed %llu, all six vendor formats; %zu corpus stories, "
                "matching share %.2f, duplicates %.2f, revisions %.2f; pinned to CPU %d\n",
                workload.lines.size(), static_cast<double>(workload.bytes) / 1e6, static_cast<unsigned long long>(o.seed),
                corpus.size(), generator.options().matching_share, o.duplicate_share, o.revision_share, o.cpu);

    json report{{"machine",
                 {{"cpu_model", machine.cpu_model},
                  {"cpus", machine.cpus},
                  {"kernel", machine.kernel},
                  {"compiler", machine.compiler},
                  {"build_flags", machine.build_flags},
                  {"commit", machine.commit},
                  {"date", machine.date},
                  {"perf_event", machine.perf_event}}},
                {"workload",
                 {{"messages", workload.lines.size()},
                  {"bytes", workload.bytes},
                  {"seed", o.seed},
                  {"matching_share", generator.options().matching_share},
                  {"duplicate_share", o.duplicate_share},
                  {"revision_share", o.revision_share},
                  {"rules", o.rules},
                  {"patterns", pack->stats().patterns}}}};

    const StageResults stages = run_stages(pack, workload, scratch.path, counter);
    print_header("Stages (in process, warmed up, per item)");
    for (const Figures& f : stages.stages) print_row(f);
    std::printf("  replay throughput: %.0f msg/s, %.1f MB/s (fused pipeline, no per-message clock)\n",
                stages.replay.items_per_second(), static_cast<double>(stages.replay.bytes) / 1e6 / stages.replay.seconds);
    std::printf("  accounting: %s\n", stages.accounting.dump().c_str());
    report["stages"] = figures_json(stages.stages);
    report["replay"] = {{"messages_per_second", stages.replay.items_per_second()},
                        {"mb_per_second", static_cast<double>(stages.replay.bytes) / 1e6 / stages.replay.seconds}};
    report["accounting"] = stages.accounting;
    if (o.callgrind) {
      std::ofstream(fs::path(std::getenv("H2S_BENCH_STAGES") ? std::getenv("H2S_BENCH_STAGES") : "stages.json"))
          << report.dump(2);
    }

    if (o.baseline_messages > 0) {
      const Workload subset = prefix(workload, o.baseline_messages);
      BaselineOptions bo;
      bo.scratch = scratch.path;
      if (o.python) bo.python_script = H2S_SOURCE_DIR "/perf/baselines/python_pipeline.py";
      const BaselineResults baselines = run_baselines(pack, subset, bo, counter);
      print_header(("Baselines (first " + std::to_string(subset.lines.size()) + " messages, same process)").c_str());
      for (const Figures& f : baselines.rows) print_row(f);
      for (const auto& c : baselines.comparisons) {
        if (c.contains("error")) {
          std::printf("  %-26s ERROR: %s\n", c["baseline"].get<std::string>().c_str(), c["error"].get<std::string>().c_str());
          continue;
        }
        std::printf("  h2s vs %-24s %6.1fx at p50, %6.1fx at p99, %6.1fx throughput%s; matches: %zu stories compared, "
                    "%zu with rules, %zu differ%s\n",
                    c["baseline"].get<std::string>().c_str(), c["speedup_p50"].get<double>(), c["speedup_p99"].get<double>(),
                    c["speedup_throughput"].get<double>(),
                    c.contains("stage") ? (" (stage alone " + std::to_string(c["stage"].get<double>()).substr(0, 6) + "x)").c_str() : "",
                    c["stories_compared"].get<std::size_t>(), c["stories_matching"].get<std::size_t>(),
                    c["match_mismatches"].get<std::size_t>(), c["void"].get<bool>() ? "  -> COMPARISON VOID" : "");
      }
      report["baselines"] = {{"messages", subset.lines.size()}, {"rows", figures_json(baselines.rows)}, {"comparisons", baselines.comparisons}};
    }

    if (!o.scaling.empty()) {
      print_header("Rule scaling (default pack + N generated patterns)");
      json scaling = json::array();
      const auto stories = decode_stories(workload);  // the same for every pack
      for (const std::size_t extra : o.scaling) {
        const fs::path dir = scratch.path / ("pack-" + std::to_string(extra));
        generate_pack(o.rules, dir, extra);
        const auto big = h2s::rules::CompiledPack::load(dir);
        Figures match = measure_match(big, stories, counter);
        Figures fused = measure_fused(big, workload, scratch.path, counter);
        match.name = "+" + std::to_string(extra) + " match";
        fused.name = "+" + std::to_string(extra) + " fused";
        std::printf("  +%zu generated: %zu patterns, compile %.0f ms, database %.2f MB\n", extra, big->stats().patterns,
                    big->stats().compile_ms, static_cast<double>(big->stats().database_bytes) / 1e6);
        print_row(match);
        print_row(fused);
        scaling.push_back({{"generated_patterns", extra},
                           {"patterns", big->stats().patterns},
                           {"rules", big->stats().rules},
                           {"compile_ms", big->stats().compile_ms},
                           {"database_bytes", big->stats().database_bytes},
                           {"match", match.to_json()},
                           {"fused", fused.to_json()}});
      }
      report["rule_scaling"] = scaling;
    }

    if (o.wire) {
      WireOptions wo;
      wo.h2s_binary = o.h2s_binary;
      wo.rules = o.rules;
      wo.rates = o.rates;
      wo.seconds = o.wire_seconds;
      wo.scratch = scratch.path;
      wo.quick = o.quick;
      wo.daemon_cpu = o.daemon_cpu >= 0 ? o.daemon_cpu : (machine.cpus > 1 ? 1 : 0);
      LoadOptions wire_load = load;
      wire_load.duplicate_share = wire_load.revision_share = 0;  // every message a new story: each signal has one send time
      report["wire"] = run_wire(wo, corpus, wire_load);
    }

    if (!o.report.empty()) {
      std::ofstream(o.report) << report.dump(2) << "\n";
      std::printf("\nreport: %s\n", o.report.c_str());
    }
    bool ok = stages.accounting["balanced"].get<bool>();
    for (const Figures& f : stages.stages) ok = ok && f.allocations_per_item == 0;
    if (report.contains("baselines")) {
      for (const auto& c : report["baselines"]["comparisons"]) ok = ok && !c["void"].get<bool>();
    }
    if (report.contains("wire")) ok = ok && report["wire"]["ok"].get<bool>();
    if (!ok) std::printf("\nFAILED: a hot-path stage allocated, the accounting did not balance, a baseline's matches "
                         "differ, or a wire run lost signals (see above)\n");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "h2s_bench: %s\n", e.what());
    return 2;
  }
}
