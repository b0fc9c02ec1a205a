#include "run_command.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include "default_paths.hpp"
#include "h2s/daemon/daemon.hpp"

namespace h2s::tools {
namespace {

struct RunOptions {
  std::string config;
  bool check_only = false;
};

int run(const RunOptions& options) {
  // Signals wait from the first instant: a SIGHUP or SIGTERM during start-up (the pack compile can
  // take seconds) is taken once the daemon runs, never the default action that ends the process.
  (void)daemon::block_daemon_signals();
  daemon::DaemonConfig config;
  try {
    config = daemon::load_daemon_config(options.config, default_rules_path());
  } catch (const daemon::ConfigError& e) {
    std::fprintf(stderr, "h2s run: invalid configuration:\n%s\n", e.what());
    return 2;
  }
  rules::CompileOptions compile;
  compile.cache_dir = config.rules_cache;
  if (!options.check_only) std::fprintf(stderr, "h2s run: loading rules from %s\n", config.rules.c_str());
  auto pack = rules::CompiledPack::load(config.rules, compile);  // a bad pack fails start-up (and --check-config)
  if (options.check_only) {
    std::printf("%s: ok (%zu feeds, rules %s: %zu rules)\n", options.config.c_str(), config.feeds.size(),
                config.rules.c_str(), pack->rules().size());
    return 0;
  }
  return daemon::run_daemon(config, std::move(pack), stderr);
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run the daemon: live feeds in, signals out (docs/config.md)");
  cmd->add_option("--config", options->config, "TOML configuration file (see h2s.example.toml)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--check-config", options->check_only, "Validate the configuration and the rule pack, then exit");
  cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace h2s::tools
