// Runs the real `leadterra` binary (LEADTERRA_CLI_PATH) for a test: in a
// temporary directory, with given stdin, capturing stdout, stderr and the
// exit status. POSIX only (posix_spawn).
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <istream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_util.hpp"

extern char** environ;

namespace leadterra::test {

// Starts `argv` (argv[0] is the program's path) with stdin read from the file
// `in` and stdout and stderr written to the files `out` and `err`, in the
// working directory `cwd` (empty: this process's). Throws when it cannot.
inline pid_t spawnProcess(std::vector<std::string> argv, const std::string& cwd, const std::string& in,
                          const std::string& out, const std::string& err) {
  std::vector<char*> pointers;
  for (std::string& a : argv) pointers.push_back(a.data());
  pointers.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("posix_spawn failed for " + argv[0]);
  return pid;
}

// Waits for the process; its exit status. Throws when it did not exit (a signal).
inline int waitExit(pid_t pid) {
  int wstatus = 0;
  if (waitpid(pid, &wstatus, 0) != pid || !WIFEXITED(wstatus)) throw std::runtime_error("the process did not exit");
  return WEXITSTATUS(wstatus);
}

// The JSON documents of `text`, one after another (as `demo` prints them).
inline std::vector<nlohmann::ordered_json> jsonDocuments(const std::string& text) {
  std::vector<nlohmann::ordered_json> docs;
  std::istringstream stream(text);
  while ((stream >> std::ws).peek() != std::char_traits<char>::eof()) {
    nlohmann::ordered_json doc;
    stream >> doc;
    docs.push_back(std::move(doc));
  }
  return docs;
}

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;

  // stdout as one JSON document.
  [[nodiscard]] nlohmann::ordered_json json() const { return nlohmann::ordered_json::parse(out); }
  // The {"error": {...}} object written on stderr.
  [[nodiscard]] nlohmann::ordered_json error() const { return nlohmann::ordered_json::parse(err).at("error"); }
};

class CliRunner {
 public:
  TempDir dir;
  std::string db = dir.file("cli.db");

  // With --db <db> --now <now> first.
  CliRun operator()(const std::vector<std::string>& args, const std::string& input = {}) {
    std::vector<std::string> all = {"--db", db, "--now", "2025-06-10T15:00:00Z"};
    all.insert(all.end(), args.begin(), args.end());
    return raw(all, input);
  }

  // Exactly these arguments.
  CliRun raw(const std::vector<std::string>& args, const std::string& input = {}) {
    const std::string in = dir.file("stdin"), out = dir.file("stdout"), err = dir.file("stderr");
    writeFile(in, input);
    std::vector<std::string> argv = {LEADTERRA_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    const pid_t pid = spawnProcess(argv, dir.path(), in, out, err);
    return {waitExit(pid), readFile(out), readFile(err)};
  }

  // Writes `text` to a file of the directory; returns its path.
  std::string file(const std::string& name, const std::string& text) {
    const std::string path = dir.file(name);
    writeFile(path, text);
    return path;
  }
};

}  // namespace leadterra::test
