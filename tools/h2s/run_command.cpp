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
  bool strict = false;
};

int run(const RunOptions& options) {
  // Signals wait from the first instant: a SIGHUP or SIGTERM during start-up (the pack compile can
  // take seconds) is taken once the daemon runs, never the default action that ends the process.
  (void)daemon::block_daemon_signals();
  daemon::DaemonConfig config;
  try {
    daemon::ConfigLoadOptions load;
    load.secrets_required = !options.check_only || options.strict;  // validating needs no secrets, running does
    config = daemon::load_daemon_config(options.config, default_rules_path(), load);
  } catch (const daemon::ConfigError& e) {
    std::fprintf(stderr, "h2s run: invalid configuration:\n%s\n", e.what());
    return 2;
  }
  for (const std::string& warning : config.warnings) std::fprintf(stderr, "h2s run: warning: %s\n", warning.c_str());
  rules::CompileOptions compile;
  compile.cache_dir = config.rules_cache;
  if (!options.check_only) std::fprintf(stderr, "h2s run: loading rules from %s\n", config.rules.c_str());
  auto pack = rules::CompiledPack::load(config.rules, compile);  // a bad pack fails start-up (and --check-config)
  if (options.check_only) {
    std::printf("%s: ok (%zu feeds, rules %s: %zu rules)%s\n", options.config.c_str(), config.feeds.size(),
                config.rules.c_str(), pack->rules().size(),
                config.warnings.empty() ? ""
                : (", " + std::to_string(config.warnings.size()) + (config.warnings.size() == 1 ? " warning" : " warnings")).c_str());
    return 0;
  }
  return daemon::run_daemon(config, std::move(pack), stderr);
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run the daemon: live feeds in, signals out (docs/config.md)");
  cmd->add_option("--config", options->config, "TOML configuration file (see h2s.example.toml)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--check-config", options->check_only,
                "Validate the configuration (as start-up does: addresses, ports, CPUs, files) and the rule pack, then exit");
  cmd->add_flag("--strict", options->strict, "With --check-config: secrets missing from the environment are errors, not warnings");
  cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace h2s::tools
