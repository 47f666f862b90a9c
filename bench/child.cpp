#include "child.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace bench {

namespace {

ChildRun spawnDirect(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || dup2(o, STDOUT_FILENO) < 0 || dup2(e, STDERR_FILENO) < 0) _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) throw std::runtime_error("wait4 failed");
  ChildRun run;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.maxRssKiB = usage.ru_maxrss;
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  run.cpuSeconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  return run;
}

long selfPeakRssKiB() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmHWM:") {
      long kib = 0;
      in >> kib;
      return kib;
    }
  }
  return 0;
}

}  // namespace

ChildRun measureChild(const std::vector<std::string>& args, const std::string& stdoutPath,
                      const std::string& stderrPath) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string result = stdoutPath + ".measure";
  std::vector<std::string> spawner = {self, "--spawn-measure", result, stdoutPath, stderrPath};
  spawner.insert(spawner.end(), args.begin(), args.end());
  const ChildRun outer = spawnDirect(spawner, stdoutPath + ".spawner", stderrPath + ".spawner");
  std::ifstream in(result);
  ChildRun run;
  if (outer.exitStatus != 0 || !(in >> run.exitStatus >> run.seconds >> run.cpuSeconds >> run.maxRssKiB >> run.spawnerRssKiB)) {
    throw std::runtime_error("could not measure " + args.front());
  }
  return run;
}

int spawnMain(int argc, char** argv) {
  if (argc < 4) return 2;
  const std::string result = argv[0];
  const std::vector<std::string> args(argv + 3, argv + argc);
  const long spawnerRss = selfPeakRssKiB();
  const ChildRun run = spawnDirect(args, argv[1], argv[2]);
  std::ofstream out(result);
  out.precision(9);
  out << run.exitStatus << ' ' << run.seconds << ' ' << run.cpuSeconds << ' ' << run.maxRssKiB << ' ' << spawnerRss
      << '\n';
  return out ? 0 : 1;
}

}  // namespace bench
